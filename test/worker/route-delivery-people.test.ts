/**
 * What routing queues for Slack app mode, from real example payloads: each channel's row says
 * whether it threads and whether the kind is broadcast (from the repository's config), mapped
 * people are mentioned, and the person an event is about gets one direct message on the DM
 * queue when their people entry asks for it, whatever the routes say.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeDelivery } from "../../src/worker/route-delivery.js";
import { decodeQueuedMessage } from "../../src/worker/queued-message.js";
import { DM_CHANNEL, readChannels } from "../../src/settings/channels.js";
import { parsePeople } from "../../src/settings/people.js";
import type { NotifierConfig } from "../../src/repo-config/config-schema.js";
import type { DeliveryRecord, Store } from "../../src/store/types.js";
import { createStore } from "../../src/store/create-store.js";
import { exampleOf } from "../helpers/examples.js";

const NOW = new Date("2026-12-06T12:00:00Z");
const BOT_ENV = {
  SLACK_BOT_TOKEN: "xoxb-1-2-routing",
  SLACK_CHANNEL_ID: "C0DEFAULT",
  SLACK_CHANNEL_ID_ENG: "C0ENG",
  SLACK_WEBHOOK_URL_HOOK: "https://hooks.slack.com/services/T/B/hook",
};
const people = parsePeople({
  file: "people.yml",
  text: "octocat: { slack: U0OCTOCAT, dm: [review_requested] }\nCodertocat: U0CODER\nhubot: { slack: U0HUBOT, dm: [assigned] }\n",
});

// The stateful rules' state, on a real (throwaway) database.
let store: Store;
beforeAll(async () => {
  store = createStore(":memory:");
  await store.migrate();
});
afterAll(() => store.close());

function delivery(event: string, payload: unknown): DeliveryRecord {
  return {
    id: `d-${Math.random()}`,
    event,
    action: (payload as { action?: string }).action ?? null,
    installationId: 1,
    repository: "Codertocat/Hello-World",
    payload: JSON.stringify(payload),
    receivedAt: NOW,
    status: "processing",
    reason: null,
    error: null,
    attempts: 1,
    nextAttemptAt: null,
    updatedAt: NOW,
  };
}

function reviewRequestedOf(login: string) {
  const payload = exampleOf("pull_request", "review_requested") as unknown as Record<
    string,
    unknown
  >;
  payload.requested_reviewer = { ...(payload.requested_reviewer as object), login };
  delete payload.requested_team;
  return payload;
}

async function routed(params: {
  event: string;
  payload: unknown;
  config: NotifierConfig;
  env?: Record<string, string>;
}) {
  return routeDelivery({
    delivery: delivery(params.event, params.payload),
    configs: { load: async () => params.config },
    channels: readChannels(params.env ?? BOT_ENV),
    state: store,
    people,
    now: NOW,
  });
}

describe("routing for bot channels and people", () => {
  it("queues each channel with its own thread and broadcast settings", async () => {
    const outcome = await routed({
      event: "pull_request",
      payload: {
        ...exampleOf("pull_request", "closed"),
        pull_request: { ...exampleOf("pull_request", "closed").pull_request, merged: true },
      },
      config: {
        routes: [
          { on: ["pull_request.merged"], channel: "default" },
          { on: ["pull_request.merged"], channel: "eng", thread: false, broadcast: [] },
        ],
      },
    });
    expect(outcome.kind).toBe("queue");
    if (outcome.kind !== "queue") return;
    const rows = new Map(
      outcome.notifications.map((row) => [row.channel, decodeQueuedMessage(row.message, "d")]),
    );
    expect(rows.get("default")).toMatchObject({ thread: true, broadcast: true });
    expect(rows.get("eng")).toMatchObject({ thread: false, broadcast: false });
  });

  it("mentions the mapped reviewer and queues one direct message for them, even with no route", async () => {
    const outcome = await routed({
      event: "pull_request",
      payload: reviewRequestedOf("octocat"),
      config: { routes: [] },
    });
    expect(outcome.kind).toBe("queue");
    if (outcome.kind !== "queue") return;
    expect(outcome.notifications.map((row) => row.channel)).toEqual([DM_CHANNEL]);
    const queued = decodeQueuedMessage(outcome.notifications[0]!.message, "d");
    expect(queued.dmTo).toBe("U0OCTOCAT");
    expect(queued.message.text).toContain("<@U0OCTOCAT>");
    expect(outcome.detail).toMatch(/direct message to octocat/);
  });

  it("queues the channel message and the direct message side by side", async () => {
    const outcome = await routed({
      event: "pull_request",
      payload: reviewRequestedOf("octocat"),
      config: { routes: [{ on: ["pull_request.review_requested"], channel: "eng" }] },
    });
    if (outcome.kind !== "queue") throw new Error(`skipped: ${outcome.reason}`);
    expect(outcome.notifications.map((row) => row.channel).sort()).toEqual([DM_CHANNEL, "eng"]);
  });

  it("sends no direct message to a person whose entry does not ask for that kind", async () => {
    const outcome = await routed({
      event: "pull_request",
      payload: reviewRequestedOf("hubot"),
      config: { routes: [] },
    });
    expect(outcome).toEqual({ kind: "skip", reason: expect.stringMatching(/no route matched/) });
  });

  it("sends no direct message without a bot token (webhook channels only), but still mentions", async () => {
    const outcome = await routed({
      event: "pull_request",
      payload: reviewRequestedOf("octocat"),
      config: { routes: [{ on: ["pull_request.review_requested"], channel: "default" }] },
      env: { SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" },
    });
    if (outcome.kind !== "queue") throw new Error(`skipped: ${outcome.reason}`);
    expect(outcome.notifications.map((row) => row.channel)).toEqual(["default"]);
    const queued = decodeQueuedMessage(outcome.notifications[0]!.message, "d");
    expect(queued.message.text).toContain("<@U0OCTOCAT>");
  });
});
