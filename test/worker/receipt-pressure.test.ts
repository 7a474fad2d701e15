/**
 * Receipt pressure on a clock the test moves: the worker yields while deliveries arrive faster
 * than 500 a second (100 in a 200 ms window), and stops yielding once a quiet window passes.
 */
import { describe, expect, it } from "vitest";
import { createReceiptPressure } from "../../src/worker/receipt-pressure.js";

function harness() {
  let clock = 1_000_000;
  const slept: number[] = [];
  const pressure = createReceiptPressure({
    sleep: async (ms) => {
      slept.push(ms);
    },
    nowMs: () => clock,
  });
  return { pressure, slept, advance: (ms: number) => (clock += ms) };
}

describe("createReceiptPressure", () => {
  it("yields from the 100th receipt in a window, and not before", async () => {
    const h = harness();
    for (let i = 0; i < 99; i++) h.pressure.received();
    expect(h.pressure.underPressure()).toBe(false);
    await h.pressure.yieldToIngest();
    expect(h.slept).toEqual([]);
    h.pressure.received();
    expect(h.pressure.underPressure()).toBe(true);
    await h.pressure.yieldToIngest();
    expect(h.slept).toEqual([1_000]);
  });

  it("remembers the previous window, and forgets it after a quiet one", () => {
    const h = harness();
    for (let i = 0; i < 100; i++) h.pressure.received();
    h.advance(250);
    // The burst was in the window just before: still under pressure.
    expect(h.pressure.underPressure()).toBe(true);
    h.advance(200);
    expect(h.pressure.underPressure()).toBe(false);
  });
});
