/**
 * Listings, counts, shared state, pacing and wake-ups (part of the store contract, see `store-contract.ts`).
 */
import { describe, expect, it } from "vitest";
import { DELIVERY_STATUSES, type Store } from "../../src/store/types.js";
import {
  at,
  eventually,
  incoming,
  incomingPush,
  LEASE,
  sleep,
  T0,
  type ContractContext,
} from "./store-fixtures.js";

export function queriesContract(ctx: ContractContext): void {
  const { ready } = ctx;
  describe("queries", () => {
    it("counts every status, zeros included", async () => {
      const store = await ready();
      expect(await store.countDeliveriesByStatus()).toEqual(
        Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])),
      );
      await store.insertDelivery(incoming("q-1"));
      await store.insertDelivery(incoming("q-2"));
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(10) });
      expect(await store.countDeliveriesByStatus()).toEqual({
        pending: 1,
        processing: 1,
        delivered: 0,
        skipped: 0,
        failed: 0,
        dead: 0,
      });
    });

    it("lists deliveries newest first, filtered by status and repository, up to the limit", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("l-1", { receivedAt: at(1) }));
      await store.insertDelivery(incomingPush("l-2", { receivedAt: at(2) }));
      await store.insertDelivery(incoming("l-3", { receivedAt: at(3) }));
      await store.insertDelivery(incoming("l-4", { receivedAt: at(4), repository: "acme/api" }));
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(10) });
      const ids = async (filter: Parameters<Store["listDeliveries"]>[0]) =>
        (await store.listDeliveries(filter)).map((d) => d.id);
      expect(await ids({})).toEqual(["l-4", "l-3", "l-2", "l-1"]);
      expect(await ids({ limit: 2 })).toEqual(["l-4", "l-3"]);
      expect(await ids({ status: "pending" })).toEqual(["l-4", "l-3", "l-2"]);
      expect(await ids({ status: "processing" })).toEqual(["l-1"]);
      expect(await ids({ repository: "acme/api" })).toEqual(["l-4"]);
      expect(
        await ids({ repository: "Codertocat/Hello-World", status: "pending", limit: 1 }),
      ).toEqual(["l-3"]);
    });

    it("tells which ids it knows, for any number of ids", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("k-1"));
      await store.insertDelivery(incoming("k-1200"));
      const asked = Array.from({ length: 1500 }, (_, i) => `k-${i}`);
      expect(await store.knownDeliveryIds(asked)).toEqual(new Set(["k-1", "k-1200"]));
      expect(await store.knownDeliveryIds([])).toEqual(new Set());
    });

    it("keeps a delivery's history in order", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("h-1"));
      await store.recordAttempt({
        deliveryId: "h-1",
        channel: "eng",
        at: at(30),
        outcome: "sent",
        detail: "200",
      });
      await store.recordAttempt({
        deliveryId: "h-1",
        channel: null,
        at: at(10),
        outcome: "routed",
        detail: "eng",
      });
      await store.recordAttempt({
        deliveryId: "h-1",
        channel: "eng",
        at: at(30),
        outcome: "replay",
        detail: null,
      });
      expect(await store.getAttempts("h-1")).toEqual([
        { deliveryId: "h-1", channel: null, at: at(10), outcome: "routed", detail: "eng" },
        { deliveryId: "h-1", channel: "eng", at: at(30), outcome: "sent", detail: "200" },
        { deliveryId: "h-1", channel: "eng", at: at(30), outcome: "replay", detail: null },
      ]);
    });

    it("finds the earliest retry among deliveries and notifications", async () => {
      const store = await ready();
      expect(await store.nextDueAt()).toBeNull();
      await store.insertDelivery(incoming("due-1"));
      await store.insertDelivery(incoming("due-2", { receivedAt: at(1) }));
      await store.claimDeliveries({ owner: "w", limit: 2, leaseMs: LEASE, now: at(10) });
      await store.failDelivery({
        id: "due-1",
        owner: "w",
        error: "x",
        nextAttemptAt: at(7000),
        now: at(20),
      });
      await store.finishRouting({
        id: "due-2",
        owner: "w",
        notifications: [{ channel: "eng", message: "{}" }],
        reason: null,
        now: at(20),
      });
      await store.claimNotifications({
        channel: "eng",
        owner: "s",
        limit: 1,
        leaseMs: LEASE,
        now: at(30),
      });
      await store.finishNotification({
        deliveryId: "due-2",
        channel: "eng",
        owner: "s",
        status: "failed",
        error: "429",
        nextAttemptAt: at(3000),
        now: at(40),
      });
      expect(await store.nextDueAt()).toEqual(at(3000));
    });
  });

  describe("shared state", () => {
    it("caches config files, including a file GitHub said does not exist", async () => {
      const store = await ready();
      expect(await store.getCachedConfig("repo:acme/api")).toBeNull();
      await store.putCachedConfig({
        key: "repo:acme/api",
        etag: '"abc"',
        body: "routes: []\n",
        fetchedAt: at(1),
      });
      await store.putCachedConfig({
        key: "owner:acme",
        etag: null,
        body: null,
        fetchedAt: at(2),
      });
      await store.putCachedConfig({
        key: "repo:acme/api",
        etag: '"def"',
        body: "routes: [x]\n",
        fetchedAt: at(3),
      });
      expect(await store.getCachedConfig("repo:acme/api")).toEqual({
        key: "repo:acme/api",
        etag: '"def"',
        body: "routes: [x]\n",
        fetchedAt: at(3),
      });
      expect(await store.getCachedConfig("owner:acme")).toEqual({
        key: "owner:acme",
        etag: null,
        body: null,
        fetchedAt: at(2),
      });
      await store.deleteCachedConfig("repo:acme/api");
      expect(await store.getCachedConfig("repo:acme/api")).toBeNull();
    });

    it("keeps named state values", async () => {
      const store = await ready();
      expect(await store.getState("redeliver:checkpoint")).toBeNull();
      await store.setState("redeliver:checkpoint", "1");
      await store.setState("redeliver:checkpoint", "2");
      expect(await store.getState("redeliver:checkpoint")).toBe("2");
    });

    it("gives one post to a webhook its turn at a time, and the next one the wait its finish names", async () => {
      const store = await ready();
      const start = (target: string, now: Date) =>
        store.tryStartPost({ target, now, holdMs: 10_000 });
      expect(await start("hook-a", at(0))).toEqual({ ok: true, hold: at(10_000) });
      // Held while the post is in flight, per target.
      expect(await start("hook-a", at(10))).toEqual({ ok: false, retryAt: at(10_000) });
      expect(await start("hook-b", at(10))).toEqual({ ok: true, hold: at(10_010) });
      // Answered at 300 ms with a pace of 1 s: the next post starts from the answer.
      await store.finishPost({ target: "hook-a", hold: at(10_000), now: at(300), waitMs: 1000 });
      expect(await start("hook-a", at(1200))).toEqual({ ok: false, retryAt: at(1300) });
      expect(await start("hook-a", at(1300))).toEqual({ ok: true, hold: at(11_300) });
      // A 429 answered at 1.5 s with Retry-After: 5 s.
      await store.finishPost({ target: "hook-a", hold: at(11_300), now: at(1500), waitMs: 5000 });
      expect(await start("hook-a", at(3000))).toEqual({ ok: false, retryAt: at(6500) });
      // A stale finish (its turn long over) only ever pushes the next turn later.
      await store.finishPost({ target: "hook-a", hold: at(10_000), now: at(1000), waitMs: 1000 });
      expect(await start("hook-a", at(3000))).toEqual({ ok: false, retryAt: at(6500) });
      // A holder that died: its turn ends with its hold.
      expect(await start("hook-b", at(10_010))).toEqual({ ok: true, hold: at(20_010) });
    });

    it("lets one of two instances hold a webhook's turn at a time", async () => {
      const [a, b] = [await ready(), await ready()];
      const starts: number[] = [];
      // Each instance asks every 10 ms of simulated time; each post is answered 50 ms after it
      // starts and the pace is 200 ms, so a turn comes every 250 ms.
      let finishAt: { hold: Date; at: number } | null = null;
      for (let t = 0; t < 2000; t += 10) {
        if (finishAt && finishAt.at <= t) {
          await a.finishPost({
            target: "hook",
            hold: finishAt.hold,
            now: at(finishAt.at),
            waitMs: 200,
          });
          finishAt = null;
        }
        const outcomes = await Promise.all(
          [a, b].map((store) => store.tryStartPost({ target: "hook", now: at(t), holdMs: 10_000 })),
        );
        const won = outcomes.filter((outcome) => outcome.ok);
        expect(won.length).toBeLessThanOrEqual(1);
        const turn = won[0];
        if (turn?.ok) {
          starts.push(t);
          finishAt = { hold: turn.hold, at: t + 50 };
        }
      }
      expect(starts).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750]);
    });
  });

  describe("wake-ups and health", () => {
    /** PostgreSQL's listener wakes its listeners once connected (work may have been missed): wait for that. */
    const listening = async (calls: () => number) => {
      if (ctx.crossInstanceWork)
        await eventually({ what: "the LISTEN connection is up", check: () => calls() > 0 });
    };
    it("wakes listeners when a delivery is stored, until they unsubscribe", async () => {
      const store = await ready();
      let calls = 0;
      const unsubscribe = store.onWork(() => calls++);
      await listening(() => calls);
      const connected = calls;
      let n = 0;
      await eventually({
        what: "onWork fires after an insert",
        act: () => store.insertDelivery(incoming(`wake-${n++}`)),
        check: () => calls > connected,
      });
      unsubscribe();
      const before = calls;
      await store.insertDelivery(incoming("after-unsubscribe"));
      await sleep(300);
      expect(calls).toBe(before);
    });

    it("wakes listeners when a routing queues notifications", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("wq-1"));
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(10) });
      let calls = 0;
      const unsubscribe = store.onWork(() => calls++);
      await listening(() => calls);
      const before = calls;
      await store.finishRouting({
        id: "wq-1",
        owner: "w",
        notifications: [{ channel: "eng", message: "{}" }],
        reason: null,
        now: at(20),
      });
      await eventually({
        what: "onWork fires after notifications are queued",
        check: () => calls > before,
      });
      unsubscribe();
    });

    if (ctx.crossInstanceWork) {
      it("wakes listeners on one instance when another stores a delivery", async () => {
        const [receiver, inserter] = [await ready(), await ready()];
        let calls = 0;
        const unsubscribe = receiver.onWork(() => calls++);
        await listening(() => calls);
        const before = calls;
        let n = 0;
        await eventually({
          what: "another instance's insert reaches this instance's listener",
          act: () => inserter.insertDelivery(incoming(`cross-${n++}`)),
          check: () => calls > before,
        });
        unsubscribe();
      });
    }

    it("answers ping while open and refuses once closed", async () => {
      const store = await ready();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expect(store.ping()).rejects.toThrow();
      await store.close();
    });
  });
}
