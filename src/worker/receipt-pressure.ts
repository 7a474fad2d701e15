/**
 * Receipt comes first: while deliveries arrive faster than `perSecond`, the worker (which
 * shares the process, and on SQLite its thread) pauses between batches and posts, so
 * acknowledgements are not slowed by routing and posting. The backlog drains when the burst ends.
 */

/** Deliveries per second above which the worker yields. */
const PRESSURE_PER_SECOND = 500;
const PRESSURE_WINDOW_MS = 200;
/**
 * The pause, about one post at Slack's own pace (SLACK_PACE, 1 s). Issue 12's bench on SQLite,
 * alternating runs: 100 ms let the worker route some 320 deliveries a second during the burst,
 * 3,442 req/s, peak RSS 165 MiB; 1 s, 3,886 req/s (+13%), 153 MiB.
 */
const PRESSURE_PAUSE_MS = 1_000;

export interface ReceiptPressure {
  /** A delivery was just received and stored in this process. */
  received(): void;
  /** Whether receipts over the current or the previous window reach the threshold. */
  underPressure(): boolean;
  /** Pauses briefly while under pressure, else returns at once. */
  yieldToIngest(): Promise<void>;
}

/**
 * @example
 * const pressure = createReceiptPressure({ sleep: sleeper.sleep });
 * pressure.received(); await pressure.yieldToIngest();
 */
export function createReceiptPressure(params: {
  sleep: (ms: number) => Promise<void>;
  /** Milliseconds on the real clock (not the test clock: receipts arrive in real time). */
  nowMs?: () => number;
}): ReceiptPressure {
  const nowMs = params.nowMs ?? Date.now;
  // Receipts counted over the current and the previous window.
  let windowStart = 0;
  let windowCount = 0;
  let previousWindowCount = 0;
  const underPressure = () => {
    const at = nowMs();
    if (at - windowStart >= PRESSURE_WINDOW_MS) {
      previousWindowCount = at - windowStart < 2 * PRESSURE_WINDOW_MS ? windowCount : 0;
      windowCount = 0;
      windowStart = at;
    }
    const threshold = (PRESSURE_PER_SECOND * PRESSURE_WINDOW_MS) / 1000;
    return Math.max(windowCount, previousWindowCount) >= threshold;
  };
  return {
    received() {
      underPressure();
      windowCount += 1;
    },
    underPressure,
    async yieldToIngest() {
      if (underPressure()) await params.sleep(PRESSURE_PAUSE_MS);
    },
  };
}
