/**
 * The reminder schedule grammar and its firings, on a fake clock: every instant is given, and
 * expected firings are written in UTC from the zones' known offsets, so a daylight-saving change
 * handled wrong shows as an hour off.
 */
import { describe, expect, it } from "vitest";
import {
  lastOccurrence,
  nextOccurrence,
  occurrencesBetween,
  parseSchedule,
  scheduleProblem,
  type Schedule,
} from "../../src/shared/schedule.js";

function schedule(text: string): Schedule {
  const parsed = parseSchedule(text);
  if (!parsed.ok) throw new Error(`expected ${text} to parse: ${parsed.problem}`);
  return parsed.schedule;
}

const at = (iso: string) => new Date(iso);
const isos = (dates: Date[]) => dates.map((date) => date.toISOString());

function next(text: string, timeZone: string, after: string): string {
  return nextOccurrence({ schedule: schedule(text), timeZone, after: at(after) }).toISOString();
}

function between(text: string, timeZone: string, after: string, until: string): string[] {
  return isos(
    occurrencesBetween({ schedule: schedule(text), timeZone, after: at(after), until: at(until) }),
  );
}

describe("parseSchedule", () => {
  it.each([
    ["weekdays at 09:30", [1, 2, 3, 4, 5], 9, 30],
    ["daily at 00:00", [0, 1, 2, 3, 4, 5, 6], 0, 0],
    ["weekends at 10:00", [0, 6], 10, 0],
    ["mon,wed,fri at 16:00", [1, 3, 5], 16, 0],
    ["Monday, WEDNESDAY,  friday at 16:00", [1, 3, 5], 16, 0],
    ["sun,sat,sun at 23:59", [0, 6], 23, 59],
    ["thurs, tues at 12:05", [2, 4], 12, 5],
    ["fri at 17:00", [5], 17, 0],
    ["saturday at 08:00", [6], 8, 0],
    ["Weekdays   AT 09:30", [1, 2, 3, 4, 5], 9, 30],
  ])("reads %j", (text, days, hour, minute) => {
    expect(parseSchedule(text)).toEqual({ ok: true, schedule: { days, hour, minute, text } });
  });

  it("keeps the text as written, without the surrounding white space", () => {
    expect(schedule("  daily at 07:00 ").text).toBe("daily at 07:00");
  });

  it.each([
    [
      "",
      'must be days and a time of day, like "weekdays at 09:30", "daily at 09:30" or "mon,wed,fri at 16:00"',
    ],
    [
      "every morning",
      'must be days and a time of day, like "weekdays at 09:30", "daily at 09:30" or "mon,wed,fri at 16:00" (got "every morning")',
    ],
    ["weekdays", 'gives no time of day: add one, like "weekdays at 09:30"'],
    ["weekdays at", 'gives no time of day after "at": add one, like "weekdays at 09:30"'],
    ["09:30", 'gives a time but no days: write them first, like "daily at 09:30"'],
    [
      "at 09:30",
      'gives no days before "at": write them, like "daily at 09:30" or "weekdays at 09:30"',
    ],
    ["weekdays 09:30", 'must put "at" before the time: did you mean "weekdays at 09:30"?'],
    ["weekdays 9:30", 'must put "at" before the time: did you mean "weekdays at 09:30"?'],
    [
      "weekdays at 9:30",
      'must end in a time of day as HH:MM on a 24-hour clock, like "daily at 09:30" (got "9:30"); did you mean "weekdays at 09:30"?',
    ],
    [
      "daily at 25:00",
      'must end in a time of day as HH:MM on a 24-hour clock, like "daily at 09:30" (got "25:00")',
    ],
    [
      "daily at 9am",
      'must end in a time of day as HH:MM on a 24-hour clock, like "daily at 09:30" (got "9am")',
    ],
    [
      "wen at 16:00",
      'names "wen", which is not a day; did you mean "wed"? (days are mon to sun (or monday to sunday), weekdays, weekends or daily, in a list like mon,wed,fri)',
    ],
    [
      "weekday at 09:00",
      'names "weekday", which is not a day; did you mean "weekdays"? (days are mon to sun (or monday to sunday), weekdays, weekends or daily, in a list like mon,wed,fri)',
    ],
    [
      "everyday at 09:00",
      'names "everyday", which is not a day; did you mean "daily"? (days are mon to sun (or monday to sunday), weekdays, weekends or daily, in a list like mon,wed,fri)',
    ],
    [
      "holidays at 09:00",
      'names "holidays", which is not a day (days are mon to sun (or monday to sunday), weekdays, weekends or daily, in a list like mon,wed,fri)',
    ],
    ["mon wed fri at 16:00", 'must separate days with commas: did you mean "mon,wed,fri"?'],
    [
      "mon,,fri at 16:00",
      'has an empty entry in its list of days (got "mon,,fri"): separate days with single commas, like "mon,wed,fri at 16:00"',
    ],
    ["daily at 09:30".padEnd(201, " "), "is too long for a schedule: at most 200 characters"],
  ])("refuses %j, saying what to write", (text, problem) => {
    expect(parseSchedule(text)).toEqual({ ok: false, problem });
    expect(scheduleProblem(text)).toBe(problem);
  });

  it("has no problem with a good schedule", () => {
    expect(scheduleProblem("mon,wed,fri at 16:00")).toBeNull();
  });
});

describe("nextOccurrence", () => {
  it("skips the weekend for weekdays", () => {
    // 2024-01-12 is a Friday; Berlin is UTC+1 in winter.
    expect(next("weekdays at 09:30", "Europe/Berlin", "2024-01-12T08:29:59.999Z")).toBe(
      "2024-01-12T08:30:00.000Z",
    );
    expect(next("weekdays at 09:30", "Europe/Berlin", "2024-01-12T09:00:00Z")).toBe(
      "2024-01-15T08:30:00.000Z",
    );
    expect(next("weekdays at 09:30", "Europe/Berlin", "2024-01-13T12:00:00Z")).toBe(
      "2024-01-15T08:30:00.000Z",
    );
  });

  it("is strictly after: a firing at `after` itself is not the next", () => {
    expect(next("daily at 09:00", "UTC", "2024-01-15T09:00:00Z")).toBe("2024-01-16T09:00:00.000Z");
  });

  it("fires on the listed days only", () => {
    expect(
      between("mon,wed,fri at 16:00", "UTC", "2024-01-15T00:00:00Z", "2024-01-28T23:59:00Z"),
    ).toEqual([
      "2024-01-15T16:00:00.000Z",
      "2024-01-17T16:00:00.000Z",
      "2024-01-19T16:00:00.000Z",
      "2024-01-22T16:00:00.000Z",
      "2024-01-24T16:00:00.000Z",
      "2024-01-26T16:00:00.000Z",
    ]);
    expect(
      between("weekends at 10:00", "UTC", "2024-01-15T00:00:00Z", "2024-01-22T00:00:00Z"),
    ).toEqual(["2024-01-20T10:00:00.000Z", "2024-01-21T10:00:00.000Z"]);
  });

  it.each([
    // Kolkata: +05:30 all year.
    ["Asia/Kolkata", "2024-01-15T00:00:00Z", "2024-01-15T03:30:00.000Z"],
    // New York: -05:00 in January, -04:00 in July.
    ["America/New_York", "2024-01-15T00:00:00Z", "2024-01-15T14:00:00.000Z"],
    ["America/New_York", "2024-07-15T00:00:00Z", "2024-07-15T13:00:00.000Z"],
    // Chatham: +13:45 in its summer (January), +12:45 in July; 09:00 there is the UTC day before.
    ["Pacific/Chatham", "2024-01-15T00:00:00Z", "2024-01-15T19:15:00.000Z"],
    ["Pacific/Chatham", "2024-07-15T00:00:00Z", "2024-07-15T20:15:00.000Z"],
  ])("reads the wall time in %s", (timeZone, after, expected) => {
    expect(next("daily at 09:00", timeZone, after)).toBe(expected);
  });

  it("takes the day in the schedule's zone, not in UTC", () => {
    // Monday 09:00 in Chatham (+13:45) is Sunday 19:15 UTC; 2024-01-14 is a Sunday.
    expect(next("mon at 09:00", "Pacific/Chatham", "2024-01-14T00:00:00Z")).toBe(
      "2024-01-14T19:15:00.000Z",
    );
    // Friday 23:00 in New York is Saturday 04:00 UTC.
    expect(next("fri at 23:00", "America/New_York", "2024-01-15T00:00:00Z")).toBe(
      "2024-01-20T04:00:00.000Z",
    );
  });
});

describe("daylight-saving changes", () => {
  it("Berlin, spring forward: 02:30 does not exist on 31 March and fires at 03:30", () => {
    expect(
      between("daily at 02:30", "Europe/Berlin", "2024-03-29T12:00:00Z", "2024-04-01T12:00:00Z"),
    ).toEqual([
      "2024-03-30T01:30:00.000Z", // 02:30 CET
      "2024-03-31T01:30:00.000Z", // 03:30 CEST: the clock skipped 02:00-03:00
      "2024-04-01T00:30:00.000Z", // 02:30 CEST
    ]);
    expect(
      between("weekdays at 09:30", "Europe/Berlin", "2024-03-29T00:00:00Z", "2024-04-02T00:00:00Z"),
    ).toEqual(["2024-03-29T08:30:00.000Z", "2024-04-01T07:30:00.000Z"]);
  });

  it("Berlin, fall back: 02:30 shows twice on 27 October and fires once, the earlier", () => {
    expect(
      between("daily at 02:30", "Europe/Berlin", "2024-10-25T12:00:00Z", "2024-10-28T12:00:00Z"),
    ).toEqual([
      "2024-10-26T00:30:00.000Z", // 02:30 CEST
      "2024-10-27T00:30:00.000Z", // the first 02:30 (CEST); not again at 01:30Z (CET)
      "2024-10-28T01:30:00.000Z", // 02:30 CET
    ]);
    expect(next("daily at 02:30", "Europe/Berlin", "2024-10-27T00:30:00Z")).toBe(
      "2024-10-28T01:30:00.000Z",
    );
  });

  it("New York, spring forward: 02:30 does not exist on 10 March and fires at 03:30", () => {
    expect(
      between("daily at 02:30", "America/New_York", "2024-03-09T00:00:00Z", "2024-03-12T00:00:00Z"),
    ).toEqual([
      "2024-03-09T07:30:00.000Z", // 02:30 EST
      "2024-03-10T07:30:00.000Z", // 03:30 EDT
      "2024-03-11T06:30:00.000Z", // 02:30 EDT
    ]);
    expect(
      between("daily at 09:00", "America/New_York", "2024-03-09T00:00:00Z", "2024-03-11T00:00:00Z"),
    ).toEqual(["2024-03-09T14:00:00.000Z", "2024-03-10T13:00:00.000Z"]);
  });

  it("New York, fall back: 01:30 shows twice on 3 November and fires once, the earlier", () => {
    expect(
      between("daily at 01:30", "America/New_York", "2024-11-02T00:00:00Z", "2024-11-05T00:00:00Z"),
    ).toEqual([
      "2024-11-02T05:30:00.000Z", // 01:30 EDT
      "2024-11-03T05:30:00.000Z", // the first 01:30 (EDT); not again at 06:30Z (EST)
      "2024-11-04T06:30:00.000Z", // 01:30 EST
    ]);
  });

  it("Chatham, spring forward at 02:45: 03:00 on 29 September fires at 04:00", () => {
    // +12:45 until 02:45 on 2024-09-29, then +13:45.
    expect(
      between("daily at 03:00", "Pacific/Chatham", "2024-09-27T00:00:00Z", "2024-09-30T00:00:00Z"),
    ).toEqual([
      "2024-09-27T14:15:00.000Z", // 03:00 on the 28th, +12:45
      "2024-09-28T14:15:00.000Z", // 04:00 on the 29th, +13:45: the clock skipped 02:45-03:45
      "2024-09-29T13:15:00.000Z", // 03:00 on the 30th, +13:45
    ]);
  });
});

describe("occurrencesBetween", () => {
  it("lists a week of daily firings, with `after` left out and `until` kept", () => {
    // 09:30 in Kolkata is 04:00 UTC.
    expect(
      between("daily at 09:30", "Asia/Kolkata", "2024-01-15T04:00:00Z", "2024-01-22T04:00:00Z"),
    ).toEqual([
      "2024-01-16T04:00:00.000Z",
      "2024-01-17T04:00:00.000Z",
      "2024-01-18T04:00:00.000Z",
      "2024-01-19T04:00:00.000Z",
      "2024-01-20T04:00:00.000Z",
      "2024-01-21T04:00:00.000Z",
      "2024-01-22T04:00:00.000Z",
    ]);
  });

  it("stops at the limit, and lists nothing for an empty or reversed range", () => {
    const daily = schedule("daily at 09:00");
    const limited = occurrencesBetween({
      schedule: daily,
      timeZone: "UTC",
      after: at("2024-01-01T00:00:00Z"),
      until: at("2025-01-01T00:00:00Z"),
      limit: 3,
    });
    expect(isos(limited)).toEqual([
      "2024-01-01T09:00:00.000Z",
      "2024-01-02T09:00:00.000Z",
      "2024-01-03T09:00:00.000Z",
    ]);
    expect(
      between("daily at 09:00", "UTC", "2024-01-01T09:00:00Z", "2024-01-02T08:59:00Z"),
    ).toEqual([]);
    expect(
      between("daily at 09:00", "UTC", "2024-01-05T00:00:00Z", "2024-01-01T00:00:00Z"),
    ).toEqual([]);
  });

  it("is bounded by default", () => {
    const many = occurrencesBetween({
      schedule: schedule("daily at 09:00"),
      timeZone: "UTC",
      after: at("2000-01-01T00:00:00Z"),
      until: at("2100-01-01T00:00:00Z"),
    });
    expect(many).toHaveLength(1_000);
  });
});

describe("lastOccurrence", () => {
  it("finds the latest firing at or before the instant, across a weekend", () => {
    const weekdays = schedule("weekdays at 09:30");
    const last = (iso: string) =>
      lastOccurrence({
        schedule: weekdays,
        timeZone: "Europe/Berlin",
        atOrBefore: at(iso),
      }).toISOString();
    expect(last("2024-01-15T08:00:00Z")).toBe("2024-01-12T08:30:00.000Z");
    expect(last("2024-01-15T08:30:00Z")).toBe("2024-01-15T08:30:00.000Z");
    expect(last("2024-01-15T08:29:59.999Z")).toBe("2024-01-12T08:30:00.000Z");
  });

  it("counts a time shown twice once, at the earlier instant", () => {
    expect(
      lastOccurrence({
        schedule: schedule("daily at 02:30"),
        timeZone: "Europe/Berlin",
        atOrBefore: at("2024-10-27T01:30:00Z"),
      }).toISOString(),
    ).toBe("2024-10-27T00:30:00.000Z");
  });

  it("agrees with nextOccurrence at every hour of a month with a daylight-saving change", () => {
    for (const [text, timeZone] of [
      ["daily at 02:30", "Europe/Berlin"],
      ["mon,thu at 01:30", "America/New_York"],
      ["weekdays at 02:50", "Pacific/Chatham"],
    ] as const) {
      const parsed = schedule(text);
      const start = Date.UTC(2024, 2, 1);
      for (let hour = 0; hour < 24 * 40; hour++) {
        const now = new Date(start + hour * 3_600_000 + 17 * 60_000);
        const previous = lastOccurrence({ schedule: parsed, timeZone, atOrBefore: now });
        const upcoming = nextOccurrence({ schedule: parsed, timeZone, after: now });
        expect(previous.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(upcoming.getTime()).toBeGreaterThan(now.getTime());
        // Nothing fires between the two: the next after the last is the next after now.
        expect(nextOccurrence({ schedule: parsed, timeZone, after: previous })).toEqual(upcoming);
      }
    }
  });
});
