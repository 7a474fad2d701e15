/**
 * Digest windows and the wall-clock conversions under them: table cases around the
 * daylight-saving changes of real zones, and properties over random instants and zones.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { digestWindowAt, parseDigestSchedule } from "../../src/worker/digest-window.js";
import { instantOf, wallTimeAt } from "../../src/shared/zoned-time.js";

const iso = (text: string) => new Date(text);
const windowAt = (now: string, digest: string, timezone: string) => {
  const window = digestWindowAt({ now: iso(now), digest, timezone });
  return (
    window && { start: window.start.toISOString(), end: window.end.toISOString(), id: window.id }
  );
};

describe("parseDigestSchedule", () => {
  it.each([
    ["15m", { kind: "every", ms: 900_000 }],
    ["2s", { kind: "every", ms: 2_000 }],
    ["1d", { kind: "every", ms: 86_400_000 }],
    ["daily at 09:00", { kind: "daily", hour: 9, minute: 0 }],
    [" daily at 23:59 ", { kind: "daily", hour: 23, minute: 59 }],
    ["0", null],
    ["daily at 9:00", null],
    ["daily at 24:00", null],
    ["weekly", null],
  ])("%j -> %j", (spec, expected) => {
    expect(parseDigestSchedule(spec)).toEqual(expected);
  });
});

describe("digestWindowAt", () => {
  it("cuts the day into windows from local midnight", () => {
    expect(windowAt("2024-01-15T09:07:00Z", "15m", "UTC")).toEqual({
      start: "2024-01-15T09:00:00.000Z",
      end: "2024-01-15T09:15:00.000Z",
      id: "15m UTC 2024-01-15T09:00:00.000Z",
    });
    // A window's start is in it, its end is not.
    expect(windowAt("2024-01-15T09:15:00Z", "15m", "UTC")?.start).toBe("2024-01-15T09:15:00.000Z");
    expect(windowAt("2024-01-15T09:14:59.999Z", "15m", "UTC")?.end).toBe(
      "2024-01-15T09:15:00.000Z",
    );
    // India is UTC+5:30: its quarter hours are UTC quarter hours, its hours are UTC half hours.
    expect(windowAt("2024-01-15T09:07:00Z", "1h", "Asia/Kolkata")).toMatchObject({
      start: "2024-01-15T08:30:00.000Z",
      end: "2024-01-15T09:30:00.000Z",
    });
  });

  it("lets the last window of a day absorb what an uneven interval leaves", () => {
    // 1440 = 205 * 7 + 5: 204 windows of 7 minutes, then one of 12 up to midnight.
    expect(windowAt("2024-01-15T23:50:00Z", "7m", "UTC")).toMatchObject({
      start: "2024-01-15T23:48:00.000Z",
      end: "2024-01-16T00:00:00.000Z",
    });
    expect(windowAt("2024-01-15T23:47:00Z", "7m", "UTC")).toMatchObject({
      start: "2024-01-15T23:41:00.000Z",
      end: "2024-01-15T23:48:00.000Z",
    });
  });

  it("makes `1d` the local day, 23 or 25 hours long on a daylight-saving day", () => {
    expect(windowAt("2024-03-31T12:00:00Z", "1d", "Europe/Berlin")).toMatchObject({
      start: "2024-03-30T23:00:00.000Z",
      end: "2024-03-31T22:00:00.000Z",
    });
    expect(windowAt("2024-10-27T12:00:00Z", "1d", "Europe/Berlin")).toMatchObject({
      start: "2024-10-26T22:00:00.000Z",
      end: "2024-10-27T23:00:00.000Z",
    });
  });

  it("neither repeats nor skips an hour when Berlin's clocks change", () => {
    /** `count` windows in a row, each asked for at the end of the one before. */
    const chain = (from: string, count: number) => {
      const windows = [];
      let now = iso(from);
      for (let i = 0; i < count; i++) {
        const window = digestWindowAt({ now, digest: "1h", timezone: "Europe/Berlin" });
        if (window === null) throw new Error("1h is a schedule");
        windows.push(window);
        now = window.end;
      }
      return windows;
    };
    // 31 March 2024 (02:00 CET became 03:00 CEST) and 27 October 2024 (03:00 CEST became
    // 02:00 CET): 23 and 25 windows of one real hour each, back to back, each its own id.
    for (const [day, hours] of [
      ["2024-03-30T23:00:00Z", 23],
      ["2024-10-26T22:00:00Z", 25],
    ] as const) {
      const windows = chain(day, hours + 1);
      for (const [i, window] of windows.entries()) {
        expect(window.end.getTime() - window.start.getTime()).toBe(3_600_000);
        if (i > 0) expect(window.start).toEqual(windows[i - 1]?.end);
      }
      expect(new Set(windows.map((w) => w.id)).size).toBe(hours + 1);
      // The next local day starts at the window after the day's last.
      expect(windows[hours]?.start.getTime()).toBe(iso(day).getTime() + hours * 3_600_000);
      expect(
        wallTimeAt({ instant: windows[hours]?.start.getTime() ?? 0, timeZone: "Europe/Berlin" }),
      ).toMatchObject({ hour: 0, minute: 0 });
    }
    const first = windowAt("2024-10-27T00:30:00Z", "1h", "Europe/Berlin");
    const repeated = windowAt("2024-10-27T01:30:00Z", "1h", "Europe/Berlin");
    expect([first?.start, repeated?.start]).toEqual([
      "2024-10-27T00:00:00.000Z",
      "2024-10-27T01:00:00.000Z",
    ]);
  });

  it("runs `daily at HH:MM` from one day's time to the next day's, in the zone", () => {
    expect(windowAt("2024-01-15T13:00:00Z", "daily at 09:00", "America/New_York")).toMatchObject({
      start: "2024-01-14T14:00:00.000Z",
      end: "2024-01-15T14:00:00.000Z",
    });
    expect(windowAt("2024-01-15T14:00:00Z", "daily at 09:00", "America/New_York")).toMatchObject({
      start: "2024-01-15T14:00:00.000Z",
      end: "2024-01-16T14:00:00.000Z",
    });
    // 10 March 2024 in New York: 02:30 does not exist; it is read as 03:30 EDT, one gap later.
    expect(windowAt("2024-03-10T20:00:00Z", "daily at 02:30", "America/New_York")).toMatchObject({
      start: "2024-03-10T07:30:00.000Z",
      end: "2024-03-11T06:30:00.000Z",
    });
    // Across the change the window is 23 hours long, and 09:00 stays 09:00 on the wall.
    expect(windowAt("2024-03-10T12:00:00Z", "daily at 09:00", "America/New_York")).toMatchObject({
      start: "2024-03-09T14:00:00.000Z",
      end: "2024-03-10T13:00:00.000Z",
    });
  });

  it("starts the day when the clock does in a zone that skips midnight", () => {
    // Santiago, 8 September 2024: 00:00 became 01:00, so the day starts at 01:00 local (04:00Z).
    expect(windowAt("2024-09-08T04:10:00Z", "1h", "America/Santiago")).toMatchObject({
      start: "2024-09-08T04:00:00.000Z",
      end: "2024-09-08T05:00:00.000Z",
    });
    expect(windowAt("2024-09-08T04:10:00Z", "1d", "America/Santiago")).toMatchObject({
      start: "2024-09-08T04:00:00.000Z",
      end: "2024-09-09T03:00:00.000Z",
    });
  });

  it("answers null for a spec that is not a schedule", () => {
    expect(
      digestWindowAt({ now: iso("2024-01-15T09:00:00Z"), digest: "soon", timezone: "UTC" }),
    ).toBeNull();
  });
});

const ZONES = [
  "UTC",
  "Europe/Berlin",
  "Europe/London",
  "America/New_York",
  "America/Santiago",
  "America/St_Johns",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Africa/Casablanca",
];
const SPECS = [
  "1m",
  "7m",
  "15m",
  "45m",
  "1h",
  "2h",
  "5h",
  "1d",
  "daily at 00:00",
  "daily at 02:30",
  "daily at 09:00",
  "daily at 23:59",
];
// 2020 to 2030, so every zone's changes of those years are crossed.
const instants = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) });

describe("digest window properties", () => {
  it("holds the instant, is one window for every instant in it, and the next one starts at its end", () => {
    fc.assert(
      fc.property(
        instants,
        fc.constantFrom(...ZONES),
        fc.constantFrom(...SPECS),
        (t, timezone, digest) => {
          const window = digestWindowAt({ now: new Date(t), digest, timezone });
          if (window === null) return false;
          const [start, end] = [window.start.getTime(), window.end.getTime()];
          expect(start).toBeLessThanOrEqual(t);
          expect(end).toBeGreaterThan(t);
          // The id is what collects rows: every instant of the window must give the same one.
          expect(digestWindowAt({ now: window.start, digest, timezone })?.id).toBe(window.id);
          expect(digestWindowAt({ now: new Date(end - 1), digest, timezone })?.id).toBe(window.id);
          expect(digestWindowAt({ now: window.end, digest, timezone })?.start.getTime()).toBe(end);
          return true;
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("round-trips every wall time a clock shows", () => {
    fc.assert(
      fc.property(instants, fc.constantFrom(...ZONES), (t, timeZone) => {
        const whole = Math.floor(t / 60_000) * 60_000;
        const wall = wallTimeAt({ instant: whole, timeZone });
        const back = instantOf({ wall, timeZone });
        // The same wall time, and the earliest instant showing it (a repeated hour has two).
        expect(wallTimeAt({ instant: back, timeZone })).toEqual(wall);
        expect(back).toBeLessThanOrEqual(whole);
      }),
      { numRuns: 3000 },
    );
  });
});
