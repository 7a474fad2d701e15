/** The start-up timer for delivery recovery, on fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startRedeliveryTimer } from "../../src/redelivery/redelivery.js";

const INTERVAL = 10 * 60_000;

function recordingLog() {
  const errors: { fields: object; message: string }[] = [];
  return { errors, error: (fields: object, message: string) => errors.push({ fields, message }) };
}

/** A run the test finishes by hand. */
function controllableRun() {
  const finishers: (() => void)[] = [];
  const run = vi.fn(
    () =>
      new Promise<void>((resolve) => {
        finishers.push(resolve);
      }),
  );
  return { run, finishLatest: () => finishers.at(-1)?.() };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("startRedeliveryTimer", () => {
  it("runs at start and then every interval", async () => {
    const run = vi.fn(async () => ({ scanned: 0 }));
    const timer = startRedeliveryTimer({ intervalMs: INTERVAL, run, log: recordingLog() });

    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(run).toHaveBeenCalledTimes(3);

    timer.stop();
    await vi.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(run).toHaveBeenCalledTimes(3);
  });

  it("never starts a run while the previous one is still going", async () => {
    const { run, finishLatest } = controllableRun();
    const timer = startRedeliveryTimer({ intervalMs: INTERVAL, run, log: recordingLog() });

    await vi.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(run).toHaveBeenCalledTimes(1);

    finishLatest();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(run).toHaveBeenCalledTimes(2);
    timer.stop();
  });

  it("logs a failed run and keeps going", async () => {
    const log = recordingLog();
    const run = vi
      .fn<() => Promise<unknown>>()
      .mockRejectedValueOnce(
        new Error("cannot read the App's webhook delivery log from GitHub (page 1: HTTP 500)"),
      )
      .mockResolvedValue({ scanned: 0 });
    const timer = startRedeliveryTimer({ intervalMs: INTERVAL, run, log });

    await vi.advanceTimersByTimeAsync(0);
    expect(log.errors.map((e) => e.message)).toEqual([
      "delivery recovery failed; trying again in 10m",
    ]);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(run).toHaveBeenCalledTimes(2);
    expect(log.errors).toHaveLength(1);
    timer.stop();
  });

  it("does not schedule again when stopped during a run", async () => {
    const { run, finishLatest } = controllableRun();
    const timer = startRedeliveryTimer({ intervalMs: INTERVAL, run, log: recordingLog() });

    timer.stop();
    finishLatest();
    await vi.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("does nothing with interval 0", async () => {
    const run = vi.fn(async () => undefined);
    const timer = startRedeliveryTimer({ intervalMs: 0, run, log: recordingLog() });

    await vi.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(run).not.toHaveBeenCalled();
    timer.stop();
  });
});
