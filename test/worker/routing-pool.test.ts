/**
 * The routing pool's bounds, with routings the test settles by hand and a clock it moves: at
 * most `perKeyBound` per installation and `globalBound` in all are in flight, a held delivery
 * starts when its installation frees a slot, a stalled installation gives back what it holds
 * beyond one round, and a delivery claimed twice is never routed twice.
 */
import { describe, expect, it } from "vitest";
import { createRoutingPool } from "../../src/worker/routing-pool.js";

interface Item {
  id: string;
  key: string;
}

function harness(params: { globalBound: number; perKeyBound: number; holdCap: number }) {
  let clock = 0;
  const running = new Map<string, () => void>();
  const started: string[] = [];
  let settled = 0;
  const pool = createRoutingPool<Item>({
    ...params,
    keyOf: (item) => item.key,
    idOf: (item) => item.id,
    run: (item) =>
      new Promise<void>((resolve) => {
        started.push(item.id);
        running.set(item.id, () => {
          running.delete(item.id);
          resolve();
        });
      }),
    onSettled: () => {
      settled += 1;
    },
    now: () => clock,
  });
  return {
    pool,
    started,
    settledCount: () => settled,
    advance: (ms: number) => {
      clock += ms;
    },
    /** Ends one routing and lets the pool react. */
    async finish(id: string) {
      const end = running.get(id);
      if (!end) throw new Error(`${id} is not running`);
      end();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const items = (key: string, count: number): Item[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${key}-${i}`, key }));

describe("createRoutingPool", () => {
  it("routes at most perKeyBound of one installation, and the others' at once", () => {
    const h = harness({ globalBound: 8, perKeyBound: 2, holdCap: 32 });
    expect(items("a", 5).map((item) => h.pool.admit(item))).toEqual([
      "started",
      "started",
      "held",
      "held",
      "held",
    ]);
    expect(items("b", 2).map((item) => h.pool.admit(item))).toEqual(["started", "started"]);
    expect(h.started).toEqual(["a-0", "a-1", "b-0", "b-1"]);
    expect([h.pool.inFlight(), h.pool.held(), h.pool.inFlightOf("a")]).toEqual([4, 3, 2]);
    // Free slots: 8 - 4 in flight, within the hold cap.
    expect(h.pool.claimLimit()).toBe(4);
  });

  it("starts a held delivery when its installation frees a slot, and tells the worker", async () => {
    const h = harness({ globalBound: 8, perKeyBound: 1, holdCap: 32 });
    for (const item of items("a", 3)) h.pool.admit(item);
    await h.finish("a-0");
    expect(h.started).toEqual(["a-0", "a-1"]);
    expect(h.settledCount()).toBe(1);
    await h.finish("a-1");
    await h.finish("a-2");
    expect([h.pool.inFlight(), h.pool.held()]).toEqual([0, 0]);
    await expect(h.pool.idle()).resolves.toBeUndefined();
  });

  it("never exceeds the global bound, and starts the others' held deliveries as slots free", async () => {
    const h = harness({ globalBound: 2, perKeyBound: 2, holdCap: 32 });
    h.pool.admit({ id: "a-0", key: "a" });
    h.pool.admit({ id: "a-1", key: "a" });
    expect(h.pool.admit({ id: "b-0", key: "b" })).toBe("held");
    expect(h.pool.claimLimit()).toBe(0);
    await h.finish("a-0");
    expect(h.started).toEqual(["a-0", "a-1", "b-0"]);
  });

  it("gives back what a stalled installation holds beyond one round, and nothing only for waiting long", async () => {
    const h = harness({ globalBound: 8, perKeyBound: 2, holdCap: 32 });
    for (const item of items("a", 6)) h.pool.admit(item);
    h.advance(999);
    expect(h.pool.takeOverdue({ stallMs: 1_000 })).toEqual([]);
    h.advance(1);
    const overdue = h.pool.takeOverdue({ stallMs: 1_000 });
    expect(overdue.map((o) => [o.item.id, o.key])).toEqual([
      ["a-4", "a"],
      ["a-5", "a"],
    ]);
    expect([h.pool.held(), h.pool.claimLimit()]).toEqual([2, 6]);
    // Held claims are renewed by the worker's heartbeat: waiting an hour behind a routing that
    // is not stalled (it just started) hands nothing back.
    await h.finish("a-0");
    await h.finish("a-1");
    expect(h.started).toEqual(["a-0", "a-1", "a-2", "a-3"]);
    const b = harness({ globalBound: 8, perKeyBound: 1, holdCap: 32 });
    for (const item of items("b", 3)) b.pool.admit(item);
    b.advance(3_600_000);
    expect(b.pool.takeOverdue({ stallMs: 7_200_000 })).toEqual([]);
    expect(b.pool.held()).toBe(2);
    expect(b.pool.ids().sort()).toEqual(["b-0", "b-1", "b-2"]);
  });

  it("does not route a delivery claimed again while it routes, and keeps the newer claim of a held one", () => {
    const h = harness({ globalBound: 8, perKeyBound: 1, holdCap: 32 });
    h.pool.admit({ id: "a-0", key: "a" });
    h.pool.admit({ id: "a-1", key: "a" });
    expect(h.pool.admit({ id: "a-0", key: "a" })).toBe("duplicate");
    expect(h.pool.admit({ id: "a-1", key: "a" })).toBe("replaced");
    expect([h.started, h.pool.held()]).toEqual([["a-0"], 1]);
  });

  it("claims no more than it may hold, and nothing once closed", async () => {
    const h = harness({ globalBound: 4, perKeyBound: 1, holdCap: 3 });
    for (const item of items("a", 4)) h.pool.admit(item);
    expect([h.pool.inFlight(), h.pool.held(), h.pool.claimLimit()]).toEqual([1, 3, 0]);
    h.pool.close();
    await h.finish("a-0");
    // Closed: held deliveries are not started (the worker gives them back).
    expect([h.started, h.pool.held(), h.pool.claimLimit()]).toEqual([["a-0"], 3, 0]);
  });
});
