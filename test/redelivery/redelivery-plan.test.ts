/** The pure part of delivery recovery: windows, grouping, checkpoints, the requested set, `--since`. */
import { describe, expect, it } from "vitest";
import {
  groupByGuid,
  isDelivered,
  nextCheckpoint,
  parseRequested,
  parseSince,
  scanWindow,
  serializeRequested,
  shouldAsk,
  type DeliveryLogEntry,
} from "../../src/redelivery/redelivery-plan.js";

const NOW = new Date("2024-05-01T12:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function hoursAgo(hours: number): Date {
  return new Date(NOW.getTime() - hours * HOUR);
}

function entry(
  overrides: Partial<DeliveryLogEntry> & Pick<DeliveryLogEntry, "id" | "guid" | "delivered_at">,
): DeliveryLogEntry {
  return {
    redelivery: false,
    status: "OK",
    status_code: 200,
    event: "pull_request",
    action: "opened",
    ...overrides,
  };
}

describe("scanWindow", () => {
  it.each([
    {
      name: "no checkpoint: 3 days back",
      checkpoint: null,
      since: undefined,
      start: 72,
      scheduled: 72,
      clamped: false,
    },
    {
      name: "checkpoint: from it",
      checkpoint: 2,
      since: undefined,
      start: 2,
      scheduled: 2,
      clamped: false,
    },
    {
      name: "stale checkpoint: 3 days back",
      checkpoint: 100,
      since: undefined,
      start: 72,
      scheduled: 72,
      clamped: false,
    },
    {
      name: "since before the checkpoint",
      checkpoint: 2,
      since: 6,
      start: 6,
      scheduled: 2,
      clamped: false,
    },
    {
      name: "since after the checkpoint",
      checkpoint: 6,
      since: 2,
      start: 2,
      scheduled: 6,
      clamped: false,
    },
    {
      name: "since past retention",
      checkpoint: null,
      since: 120,
      start: 72,
      scheduled: 72,
      clamped: true,
    },
  ])("$name", ({ checkpoint, since, start, scheduled, clamped }) => {
    const window = scanWindow({
      now: NOW,
      checkpoint: checkpoint === null ? null : hoursAgo(checkpoint),
      since: since === undefined ? undefined : hoursAgo(since),
    });
    expect(window).toEqual({
      start: hoursAgo(start),
      scheduledStart: hoursAgo(scheduled),
      clamped,
    });
  });
});

describe("isDelivered", () => {
  it.each([
    [{ status: "OK", status_code: 200 }, true],
    [{ status: "Accepted", status_code: 202 }, true],
    [{ status: "Invalid HTTP Response: 503", status_code: 503 }, false],
    [{ status: "Invalid HTTP Response: 302", status_code: 302 }, false],
    [{ status: "timed out", status_code: 0 }, false],
  ])("%o -> %s", (attempt, expected) => {
    expect(isDelivered(attempt)).toBe(expected);
  });
});

describe("groupByGuid", () => {
  it("joins a delivery with its redeliveries, keeps the newest attempt, and succeeds if any attempt did", () => {
    const groups = groupByGuid([
      entry({ id: 5, guid: "b", delivered_at: "2024-05-01T11:00:00Z", redelivery: true }),
      entry({
        id: 4,
        guid: "a",
        delivered_at: "2024-05-01T10:00:00Z",
        status: "timed out",
        status_code: 0,
      }),
      entry({
        id: 3,
        guid: "b",
        delivered_at: "2024-05-01T09:00:00Z",
        status: "Invalid HTTP Response: 500",
        status_code: 500,
      }),
      entry({
        id: 2,
        guid: "a",
        delivered_at: "2024-05-01T08:00:00Z",
        status: "Invalid HTTP Response: 502",
        status_code: 502,
      }),
    ]);
    expect(
      groups.map((g) => [
        g.guid,
        g.newestId,
        g.newestDeliveredAt.toISOString(),
        g.attempts,
        g.succeeded,
      ]),
    ).toEqual([
      ["b", 5, "2024-05-01T11:00:00.000Z", 2, true],
      ["a", 4, "2024-05-01T10:00:00.000Z", 2, false],
    ]);
  });

  it("does not rely on the order within a guid", () => {
    const [group] = groupByGuid([
      entry({
        id: 2,
        guid: "a",
        delivered_at: "2024-05-01T08:00:00Z",
        status_code: 0,
        status: "timed out",
      }),
      entry({
        id: 9,
        guid: "a",
        delivered_at: "2024-05-01T09:00:00Z",
        status_code: 0,
        status: "timed out",
      }),
    ]);
    expect(group).toMatchObject({ newestId: 9, succeeded: false });
  });
});

describe("nextCheckpoint", () => {
  const newestSeen = new Date("2024-05-01T11:00:00Z");

  it("is the newest delivery seen minus the margin", () => {
    expect(nextCheckpoint({ previous: null, newestSeen, holdBack: null })).toEqual(
      new Date("2024-05-01T10:55:00Z"),
    );
  });

  it("never moves back because of the margin", () => {
    const previous = new Date("2024-05-01T10:58:00Z");
    expect(nextCheckpoint({ previous, newestSeen, holdBack: null })).toEqual(previous);
  });

  it("stops at a delivery to ask for again", () => {
    const holdBack = new Date("2024-05-01T09:00:00Z");
    expect(
      nextCheckpoint({ previous: new Date("2024-05-01T10:00:00Z"), newestSeen, holdBack }),
    ).toEqual(holdBack);
  });

  it("is null when nothing was seen", () => {
    expect(nextCheckpoint({ previous: hoursAgo(1), newestSeen: null, holdBack: null })).toBeNull();
  });
});

describe("the requested set", () => {
  it("round-trips, dropping requests older than 3 days", () => {
    const requested = new Map([
      ["fresh", { askedAt: hoursAgo(1), times: 2 }],
      ["old", { askedAt: new Date(NOW.getTime() - 3 * DAY - 1), times: 1 }],
    ]);
    const text = serializeRequested({ requested, now: NOW });
    expect(text).toMatchInlineSnapshot(`"{"fresh":{"at":"2024-05-01T11:00:00.000Z","times":2}}"`);
    expect(parseRequested({ text, now: NOW })).toEqual(
      new Map([["fresh", { askedAt: hoursAgo(1), times: 2 }]]),
    );
  });

  it("reads an entry written as a bare time as asked once", () => {
    const text = JSON.stringify({ g: hoursAgo(2).toISOString() });
    expect(parseRequested({ text, now: NOW })).toEqual(
      new Map([["g", { askedAt: hoursAgo(2), times: 1 }]]),
    );
  });

  it.each([
    null,
    "",
    "not json",
    "[]",
    '"x"',
    '{"a":5}',
    '{"a":{"at":"never","times":1}}',
    '{"a":{"at":"2024-05-01T11:00:00.000Z","times":0}}',
  ])("reads %j as empty", (text) => {
    expect(parseRequested({ text, now: NOW }).size).toBe(0);
  });
});

describe("shouldAsk", () => {
  const history = (newestDeliveredAt: Date) =>
    ({
      guid: "g",
      event: "issues",
      action: "opened",
      newestId: 1,
      newestDeliveredAt,
      attempts: 2,
      succeeded: false,
    }) as const;

  it.each([
    ["never asked", hoursAgo(3), undefined, true],
    ["asked, and nothing happened since", hoursAgo(3), { askedAt: hoursAgo(2), times: 1 }, false],
    [
      "asked, and the redelivery failed since",
      hoursAgo(1),
      { askedAt: hoursAgo(2), times: 1 },
      true,
    ],
    ["asked twice, failed again since", hoursAgo(1), { askedAt: hoursAgo(2), times: 2 }, true],
    [
      "asked three times, failed again since",
      hoursAgo(1),
      { askedAt: hoursAgo(2), times: 3 },
      false,
    ],
  ] as const)("%s: %s", (_name, newest, previous, expected) => {
    expect(shouldAsk({ history: history(newest), previous })).toBe(expected);
  });
});

describe("parseSince", () => {
  it("counts back from now", () => {
    expect(parseSince("6h", NOW)).toEqual({ ok: true, since: hoursAgo(6), note: null });
    expect(parseSince("3d", NOW)).toEqual({ ok: true, since: hoursAgo(72), note: null });
  });

  it("cuts to 3 days with a note", () => {
    expect(parseSince("7d", NOW)).toMatchInlineSnapshot(`
      {
        "note": "--since 7d is more than GitHub keeps deliveries for; looking at the last 3d instead",
        "ok": true,
        "since": 2024-04-28T12:00:00.000Z,
      }
    `);
  });

  it.each(["yesterday", "0", "-1h"])("refuses %j with a way out", (text) => {
    const result = parseSince(text, NOW);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^--since: .*(6h|15m)/);
  });
});
