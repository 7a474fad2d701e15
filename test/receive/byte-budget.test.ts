/** The shared budget for bytes of unverified webhook bodies. */
import { describe, expect, it } from "vitest";
import { createByteBudget } from "../../src/receive/byte-budget.js";

describe("createByteBudget", () => {
  it("lets leases take bytes until the shared limit, and refuses what does not fit", () => {
    const budget = createByteBudget({ limitBytes: 100 });
    const a = budget.lease();
    const b = budget.lease();
    expect(a.take(60)).toBe(true);
    expect(b.take(41)).toBe(false);
    expect(budget.inUse()).toBe(60);
    expect(b.take(40)).toBe(true);
    expect(budget.inUse()).toBe(100);
    expect(a.take(1)).toBe(false);
  });

  it("gives back all a lease took on release, once", () => {
    const budget = createByteBudget({ limitBytes: 100 });
    const a = budget.lease();
    a.take(30);
    a.take(30);
    const b = budget.lease();
    b.take(10);
    a.release();
    a.release();
    expect(budget.inUse()).toBe(10);
    expect(a.take(1)).toBe(false);
    expect(budget.lease().take(90)).toBe(true);
  });

  it("bounds many concurrent 20 MB bodies to what 64 MiB holds", () => {
    const budget = createByteBudget({ limitBytes: 64 * 1024 * 1024 });
    const admitted = Array.from({ length: 20 }, () => budget.lease().take(20 * 1024 * 1024)).filter(
      Boolean,
    );
    expect(admitted).toHaveLength(3);
    expect(budget.inUse()).toBeLessThanOrEqual(64 * 1024 * 1024);
  });

  it("refuses a negative take and a limit that is not a positive whole number", () => {
    const budget = createByteBudget({ limitBytes: 10 });
    expect(budget.lease().take(-5)).toBe(false);
    expect(budget.inUse()).toBe(0);
    expect(() => createByteBudget({ limitBytes: 0 })).toThrow(
      /positive whole number of bytes, got 0/,
    );
    expect(() => createByteBudget({ limitBytes: Number.NaN })).toThrow(/got NaN/);
  });
});
