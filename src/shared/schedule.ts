/**
 * The schedule grammar of reminders (issue 15): `weekdays at 09:30`, `daily at 09:30`,
 * `mon,wed,fri at 16:00`, read in an IANA time zone. Pure: callers pass the instant.
 */

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
