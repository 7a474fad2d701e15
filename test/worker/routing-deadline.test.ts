/** The missed-deadline rule: retried the first time, dead the second time in a row. */
import { describe, expect, it } from "vitest";
import {
  afterMissedDeadline,
  missedDeadline,
  routingDeadlineMessage,
} from "../../src/worker/routing-deadline.js";
import { DeadlineExceededError, withDeadline } from "../../src/shared/deadline.js";

describe("afterMissedDeadline", () => {
  it.each([
    [null, "retry", "routing exceeded the 60 s deadline"],
    [
      "GitHub answered 502 while reading .github/notifier.yml",
      "retry",
      "routing exceeded the 60 s deadline",
    ],
    [
      "put off: installation 1 has 4 deliveries routing for over 5 s",
      "retry",
      "routing exceeded the 60 s deadline",
    ],
    [
      "routing exceeded the 60 s deadline",
      "dead",
      "routing exceeded the 60 s deadline twice; giving up",
    ],
    // The operator changed the deadline between the two attempts: still the second miss.
    [
      "routing exceeded the 0.2 s deadline",
      "dead",
      "routing exceeded the 60 s deadline twice; giving up",
    ],
    // A replayed dead delivery starts a new pair.
    [
      "routing exceeded the 60 s deadline twice; giving up",
      "retry",
      "routing exceeded the 60 s deadline",
    ],
  ] as const)("after %j: %s", (previousError, kind, error) => {
    expect(afterMissedDeadline({ previousError, deadlineMs: 60_000 })).toEqual({ kind, error });
  });

  it("writes the deadline in seconds", () => {
    expect(routingDeadlineMessage(200)).toBe("routing exceeded the 0.2 s deadline");
    expect(routingDeadlineMessage(1_500)).toBe("routing exceeded the 1.5 s deadline");
    expect(missedDeadline("routing exceeded the 1.5 s deadline")).toBe(true);
    expect(missedDeadline("routing exceeded the deadline")).toBe(false);
  });
});

describe("withDeadline", () => {
  it("rejects with a DeadlineExceededError when the work outlives it, and passes the work's own error through", async () => {
    const missed = withDeadline(new Promise(() => {}), 20, "too slow");
    await expect(missed).rejects.toBeInstanceOf(DeadlineExceededError);
    await expect(missed).rejects.toMatchObject({ message: "too slow", ms: 20 });
    const failed = withDeadline(
      Promise.reject(new Error("GitHub answered 500")),
      1_000,
      "too slow",
    );
    await expect(failed).rejects.not.toBeInstanceOf(DeadlineExceededError);
    await expect(failed).rejects.toThrow("GitHub answered 500");
    await expect(withDeadline(Promise.resolve(7), 1_000, "too slow")).resolves.toBe(7);
  });
});
