import { describe, expect, it } from "vitest";
import { strandedChannels } from "../../src/worker/stranded-channels.js";
import { DM_CHANNEL, readChannels } from "../../src/settings/channels.js";

describe("strandedChannels", () => {
  it("names each open channel the operator no longer configures, with the setting to restore", () => {
    const channels = readChannels({ SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" });
    expect(
      strandedChannels({
        open: [
          { channel: "default", open: 4 },
          { channel: "release-notes", open: 1 },
          { channel: DM_CHANNEL, open: 2 },
        ],
        channels,
      }),
    ).toEqual([
      '1 notification waits for channel "release-notes", which is not configured: set SLACK_WEBHOOK_URL_RELEASE_NOTES (or SLACK_CHANNEL_ID_RELEASE_NOTES) to post them, or replay their deliveries (notifier replay)',
      "2 notifications wait to be sent as direct messages, but SLACK_BOT_TOKEN is not set: set it to send them",
    ]);
  });

  it("says nothing when every open channel can be posted to", () => {
    const channels = readChannels({
      SLACK_BOT_TOKEN: "xoxb-1-2-stranded",
      SLACK_CHANNEL_ID_OPS: "C0OPS0001",
    });
    expect(
      strandedChannels({
        open: [
          { channel: "ops", open: 9 },
          { channel: DM_CHANNEL, open: 1 },
        ],
        channels,
      }),
    ).toEqual([]);
  });
});
