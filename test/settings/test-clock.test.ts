/**
 * The test-only clock (`NOTIFIER_TEST_CLOCK_START`): honoured only with NODE_ENV=test, a bad value
 * stops start-up naming the variable, and the clock it makes starts there and runs at real speed.
 */
import { describe, expect, it } from "vitest";
import { clockFrom, readTestClock } from "../../src/settings/test-clock.js";
import { readSettings } from "../../src/settings/settings.js";
import { SettingsError } from "../../src/settings/settings-error.js";

const START = "2026-01-05T09:14:58Z";

describe("readTestClock", () => {
  it("is the real clock when the variable is unset or blank", () => {
    expect(readTestClock({ NODE_ENV: "test" })).toEqual({ kind: "real" });
    expect(readTestClock({ NODE_ENV: "test", NOTIFIER_TEST_CLOCK_START: "  " })).toEqual({
      kind: "real",
    });
  });

  it("starts the clock where it says with NODE_ENV=test", () => {
    expect(readTestClock({ NODE_ENV: "test", NOTIFIER_TEST_CLOCK_START: START })).toEqual({
      kind: "test",
      start: new Date(START),
    });
    expect(
      readTestClock({
        NODE_ENV: "test",
        NOTIFIER_TEST_CLOCK_START: "2026-01-05T10:14:58.250+01:00",
      }),
    ).toEqual({ kind: "test", start: new Date("2026-01-05T09:14:58.250Z") });
  });

  it.each([undefined, "production", "development"])(
    "is ignored, not validated, with NODE_ENV=%s",
    (nodeEnv) => {
      expect(readTestClock({ NODE_ENV: nodeEnv, NOTIFIER_TEST_CLOCK_START: "whenever" })).toEqual({
        kind: "ignored",
        value: "whenever",
        nodeEnv: nodeEnv ?? null,
      });
    },
  );

  it.each([
    "tomorrow",
    "2026-01-05",
    "2026-01-05T09:14:58",
    "2026-13-05T09:14:58Z",
    "1736068498000",
  ])("refuses %j, naming the variable and the form it wants", (value) => {
    const read = () => readTestClock({ NODE_ENV: "test", NOTIFIER_TEST_CLOCK_START: value });
    expect(read).toThrow(SettingsError);
    expect(read).toThrow(
      `NOTIFIER_TEST_CLOCK_START must be an ISO 8601 instant with a time zone, like 2026-01-05T09:14:58Z, not "${value}"`,
    );
    try {
      read();
    } catch (error) {
      expect((error as SettingsError).variable).toBe("NOTIFIER_TEST_CLOCK_START");
    }
  });

  it("is part of the settings read at start-up", () => {
    const base = { WEBHOOK_SECRET: "a-real-secret", NODE_ENV: "test" };
    expect(readSettings(base).testClock).toEqual({ kind: "real" });
    expect(readSettings({ ...base, NOTIFIER_TEST_CLOCK_START: START }).testClock).toEqual({
      kind: "test",
      start: new Date(START),
    });
    expect(() => readSettings({ ...base, NOTIFIER_TEST_CLOCK_START: "soon" })).toThrow(
      /^NOTIFIER_TEST_CLOCK_START must be/,
    );
  });
});

describe("clockFrom", () => {
  it("starts a test clock at its start and advances it with the real clock", () => {
    let real = Date.parse("2030-06-01T00:00:00Z");
    const now = clockFrom({ clock: { kind: "test", start: new Date(START) }, realNow: () => real });
    expect(now().toISOString()).toBe("2026-01-05T09:14:58.000Z");
    real += 2_500;
    expect(now().toISOString()).toBe("2026-01-05T09:15:00.500Z");
  });

  it.each([{ kind: "real" } as const, { kind: "ignored", value: START, nodeEnv: null } as const])(
    "is the real clock for $kind",
    (clock) => {
      const real = Date.parse("2030-06-01T00:00:00Z");
      expect(clockFrom({ clock, realNow: () => real })().toISOString()).toBe(
        "2030-06-01T00:00:00.000Z",
      );
    },
  );
});
