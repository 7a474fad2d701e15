/**
 * The schedule grammar of reminders (issue 15): `weekdays at 09:30`, `daily at 09:30`,
 * `mon,wed,fri at 16:00`, read in an IANA time zone. Repository config and the operator's people
 * file both write schedules, so the grammar lives here, below both. Pure: callers pass the instant.
 */
import { closest } from "./edit-distance.js";
import {
  addDays,
  atTimeOfDay,
  parseClockTime,
  wallTimeAt,
  type CalendarDate,
} from "./zoned-time.js";

/** Days of the week as `Date.getUTCDay()` numbers them: 0 is Sunday. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** A parsed schedule: `weekdays at 09:30`, `daily at 09:30`, `mon,wed,fri at 16:00`. */
export interface Schedule {
  /** The days it fires on, ascending, without repeats; never empty. */
  days: readonly Weekday[];
  /** Wall-clock hour, 0–23. */
  hour: number;
  /** Wall-clock minute, 0–59. */
  minute: number;
  /** The text as written, for messages. */
  text: string;
}

/** What {@link parseSchedule} makes of a text: a schedule, or what to change. */
export type ScheduleParse = { ok: true; schedule: Schedule } | { ok: false; problem: string };

const WEEKDAYS: readonly Weekday[] = [1, 2, 3, 4, 5];
const ALL_DAYS: readonly Weekday[] = [0, 1, 2, 3, 4, 5, 6];

/** Every word a day list may hold, lower case, and the days it stands for. */
const DAY_WORDS: ReadonlyMap<string, readonly Weekday[]> = new Map<string, readonly Weekday[]>([
  ["daily", ALL_DAYS],
  ["weekdays", WEEKDAYS],
  ["weekends", [0, 6]],
  ["mon", [1]],
  ["tue", [2]],
  ["wed", [3]],
  ["thu", [4]],
  ["fri", [5]],
  ["sat", [6]],
  ["sun", [0]],
  ["monday", [1]],
  ["tuesday", [2]],
  ["wednesday", [3]],
  ["thursday", [4]],
  ["friday", [5]],
  ["saturday", [6]],
  ["sunday", [0]],
  // Common short forms nobody should be told off for.
  ["tues", [2]],
  ["thur", [4]],
  ["thurs", [4]],
]);

/** Words people write for a day set, and what to write instead. */
const SUGGESTED: ReadonlyMap<string, string> = new Map([
  ["everyday", "daily"],
  ["every day", "daily"],
  ["weekday", "weekdays"],
  ["weekend", "weekends"],
  ["workdays", "weekdays"],
]);

// A schedule is one short line; nothing longer is worth reading (or edit-distancing).
const MAX_SCHEDULE_CHARS = 200;
const EXAMPLES = `"weekdays at 09:30", "daily at 09:30" or "mon,wed,fri at 16:00"`;
const DAYS_HELP =
  "days are mon to sun (or monday to sunday), weekdays, weekends or daily, in a list like mon,wed,fri";
// Finding a firing looks at most this many calendar days ahead: a week, plus a day a zone
// skipped (Samoa skipped 2011-12-30), plus the day before the start.
const SEARCH_DAYS = 10;
const DEFAULT_LIMIT = 1_000;

/**
 * Reads a schedule: days (`daily`, `weekdays`, `weekends`, or a comma list of day names,
 * `mon`…`sun` or `monday`…`sunday`, case ignored), `at`, and a time `HH:MM` on a 24-hour clock.
 * A problem reads after the name of the key it is about and says what to write instead.
 *
 * @example
 * parseSchedule("mon, Wed,fri at 16:00")
 * // { ok: true, schedule: { days: [1, 3, 5], hour: 16, minute: 0, text: "mon, Wed,fri at 16:00" } }
 * parseSchedule("wen at 16:00")
 * // { ok: false, problem: 'names "wen", which is not a day; did you mean "wed"? (days are mon to sun …)' }
 */
export function parseSchedule(text: string): ScheduleParse {
  if (text.length > MAX_SCHEDULE_CHARS) {
    return fail(`is too long for a schedule: at most ${MAX_SCHEDULE_CHARS} characters`);
  }
  const written = text.trim();
  const normal = written.replace(/\s+/g, " ");
  if (normal === "") return fail(`must be days and a time of day, like ${EXAMPLES}`);
  const split = /^(?<days>.*?) ?\bat\b ?(?<time>.*)$/i.exec(normal);
  if (!split?.groups) return withoutAt(normal);
  const daysText = split.groups.days ?? "";
  const timeText = split.groups.time ?? "";
  if (daysText === "") {
    return fail(
      `gives no days before "at": write them, like "daily at ${timeText || "09:30"}" or "weekdays at ${timeText || "09:30"}"`,
    );
  }
  const days = parseDays(daysText);
  if (!days.ok) return days;
  if (timeText === "") {
    return fail(`gives no time of day after "at": add one, like "${daysText} at 09:30"`);
  }
  const time = parseClockTime(timeText);
  if (time === null) {
    const padded = paddedTime(timeText);
    const hint = padded === null ? "" : `; did you mean "${daysText} at ${padded}"?`;
    return fail(
      `must end in a time of day as HH:MM on a 24-hour clock, like "daily at 09:30" (got ${quoted(timeText)})${hint}`,
    );
  }
  return { ok: true, schedule: { days: days.days, ...time, text: written } };
}

/**
 * The problem with a schedule, or null when it reads.
 *
 * @example scheduleProblem("weekdays at 09:30") // null
 * @example scheduleProblem("weekdays at 9:30") // 'must end in a time of day as HH:MM … did you mean "weekdays at 09:30"?'
 */
export function scheduleProblem(text: string): string | null {
  const parsed = parseSchedule(text);
  return parsed.ok ? null : parsed.problem;
}

/**
 * The first firing strictly after `after`. A wall time the clock skips on a spring-forward night
 * fires when the clock has moved on by the gap (02:30 is 03:30 in Berlin); a time the clock shows
 * twice on a fall-back night fires once, at the earlier instant. Throws a RangeError for an
 * unknown zone (validation keeps those out).
 *
 * @example
 * nextOccurrence({ schedule: parsed("weekdays at 09:30"), timeZone: "Europe/Berlin", after: new Date("2024-01-12T09:00:00Z") })
 * // 2024-01-15T08:30:00Z: Friday's 09:30 in Berlin has passed, the next is Monday's
 */
export function nextOccurrence(params: {
  schedule: Schedule;
  timeZone: string;
  after: Date;
}): Date {
  const { schedule, timeZone } = params;
  const after = params.after.getTime();
  const start = wallDateAt(after, timeZone);
  for (let offset = -1; offset < SEARCH_DAYS; offset++) {
    const instant = firingOn({ date: addDays(start, offset), schedule, timeZone });
    if (instant !== null && instant > after) return new Date(instant);
  }
  // Unreachable for a schedule with days: every week has each day.
  throw new RangeError(`schedule ${quoted(schedule.text)} names no day`);
}

/**
 * The firings in (`after`, `until`], ascending, at most `limit` (default 1000) of them.
 *
 * @example
 * occurrencesBetween({ schedule: parsed("daily at 09:00"), timeZone: "UTC", after: new Date("2024-01-01T00:00:00Z"), until: new Date("2024-01-03T09:00:00Z") })
 * // [2024-01-01T09:00Z, 2024-01-02T09:00Z, 2024-01-03T09:00Z]
 */
export function occurrencesBetween(params: {
  schedule: Schedule;
  timeZone: string;
  after: Date;
  until: Date;
  limit?: number;
}): Date[] {
  const { schedule, timeZone, until } = params;
  const limit = params.limit ?? DEFAULT_LIMIT;
  const found: Date[] = [];
  let cursor = params.after;
  while (found.length < limit) {
    const next = nextOccurrence({ schedule, timeZone, after: cursor });
    if (next.getTime() > until.getTime()) break;
    found.push(next);
    cursor = next;
  }
  return found;
}

/**
 * The latest firing at or before `atOrBefore`: the time a reminder was last due.
 *
 * @example
 * lastOccurrence({ schedule: parsed("daily at 09:00"), timeZone: "UTC", atOrBefore: new Date("2024-01-02T08:00:00Z") })
 * // 2024-01-01T09:00:00Z
 */
export function lastOccurrence(params: {
  schedule: Schedule;
  timeZone: string;
  atOrBefore: Date;
}): Date {
  const { schedule, timeZone } = params;
  const atOrBefore = params.atOrBefore.getTime();
  const start = wallDateAt(atOrBefore, timeZone);
  for (let offset = 1; offset > -SEARCH_DAYS; offset--) {
    const instant = firingOn({ date: addDays(start, offset), schedule, timeZone });
    if (instant !== null && instant <= atOrBefore) return new Date(instant);
  }
  throw new RangeError(`schedule ${quoted(schedule.text)} names no day`);
}

/** The instant the schedule fires on a calendar date in the zone, or null when not that day. */
function firingOn(params: {
  date: CalendarDate;
  schedule: Schedule;
  timeZone: string;
}): number | null {
  const { date, schedule, timeZone } = params;
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() as Weekday;
  if (!schedule.days.includes(weekday)) return null;
  return atTimeOfDay({ date, hour: schedule.hour, minute: schedule.minute, timeZone });
}

function wallDateAt(instant: number, timeZone: string): CalendarDate {
  const { year, month, day } = wallTimeAt({ instant, timeZone });
  return { year, month, day };
}

/** Reads a day list (`weekdays`, `mon,wed,fri`) into ascending days. */
function parseDays(text: string): { ok: true; days: Weekday[] } | { ok: false; problem: string } {
  const days = new Set<Weekday>();
  for (const item of text.split(",").map((part) => part.trim())) {
    if (item === "") {
      return fail(
        `has an empty entry in its list of days (got ${quoted(text)}): separate days with single commas, like "mon,wed,fri at 16:00"`,
      );
    }
    const word = item.toLowerCase();
    const known = DAY_WORDS.get(word);
    if (known !== undefined) {
      for (const day of known) days.add(day);
      continue;
    }
    const words = word.split(" ");
    if (words.length > 1 && words.every((part) => DAY_WORDS.has(part))) {
      return fail(
        `must separate days with commas: did you mean "${text.replace(/ ?, ?| /g, ",")}"?`,
      );
    }
    const guess = SUGGESTED.get(word) ?? closestWord(word);
    const hint = guess === null ? "" : `; did you mean "${guess}"?`;
    return fail(`names ${quoted(item)}, which is not a day${hint} (${DAYS_HELP})`);
  }
  return { ok: true, days: [...days].sort((a, b) => a - b) };
}

/** A text with no "at": a time without days, days without a time, or neither. */
function withoutAt(text: string): ScheduleParse {
  const lastSpace = text.lastIndexOf(" ");
  const head = lastSpace < 0 ? "" : text.slice(0, lastSpace);
  const tail = text.slice(lastSpace + 1);
  const time = parseClockTime(tail) === null ? paddedTime(tail) : tail;
  if (time !== null) {
    if (head === "") {
      return fail(`gives a time but no days: write them first, like "daily at ${time}"`);
    }
    if (parseDays(head).ok) {
      return fail(`must put "at" before the time: did you mean "${head} at ${time}"?`);
    }
  }
  if (parseDays(text).ok) {
    return fail(`gives no time of day: add one, like "${text} at 09:30"`);
  }
  return fail(`must be days and a time of day, like ${EXAMPLES} (got ${quoted(text)})`);
}

/** `9:30` as `09:30`, the one slip worth a suggestion; null for anything else. */
function paddedTime(text: string): string | null {
  const padded = /^\d:[0-5]\d$/.test(text) ? `0${text}` : null;
  return padded !== null && parseClockTime(padded) !== null ? padded : null;
}

/** The day word `word` is plausibly a typo of, or null (one edit allowed in a short word). */
function closestWord(word: string): string | null {
  return closest(word, DAY_WORDS.keys(), 1);
}

function fail(problem: string): { ok: false; problem: string } {
  return { ok: false, problem };
}

/** A value from the text, quoted and cut short for a message. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
