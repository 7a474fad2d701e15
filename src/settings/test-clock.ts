/**
 * The test clock: `NOTIFIER_TEST_CLOCK_START` (test-only) makes the app's clock start at a given
 * instant and advance in real time from there, so an end-to-end test can put the built app just
 * before a digest window closes instead of sleeping to a real minute boundary. Honoured only with
 * `NODE_ENV=test`; anywhere else it is ignored (and the app says so), so a stray variable can never
 * move a production clock.
 */
import { SettingsError } from "./settings-error.js";

/** The variable's name, for messages and docs. */
export const TEST_CLOCK_VARIABLE = "NOTIFIER_TEST_CLOCK_START";

/** What the environment asked of the clock. */
export type TestClock =
  /** No test clock: the real one. */
  | { kind: "real" }
  /** The clock starts at `start` when the app starts and advances in real time. */
  | { kind: "test"; start: Date }
  /** The variable is set but NODE_ENV is not `test`: the real clock runs, and the log says why. */
  | { kind: "ignored"; value: string; nodeEnv: string | null };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads the test clock from the environment; a bad value throws a SettingsError naming the variable.
 *
 * @example
 * readTestClock({ NODE_ENV: "test", NOTIFIER_TEST_CLOCK_START: "2026-01-05T09:14:58Z" })
 * // { kind: "test", start: 2026-01-05T09:14:58.000Z }
 */
export function readTestClock(env: Record<string, string | undefined>): TestClock {
  const value = env[TEST_CLOCK_VARIABLE]?.trim() ?? "";
  if (value === "") return { kind: "real" };
  if (env.NODE_ENV !== "test") return { kind: "ignored", value, nodeEnv: env.NODE_ENV ?? null };
  const start = new Date(value);
  if (!ISO_INSTANT.test(value) || Number.isNaN(start.getTime())) {
    throw new SettingsError(
      TEST_CLOCK_VARIABLE,
      `${TEST_CLOCK_VARIABLE} must be an ISO 8601 instant with a time zone, like 2026-01-05T09:14:58Z, not "${value}"`,
    );
  }
  return { kind: "test", start };
}

/**
 * The app's clock: the real one, or one that reads `start` at the moment it is made and advances
 * with the real clock from there.
 *
 * @example
 * const now = clockFrom({ clock: settings.testClock, realNow: () => Date.now() });
 */
export function clockFrom(params: { clock: TestClock; realNow: () => number }): () => Date {
  if (params.clock.kind !== "test") return () => new Date(params.realNow());
  const offset = params.clock.start.getTime() - params.realNow();
  return () => new Date(params.realNow() + offset);
}
