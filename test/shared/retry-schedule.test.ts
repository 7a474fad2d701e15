import { describe, expect, it } from "vitest";
import {
  MAX_RETRIES,
  RETRY_HOURLY_MS,
  RETRY_SCHEDULE_DESCRIPTION,
  RETRY_SCHEDULE_MS,
  RETRY_WINDOW_MS,
  nextRetryDelay,
} from "../../src/shared/retry-schedule.js";

const exact = () => 0.5;
const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The un-jittered delays, attempt by attempt, until the schedule gives up. */
function wholeSchedule(random: () => number): number[] {
  const delays: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const delay = nextRetryDelay({ attempt, random });
    if (delay === null) return delays;
    delays.push(delay);
  }
}

describe("nextRetryDelay", () => {
  it.each([
    [1, 1 * SECOND],
    [2, 5 * SECOND],
    [3, 30 * SECOND],
    [4, 2 * MINUTE],
    [5, 10 * MINUTE],
    [6, 30 * MINUTE],
    [7, 1 * HOUR],
    [8, 1 * HOUR],
    [20, 1 * HOUR],
    [29, 1 * HOUR],
  ])("waits the documented delay before retry %i", (attempt, expected) => {
    expect(nextRetryDelay({ attempt, random: exact })).toBe(expected);
  });

  it("exports the base schedule it follows", () => {
    expect(RETRY_SCHEDULE_MS).toEqual([
      1 * SECOND,
      5 * SECOND,
      30 * SECOND,
      2 * MINUTE,
      10 * MINUTE,
      30 * MINUTE,
      HOUR,
    ]);
    expect(RETRY_HOURLY_MS).toBe(HOUR);
  });

  it("gives up once the next retry would fall beyond 24 h after the first failure", () => {
    const delays = wholeSchedule(exact);
    const total = delays.reduce((sum, delay) => sum + delay, 0);
    expect(delays).toHaveLength(MAX_RETRIES);
    expect(MAX_RETRIES).toBe(29);
    expect(total).toBeLessThanOrEqual(RETRY_WINDOW_MS);
    expect(total + HOUR).toBeGreaterThan(RETRY_WINDOW_MS);
    expect(nextRetryDelay({ attempt: MAX_RETRIES + 1, random: exact })).toBeNull();
    expect(nextRetryDelay({ attempt: 1000, random: exact })).toBeNull();
  });

  it.each([
    [1, 800, 1_200],
    [2, 4_000, 6_000],
    [7, 0.8 * HOUR, 1.2 * HOUR],
    [15, 0.8 * HOUR, 1.2 * HOUR],
  ])("jitters retry %i by ±20%%", (attempt, low, high) => {
    expect(nextRetryDelay({ attempt, random: () => 0 })).toBe(low);
    expect(nextRetryDelay({ attempt, random: () => 1 })).toBe(high);
  });

  it("stays within ±20% for any random value, and the jitter never changes when it gives up", () => {
    for (const value of [0, 0.1, 0.37, 0.5, 0.9, 0.999999]) {
      const delays = wholeSchedule(() => value);
      expect(delays).toHaveLength(MAX_RETRIES);
      delays.forEach((delay, index) => {
        const base = RETRY_SCHEDULE_MS[index] ?? RETRY_HOURLY_MS;
        expect(delay).toBeGreaterThanOrEqual(base * 0.8);
        expect(delay).toBeLessThanOrEqual(base * 1.2);
      });
    }
  });

  it("lets a longer Retry-After win, and only a longer one", () => {
    expect(nextRetryDelay({ attempt: 1, random: exact, retryAfterMs: 3_000 })).toBe(3_000);
    expect(nextRetryDelay({ attempt: 2, random: exact, retryAfterMs: 3_000 })).toBe(5_000);
    expect(nextRetryDelay({ attempt: 1, random: () => 1, retryAfterMs: 1_100 })).toBe(1_200);
    expect(nextRetryDelay({ attempt: 1, random: exact, retryAfterMs: null })).toBe(1_000);
  });

  it("still gives up when Slack asks to wait after the schedule is exhausted", () => {
    expect(
      nextRetryDelay({ attempt: MAX_RETRIES + 1, random: exact, retryAfterMs: 5_000 }),
    ).toBeNull();
  });

  it("rejects an attempt that is not a count of failures", () => {
    expect(() => nextRetryDelay({ attempt: 0, random: exact })).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: attempt must be a whole number from 1 (failed posts so far), got 0]`,
    );
    expect(() => nextRetryDelay({ attempt: 1.5, random: exact })).toThrow(RangeError);
  });

  it("describes the schedule it implements", () => {
    expect(RETRY_SCHEDULE_DESCRIPTION).toContain(
      "1s, 5s, 30s, 2m, 10m, 30m and 1h, then hourly until 24h",
    );
    expect(RETRY_SCHEDULE_DESCRIPTION).toContain(`${MAX_RETRIES} retries`);
  });
});
