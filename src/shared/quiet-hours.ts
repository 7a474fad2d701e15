/**
 * Quiet hours: whether an instant falls in a daily `from`-`to` window of wall-clock time
 * (crossing midnight when `to` is earlier than `from`), and when that window ends. Pure.
 */
import {
  addDays,
  atTimeOfDay,
  parseClockTime,
  wallTimeAt,
  type CalendarDate,
} from "./zoned-time.js";

export interface QuietHours {
  /** `HH:MM` */
  from: string;
  /** `HH:MM`; earlier than `from` crosses midnight. */
  to: string;
  timezone: string;
}

export interface QuietWindow {
  /** The same for every instant of one night's window. */
  id: string;
  start: Date;
  end: Date;
  /** For messages: `22:00–08:00 Europe/Berlin`. */
  label: string;
}

/**
 * `22:00–08:00 Europe/Berlin`.
 *
 * @example describeQuietHours({ from: "22:00", to: "08:00", timezone: "UTC" }) // "22:00–08:00 UTC"
 */
function describeQuietHours(quiet: QuietHours): string {
  return `${quiet.from}–${quiet.to} ${quiet.timezone}`;
}

/**
 * The quiet window `now` falls in, or null when `now` is outside quiet hours (or the times
 * do not parse; config validation keeps those out).
 *
 * @example
 * quietWindowAt({ now: new Date("2024-01-15T23:00:00Z"), quietHours: { from: "22:00", to: "08:00", timezone: "UTC" } })
 * // { start: 2024-01-15T22:00Z, end: 2024-01-16T08:00Z, label: "22:00–08:00 UTC", id: "..." }
 */
export function quietWindowAt(params: { now: Date; quietHours: QuietHours }): QuietWindow | null {
  const { now, quietHours } = params;
  const from = parseClockTime(quietHours.from);
  const to = parseClockTime(quietHours.to);
  if (from === null || to === null) return null;
  const timeZone = quietHours.timezone;
  const instant = now.getTime();
  const wall = wallTimeAt({ instant, timeZone });
  const today: CalendarDate = { year: wall.year, month: wall.month, day: wall.day };
  const minutes = (t: { hour: number; minute: number }) => t.hour * 60 + t.minute;
  const current = wall.hour * 60 + wall.minute + wall.second / 60;
  const at = (date: CalendarDate, time: { hour: number; minute: number }) =>
    atTimeOfDay({ date, ...time, timeZone });

  let bounds: { start: number; end: number } | null = null;
  if (minutes(from) < minutes(to)) {
    if (current >= minutes(from) && current < minutes(to)) {
      bounds = { start: at(today, from), end: at(today, to) };
    }
  } else if (current >= minutes(from)) {
    bounds = { start: at(today, from), end: at(addDays(today, 1), to) };
  } else if (current < minutes(to)) {
    bounds = { start: at(addDays(today, -1), from), end: at(today, to) };
  }
  // A window ending at a time the clock shows twice ends at its first showing; an instant
  // in the repeated hour after that is no longer quiet.
  if (bounds === null || bounds.end <= instant) return null;
  const label = describeQuietHours(quietHours);
  const end = new Date(bounds.end);
  return { id: `${label} until ${end.toISOString()}`, start: new Date(bounds.start), end, label };
}
