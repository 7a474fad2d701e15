/**
 * Digest windows: which window an instant falls in, for a route's `digest` (`15m`, or
 * `daily at 09:00`) in its `timezone`. Pure: the caller supplies `now`.
 *
 * Every window belongs to one local day. An interval digest cuts the day from local midnight
 * into windows of the interval (the last absorbs any remainder: `7m` gives 204 windows of 7
 * minutes and one of 12), measured in elapsed time, so a 23- or 25-hour day around a
 * daylight-saving change neither repeats nor loses a window. `daily at HH:MM` runs from one
 * day's HH:MM to the next day's.
 */
import { parseDuration } from "../shared/duration.js";
import {
  addDays,
  atTimeOfDay,
  parseClockTime,
  wallTimeAt,
  type CalendarDate,
} from "../shared/zoned-time.js";

export type DigestSchedule =
  { kind: "every"; ms: number } | { kind: "daily"; hour: number; minute: number };

export interface DigestWindow {
  /** Names the window: the same for every instant in it, different for any other window. */
  id: string;
  start: Date;
  /** When the window closes and its digest is due. */
  end: Date;
}

const DAILY_RE = /^daily at (\S+)$/;

/**
 * Reads a digest spec. Any positive duration is accepted here (tests use seconds); the
 * config schema is what holds repositories to 1m-1d.
 *
 * @example parseDigestSchedule("15m") // { kind: "every", ms: 900000 }
 * @example parseDigestSchedule("daily at 09:00") // { kind: "daily", hour: 9, minute: 0 }
 */
export function parseDigestSchedule(spec: string): DigestSchedule | null {
  const daily = DAILY_RE.exec(spec.trim());
  if (daily) {
    const time = parseClockTime(daily[1] ?? "");
    return time === null ? null : { kind: "daily", ...time };
  }
  const parsed = parseDuration(spec);
  return parsed.ok && parsed.ms > 0 ? { kind: "every", ms: parsed.ms } : null;
}

/**
 * The digest window `now` falls in, or null when `digest` is not a schedule.
 *
 * @example
 * digestWindowAt({ now: new Date("2024-01-15T09:07:00Z"), digest: "15m", timezone: "UTC" })
 * // { id: "15m UTC 2024-01-15T09:00:00.000Z", start: 09:00Z, end: 09:15Z }
 */
export function digestWindowAt(params: {
  now: Date;
  digest: string;
  timezone: string;
}): DigestWindow | null {
  const schedule = parseDigestSchedule(params.digest);
  if (schedule === null) return null;
  const instant = params.now.getTime();
  const bounds =
    schedule.kind === "daily"
      ? dailyBounds({ instant, schedule, timeZone: params.timezone })
      : intervalBounds({ instant, ms: schedule.ms, timeZone: params.timezone });
  const start = new Date(bounds.start);
  return {
    id: `${params.digest.trim()} ${params.timezone} ${start.toISOString()}`,
    start,
    end: new Date(bounds.end),
  };
}

function dateOf(instant: number, timeZone: string): CalendarDate {
  const { year, month, day } = wallTimeAt({ instant, timeZone });
  return { year, month, day };
}

function intervalBounds(params: { instant: number; ms: number; timeZone: string }): {
  start: number;
  end: number;
} {
  const { instant, ms, timeZone } = params;
  const today = dateOf(instant, timeZone);
  const midnight = (date: CalendarDate) => atTimeOfDay({ date, hour: 0, minute: 0, timeZone });
  const dayStart = midnight(today);
  const dayEnd = midnight(addDays(today, 1));
  const windows = Math.max(1, Math.floor((dayEnd - dayStart) / ms));
  const index = Math.min(windows - 1, Math.floor((instant - dayStart) / ms));
  const start = dayStart + index * ms;
  return { start, end: index === windows - 1 ? dayEnd : start + ms };
}

function dailyBounds(params: {
  instant: number;
  schedule: { hour: number; minute: number };
  timeZone: string;
}): { start: number; end: number } {
  const { instant, schedule, timeZone } = params;
  const today = dateOf(instant, timeZone);
  const at = (date: CalendarDate) => atTimeOfDay({ date, ...schedule, timeZone });
  const todays = at(today);
  return instant < todays
    ? { start: at(addDays(today, -1)), end: todays }
    : { start: todays, end: at(addDays(today, 1)) };
}
