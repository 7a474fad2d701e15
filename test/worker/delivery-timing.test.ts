/**
 * Quiet hours, the timing of one channel (now, held for a digest or quiet hours, dropped),
 * and the per-channel plan with mutes: pure functions driven by a given `now`.
 */
import { describe, expect, it } from "vitest";
import { quietWindowAt, type QuietHours } from "../../src/shared/quiet-hours.js";
import { timingFor } from "../../src/worker/delivery-timing.js";
import { planChannels, planDetail, skipReason } from "../../src/worker/channel-plan.js";
import { indexMutes, NO_MUTES } from "../../src/worker/mutes.js";
import type { ChannelTarget } from "../../src/route/route.js";

const iso = (text: string) => new Date(text);
const BERLIN_NIGHT: QuietHours = { from: "22:00", to: "08:00", timezone: "Europe/Berlin" };

function target(overrides: Partial<ChannelTarget> = {}): ChannelTarget {
  return {
    channel: "eng",
    routes: [0],
    digest: null,
    timezone: "UTC",
    quietHours: null,
    quietHoursAction: "hold",
    thread: true,
    broadcast: [],
    ...overrides,
  };
}

describe("quietWindowAt", () => {
  const quiet = (now: string, hours: QuietHours = BERLIN_NIGHT) => {
    const window = quietWindowAt({ now: iso(now), quietHours: hours });
    return window && [window.start.toISOString(), window.end.toISOString(), window.label];
  };

  it("finds a window that crosses midnight from either side", () => {
    // Berlin is UTC+1 in January.
    expect(quiet("2024-01-15T21:00:00Z")).toEqual([
      "2024-01-15T21:00:00.000Z",
      "2024-01-16T07:00:00.000Z",
      "22:00–08:00 Europe/Berlin",
    ]);
    expect(quiet("2024-01-16T06:59:59Z")).toEqual([
      "2024-01-15T21:00:00.000Z",
      "2024-01-16T07:00:00.000Z",
      "22:00–08:00 Europe/Berlin",
    ]);
    expect(quiet("2024-01-16T07:00:00Z")).toBeNull();
    expect(quiet("2024-01-15T20:59:59Z")).toBeNull();
    expect(quiet("2024-01-15T12:00:00Z")).toBeNull();
  });

  it("finds a window within one day", () => {
    const lunch: QuietHours = { from: "12:00", to: "13:30", timezone: "UTC" };
    expect(quiet("2024-01-15T12:45:00Z", lunch)).toEqual([
      "2024-01-15T12:00:00.000Z",
      "2024-01-15T13:30:00.000Z",
      "12:00–13:30 UTC",
    ]);
    expect(quiet("2024-01-15T13:30:00Z", lunch)).toBeNull();
    expect(quiet("2024-01-15T11:59:00Z", lunch)).toBeNull();
  });

  it("keeps to the wall clock across a daylight-saving night", () => {
    // 31 March 2024: the night is an hour shorter; it still ends at 08:00 CEST (06:00Z).
    expect(quiet("2024-03-31T01:30:00Z")).toEqual([
      "2024-03-30T21:00:00.000Z",
      "2024-03-31T06:00:00.000Z",
      "22:00–08:00 Europe/Berlin",
    ]);
  });

  it("gives every instant of one night the same id, and the next night another", () => {
    const id = (now: string) => quietWindowAt({ now: iso(now), quietHours: BERLIN_NIGHT })?.id;
    expect(id("2024-01-15T21:00:00Z")).toBe(id("2024-01-16T06:00:00Z"));
    expect(id("2024-01-16T21:00:00Z")).not.toBe(id("2024-01-15T21:00:00Z"));
  });
});

describe("timingFor", () => {
  it("sends at once without digest or quiet hours", () => {
    expect(timingFor({ target: target(), now: iso("2024-01-15T09:07:00Z") })).toEqual({
      kind: "now",
    });
  });

  it("holds a digest route's message until its window closes", () => {
    expect(
      timingFor({ target: target({ digest: "15m" }), now: iso("2024-01-15T09:07:00Z") }),
    ).toEqual({
      kind: "hold",
      digestKey: "digest 15m UTC 2024-01-15T09:00:00.000Z",
      dueAt: iso("2024-01-15T09:15:00Z"),
      why: "digest",
    });
  });

  it("holds what arrives in quiet hours until they end, as one digest for the night", () => {
    const night = target({ quietHours: BERLIN_NIGHT });
    const late = timingFor({ target: night, now: iso("2024-01-15T22:30:00Z") });
    const early = timingFor({ target: night, now: iso("2024-01-16T05:00:00Z") });
    expect(late).toEqual({
      kind: "hold",
      digestKey: "quiet 22:00–08:00 Europe/Berlin until 2024-01-16T07:00:00.000Z",
      dueAt: iso("2024-01-16T07:00:00Z"),
      why: "quiet hours",
    });
    expect(early).toEqual(late);
    expect(timingFor({ target: night, now: iso("2024-01-16T07:00:00Z") })).toEqual({ kind: "now" });
  });

  it("drops what arrives in quiet hours with `drop`, naming the window", () => {
    expect(
      timingFor({
        target: target({ quietHours: BERLIN_NIGHT, quietHoursAction: "drop" }),
        now: iso("2024-01-15T22:30:00Z"),
      }),
    ).toEqual({ kind: "drop", reason: "quiet hours (22:00–08:00 Europe/Berlin): dropped" });
  });

  it("moves a digest window that closes in quiet hours to their end, with the night's digest", () => {
    const both = target({ digest: "1h", quietHours: BERLIN_NIGHT, quietHoursAction: "drop" });
    // 20:30Z is 21:30 in Berlin: the window closes at 22:00, inside quiet hours. Not dropped:
    // the events came before the quiet hours; only the post waits.
    expect(timingFor({ target: both, now: iso("2024-01-15T20:30:00Z") })).toEqual({
      kind: "hold",
      digestKey: "quiet 22:00–08:00 Europe/Berlin until 2024-01-16T07:00:00.000Z",
      dueAt: iso("2024-01-16T07:00:00Z"),
      why: "quiet hours",
    });
    expect(timingFor({ target: both, now: iso("2024-01-15T19:30:00Z") })).toMatchObject({
      kind: "hold",
      dueAt: iso("2024-01-15T20:00:00Z"),
      why: "digest",
    });
  });
});

describe("planChannels", () => {
  const now = iso("2024-01-15T22:30:00Z");
  const until = iso("2024-01-15T23:30:00Z");

  it("drops a reserved channel, a muted one and one in quiet hours with `drop`, holds and sends the others", () => {
    const plan = planChannels({
      targets: [
        target({ channel: "eng" }),
        target({ channel: "ops", quietHours: BERLIN_NIGHT, quietHoursAction: "drop" }),
        target({ channel: "releases", digest: "daily at 09:00", timezone: "Europe/Berlin" }),
        target({ channel: "muted" }),
        target({ channel: "removed" }),
        // Reserved for other owners: dropped even when its message would wait for a digest.
        target({ channel: "theirs", digest: "15m" }),
      ],
      isConfigured: (name) => name !== "removed",
      mayUse: (name) => name !== "theirs",
      mutes: indexMutes([
        { target: "muted", kind: "channel", until, reason: "offsite", createdAt: now },
      ]),
      now,
    });
    expect(plan).toEqual({
      queue: [
        { channel: "eng", digestKey: null, dueAt: null, why: null },
        {
          channel: "releases",
          digestKey: "digest daily at 09:00 Europe/Berlin 2024-01-15T08:00:00.000Z",
          dueAt: iso("2024-01-16T08:00:00Z"),
          why: "digest",
        },
      ],
      dropped: [
        { channel: "ops", reason: "quiet hours (22:00–08:00 Europe/Berlin): dropped" },
        {
          channel: "muted",
          reason: "muted until 2024-01-15T23:30:00.000Z by notifier mute: offsite",
        },
        {
          channel: "theirs",
          reason: 'channel "theirs" is reserved by the operator for other owners',
        },
      ],
      unknown: ["removed"],
    });
    expect(planDetail({ kind: "issues.opened", plan })).toBe(
      "issues.opened -> eng, releases (digest until 2024-01-16T08:00:00.000Z) (dropped: ops, muted, theirs; not configured: removed)",
    );
  });

  it("explains a plan that queues nothing with the one reason, or each channel's", () => {
    const mutes = indexMutes([
      { target: "eng", kind: "channel", until, reason: null, createdAt: now },
    ]);
    const one = planChannels({
      targets: [target()],
      isConfigured: () => true,
      mayUse: () => true,
      mutes,
      now,
    });
    expect(skipReason(one)).toBe("muted until 2024-01-15T23:30:00.000Z by notifier mute");
    const several = planChannels({
      targets: [
        target(),
        target({ channel: "ops", quietHours: BERLIN_NIGHT, quietHoursAction: "drop" }),
        target({ channel: "gone" }),
      ],
      isConfigured: (name) => name !== "gone",
      mayUse: () => true,
      mutes,
      now,
    });
    expect(skipReason(several)).toBe(
      "eng: muted until 2024-01-15T23:30:00.000Z by notifier mute; ops: quiet hours (22:00–08:00 Europe/Berlin): dropped; routed to gone, which the operator has not configured",
    );
    const unknownOnly = planChannels({
      targets: [target({ channel: "gone" })],
      isConfigured: () => false,
      mayUse: () => false,
      mutes: NO_MUTES,
      now,
    });
    expect(skipReason(unknownOnly)).toBe("routed to gone, which the operator has not configured");
    const reservedOnly = planChannels({
      targets: [target({ channel: "default" })],
      isConfigured: () => true,
      mayUse: () => false,
      mutes: NO_MUTES,
      now,
    });
    expect(skipReason(reservedOnly)).toBe(
      'channel "default" is reserved by the operator for other owners',
    );
  });
});
