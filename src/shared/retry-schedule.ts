/**
 * When to post again after a retryable Slack failure (network error, timeout, 5xx, 429).
 * Fast at first, so a blip costs seconds, then hourly, so an outage of a day still delivers.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delays before retries 1 to 7; every later retry waits {@link RETRY_HOURLY_MS}. */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  1 * SECOND,
  5 * SECOND,
  30 * SECOND,
  2 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  1 * HOUR,
];

/** The delay between retries once {@link RETRY_SCHEDULE_MS} is used up. */
export const RETRY_HOURLY_MS = HOUR;

/** No retry is scheduled later than this after the first failure (by the un-jittered schedule). */
export const RETRY_WINDOW_MS = 24 * HOUR;

/** Each delay is scaled by a random factor in [1 - RETRY_JITTER, 1 + RETRY_JITTER]. */
const RETRY_JITTER = 0.2;

/**
 * How many retries the schedule allows before giving up: the seven listed delays, then hourly
 * retries while the total stays within {@link RETRY_WINDOW_MS}.
 */
export const MAX_RETRIES: number = countRetries();

/** The schedule in words, for the README and `--help`. */
export const RETRY_SCHEDULE_DESCRIPTION =
  "Retryable failures (network errors, timeouts, Slack 5xx and 429) are retried after " +
  "1s, 5s, 30s, 2m, 10m, 30m and 1h, then hourly until 24h have passed since the first failure " +
  `(${MAX_RETRIES} retries in all); then the message is marked dead. Each delay varies by ±20% ` +
  "so that many messages failing together do not retry together, and a longer Retry-After " +
  "from Slack always wins.";

/**
 * The delay before the next post, or `null` when the schedule is exhausted and the message
 * should be marked dead.
 *
 * @param params.attempt how many posts of this message have failed so far (1 after the first failure)
 * @param params.random a source of numbers in [0, 1), e.g. `Math.random`; 0.5 gives the exact schedule
 * @param params.retryAfterMs Slack's Retry-After, if it sent one; used when longer than the schedule's delay
 *
 * @example
 * nextRetryDelay({ attempt: 1, random: () => 0.5 }) // 1000
 * nextRetryDelay({ attempt: 2, random: () => 0.5, retryAfterMs: 30_000 }) // 30000
 * nextRetryDelay({ attempt: MAX_RETRIES + 1, random: Math.random }) // null
 */
export function nextRetryDelay(params: {
  attempt: number;
  random: () => number;
  retryAfterMs?: number | null;
}): number | null {
  const { attempt, random, retryAfterMs } = params;
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(
      `attempt must be a whole number from 1 (failed posts so far), got ${attempt}`,
    );
  }
  if (attempt > MAX_RETRIES) return null;
  const factor = 1 - RETRY_JITTER + 2 * RETRY_JITTER * random();
  const delay = Math.round(baseDelay(attempt) * factor);
  return retryAfterMs != null && retryAfterMs > delay ? retryAfterMs : delay;
}

/** The un-jittered delay before retry number `attempt` (1-based). */
function baseDelay(attempt: number): number {
  return RETRY_SCHEDULE_MS[attempt - 1] ?? RETRY_HOURLY_MS;
}

function countRetries(): number {
  let elapsed = 0;
  let retries = 0;
  while (elapsed + baseDelay(retries + 1) <= RETRY_WINDOW_MS) {
    elapsed += baseDelay(retries + 1);
    retries += 1;
  }
  return retries;
}
