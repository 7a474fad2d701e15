/**
 * Wall-clock time in an IANA time zone, both ways, with nothing but Intl: what a clock in
 * `Europe/Berlin` shows at an instant, and which instant a Berlin wall time names. Digest
 * windows and quiet hours are written in wall time; the store and the clock speak instants.
 */

/** A calendar date and time of day as a clock in some zone shows it (month 1-12). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A calendar date (month 1-12). */
export type CalendarDate = Pick<WallTime, "year" | "month" | "day">;

const DAY_MS = 86_400_000;

// Building a DateTimeFormat costs far more than formatting with one; zones are few.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * What a clock in `timeZone` shows at `instant` (epoch ms). Throws a RangeError for an
 * unknown zone (config validation keeps those out).
 *
 * @example
 * wallTimeAt({ instant: Date.UTC(2024, 0, 15, 8, 30), timeZone: "Europe/Berlin" })
 * // { year: 2024, month: 1, day: 15, hour: 9, minute: 30, second: 0 }
 */
export function wallTimeAt(params: { instant: number; timeZone: string }): WallTime {
  const wall: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(params.timeZone).formatToParts(params.instant)) {
    if (part.type in wall) wall[part.type as keyof WallTime] = Number(part.value);
  }
  return wall;
}

/** A wall time read as if it were UTC: comparable, and easy to step in whole days. */
function wallAsUtc(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** How far the zone's clock is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallAsUtc(wallTimeAt({ instant: whole, timeZone })) - whole;
}

/**
 * The instant a wall time names in `timeZone`. Around a daylight-saving change it follows
 * the usual convention (the one Temporal calls "compatible"): a time that occurs twice
 * means the earlier instant; a time the clock skips is moved forward by the gap
 * (02:30 on a spring-forward night in Berlin is 03:30).
 *
 * @example
 * instantOf({ wall: { year: 2024, month: 1, day: 15, hour: 9, minute: 0, second: 0 }, timeZone: "Europe/Berlin" })
 * // Date.UTC(2024, 0, 15, 8, 0)
 */
export function instantOf(params: { wall: WallTime; timeZone: string }): number {
  const { timeZone } = params;
  const asUtc = wallAsUtc(params.wall);
  // Offset changes are months apart: the offsets a day either side are the only candidates.
  const before = asUtc - offsetAt(asUtc - DAY_MS, timeZone);
  const after = asUtc - offsetAt(asUtc + DAY_MS, timeZone);
  const shows = (instant: number) => wallAsUtc(wallTimeAt({ instant, timeZone })) === asUtc;
  const valid = [before, after].filter(shows);
  if (valid.length > 0) return Math.min(...valid);
  // Skipped: read with the offset in force before the change, which lands after the gap.
  return before;
}

/**
 * The calendar date `days` after `date` (negative for before).
 *
 * @example addDays({ year: 2024, month: 2, day: 28 }, 2) // { year: 2024, month: 3, day: 1 }
 */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/**
 * The instant of `hour:minute` on `date` in `timeZone`.
 *
 * @example atTimeOfDay({ date: { year: 2024, month: 1, day: 15 }, hour: 9, minute: 0, timeZone: "UTC" })
 * // Date.UTC(2024, 0, 15, 9, 0)
 */
export function atTimeOfDay(params: {
  date: CalendarDate;
  hour: number;
  minute: number;
  timeZone: string;
}): number {
  const { date, hour, minute, timeZone } = params;
  return instantOf({ wall: { ...date, hour, minute, second: 0 }, timeZone });
}

/**
 * Reads `HH:MM` into hour and minute, or null.
 *
 * @example parseClockTime("07:30") // { hour: 7, minute: 30 }
 */
export function parseClockTime(text: string): { hour: number; minute: number } | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!match) return null;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}
