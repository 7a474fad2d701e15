/**
 * Held notifications and digests: rows with a `digestKey` and `dueAt` wait until due, and a
 * digest is claimed whole by one claimer (part of the store contract, see `store-contract.ts`).
 */
import { describe, expect, it } from "vitest";
import type { NewNotification, Store } from "../../src/store/types.js";
import { at, incoming, LEASE, type ContractContext } from "./store-fixtures.js";

const WINDOW_A = "digest 15m UTC 2024-01-15T09:00:00.000Z";
const WINDOW_B = "digest 15m UTC 2024-01-15T09:15:00.000Z";

export function digestsContract(ctx: ContractContext): void {
  const { ready } = ctx;
  describe("digests", () => {
    /** A delivery received at `t`, claimed and routed with `notifications`. */
    const routed = async (params: {
      store: Store;
      id: string;
      notifications: Omit<NewNotification, "message">[];
      t?: number;
    }) => {
      const { store, id, t = 0 } = params;
      await store.insertDelivery(incoming(id, { receivedAt: at(t) }));
      const claimed = await store.claimDeliveries({
        owner: "w",
        limit: 1000,
        leaseMs: LEASE,
        now: at(t + 1),
      });
      expect(claimed.map((d) => d.id)).toContain(id);
      const ok = await store.finishRouting({
        id,
        owner: "w",
        notifications: params.notifications.map((n) => ({
          ...n,
          message: JSON.stringify({ id, channel: n.channel }),
        })),
        reason: null,
        now: at(t + 2),
      });
      expect(ok).toBe(true);
    };
    const held = (store: Store, id: string, digestKey: string, dueAt: number, t = 0) =>
      routed({ store, id, notifications: [{ channel: "eng", digestKey, dueAt: at(dueAt) }], t });
    const claimDigest = (store: Store, now: number, owner = "s") =>
      store.claimDigest({ channel: "eng", owner, leaseMs: LEASE, now: at(now) });

    it("keeps a held row back until it is due, and wakes the worker at its due time", async () => {
      const store = await ready();
      await held(store, "h-1", WINDOW_A, 900_000);
      await routed({ store, id: "now-1", notifications: [{ channel: "eng" }], t: 5 });

      const [row] = await store.getNotifications("h-1");
      expect(row).toMatchObject({ status: "queued", digestKey: WINDOW_A, dueAt: at(900_000) });
      expect((await store.getNotifications("now-1"))[0]).toMatchObject({
        digestKey: null,
        dueAt: null,
      });
      expect(await store.nextDueAt()).toEqual(at(900_000));
      expect(await store.countWaiting({ channel: "eng", now: at(899_999), cap: 10 })).toBe(1);
      expect(await store.countWaiting({ channel: "eng", now: at(900_000), cap: 10 })).toBe(2);
      expect(await claimDigest(store, 899_999)).toEqual([]);
    });

    it("never hands a digest's rows to the one-by-one claim, even when due", async () => {
      const store = await ready();
      await held(store, "h-1", WINDOW_A, 1_000);
      await routed({ store, id: "now-1", notifications: [{ channel: "eng" }], t: 5 });
      const single = await store.claimNotifications({
        channel: "eng",
        owner: "s",
        limit: 10,
        leaseMs: LEASE,
        now: at(2_000),
      });
      expect(single.map((n) => n.deliveryId)).toEqual(["now-1"]);
      expect((await store.getNotifications("h-1"))[0]?.status).toBe("queued");
    });

    it("claims the soonest-due window whole, and the next window on the next call", async () => {
      const store = await ready();
      for (let i = 0; i < 30; i++)
        await held(store, `a-${String(i).padStart(2, "0")}`, WINDOW_A, 900_000, i);
      for (let i = 0; i < 5; i++) await held(store, `b-${i}`, WINDOW_B, 1_800_000, 100 + i);
      // Another channel's window is never part of eng's claim.
      await routed({
        store,
        id: "ops-1",
        notifications: [{ channel: "ops", digestKey: WINDOW_A, dueAt: at(900_000) }],
      });

      const first = await claimDigest(store, 2_000_000);
      expect(first).toHaveLength(30);
      expect(new Set(first.map((n) => n.digestKey))).toEqual(new Set([WINDOW_A]));
      expect(first.map((n) => n.deliveryId)).toEqual(first.map((n) => n.deliveryId).sort());
      expect(first[0]).toMatchObject({
        status: "sending",
        attempts: 1,
        channel: "eng",
        repository: "Codertocat/Hello-World",
      });

      const second = await claimDigest(store, 2_000_000);
      expect(second.map((n) => [n.deliveryId, n.digestKey])).toEqual(
        ["b-0", "b-1", "b-2", "b-3", "b-4"].map((id) => [id, WINDOW_B]),
      );
      expect(await claimDigest(store, 2_000_000)).toEqual([]);
      expect((await store.getNotifications("ops-1"))[0]?.status).toBe("queued");
    });

    it("retries a failed digest whole when due, and settles each delivery once sent", async () => {
      const store = await ready();
      for (const id of ["r-1", "r-2", "r-3"]) await held(store, id, WINDOW_A, 1_000);
      const claimed = await claimDigest(store, 1_000);
      expect(claimed).toHaveLength(3);
      for (const n of claimed) {
        await store.finishNotification({
          deliveryId: n.deliveryId,
          channel: "eng",
          owner: "s",
          status: "failed",
          error: "HTTP 500",
          nextAttemptAt: at(5_000),
          now: at(1_100),
        });
      }
      expect(await store.nextDueAt()).toEqual(at(5_000));
      expect(await claimDigest(store, 4_999)).toEqual([]);
      const retried = await claimDigest(store, 5_000);
      expect(retried.map((n) => [n.deliveryId, n.status, n.attempts, n.error])).toEqual([
        ["r-1", "sending", 2, "HTTP 500"],
        ["r-2", "sending", 2, "HTTP 500"],
        ["r-3", "sending", 2, "HTTP 500"],
      ]);
      for (const n of retried) {
        await store.finishNotification({
          deliveryId: n.deliveryId,
          channel: "eng",
          owner: "s",
          status: "sent",
          error: null,
          nextAttemptAt: null,
          now: at(5_100),
        });
      }
      for (const id of ["r-1", "r-2", "r-3"])
        expect((await store.getDelivery(id))?.status).toBe("delivered");
    });

    it("gives a released or abandoned digest back whole", async () => {
      const store = await ready();
      for (const id of ["x-1", "x-2"]) await held(store, id, WINDOW_A, 1_000);
      expect(await claimDigest(store, 1_000, "gone")).toHaveLength(2);
      // The claimer died: its lease runs out and the window is claimed again, whole.
      expect(await claimDigest(store, 1_000 + LEASE - 1)).toEqual([]);
      const takenOver = await claimDigest(store, 1_000 + LEASE, "next");
      expect(takenOver.map((n) => [n.deliveryId, n.attempts])).toEqual([
        ["x-1", 2],
        ["x-2", 2],
      ]);
      await store.releaseAll("next");
      const again = await claimDigest(store, 1_000 + LEASE);
      expect(again.map((n) => [n.deliveryId, n.status, n.attempts])).toEqual([
        ["x-1", "sending", 2],
        ["x-2", "sending", 2],
      ]);
    });

    it("keeps held rows across a restart", async () => {
      const first = await ready();
      await held(first, "d-1", WINDOW_A, 900_000);
      await first.close();
      const second = await ready();
      expect(await second.nextDueAt()).toEqual(at(900_000));
      expect((await claimDigest(second, 900_000)).map((n) => [n.deliveryId, n.digestKey])).toEqual([
        ["d-1", WINDOW_A],
      ]);
    });

    it("lets exactly one of several instances claim each window, never a part of one", async () => {
      const stores = [await ready(), await ready(), await ready(), await ready()];
      const windows = ["w-0", "w-1", "w-2"];
      let n = 0;
      for (const [w, key] of windows.entries()) {
        for (let i = 0; i < 60; i++) await held(stores[0] as Store, `c-${w}-${i}`, key, 1_000, n++);
      }
      const claims = await Promise.all(
        stores.map(async (store, s) => {
          const mine: string[][] = [];
          for (;;) {
            const claimed = await store.claimDigest({
              channel: "eng",
              owner: `i-${s}`,
              leaseMs: LEASE,
              now: at(2_000),
            });
            if (claimed.length === 0) break;
            mine.push(claimed.map((row) => row.digestKey ?? "none"));
          }
          return mine;
        }),
      );
      // A contended window may make one instance move on; whoever is left claims the rest.
      const leftover = await (stores[0] as Store).claimDigest({
        channel: "eng",
        owner: "late",
        leaseMs: LEASE,
        now: at(2_000),
      });
      const all = [
        ...claims.flat(),
        ...(leftover.length ? [leftover.map((r) => r.digestKey ?? "none")] : []),
      ];
      expect(all).toHaveLength(3);
      for (const claim of all) {
        expect(claim).toHaveLength(60);
        expect(new Set(claim).size).toBe(1);
      }
      expect(all.map((claim) => claim[0]).sort()).toEqual(windows);
    });
  });
}
