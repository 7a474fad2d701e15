/**
 * Queuing, claiming and finishing notifications, and settling their delivery (part of the store contract, see `store-contract.ts`).
 */
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/types.js";
import { at, incoming, LEASE, type ContractContext } from "./store-fixtures.js";

export function notificationsContract(ctx: ContractContext): void {
  const { ready } = ctx;
  describe("notifications", () => {
    /** A delivery claimed by `w` and routed to `channels`. */
    /** Received at `t`, claimed at `t + 10`, routed at `t + 20`. */
    const routed = async (store: Store, id: string, channels: string[], t = 0) => {
      await store.insertDelivery(incoming(id, { receivedAt: at(t) }));
      const claimed = await store.claimDeliveries({
        owner: "w",
        limit: 100,
        leaseMs: LEASE,
        now: at(t + 10),
      });
      expect(claimed.map((d) => d.id)).toContain(id);
      const notifications = channels.map((channel) => ({
        channel,
        message: JSON.stringify({ text: `${id} to ${channel}` }),
      }));
      expect(
        await store.finishRouting({
          id,
          owner: "w",
          notifications,
          reason: null,
          now: at(t + 20),
        }),
      ).toBe(true);
    };
    const finish = (
      store: Store,
      deliveryId: string,
      channel: string,
      status: "sent" | "failed" | "dead",
      extra: { error?: string; nextAttemptAt?: Date; owner?: string; now?: Date } = {},
    ) =>
      store.finishNotification({
        deliveryId,
        channel,
        owner: extra.owner ?? "s",
        status,
        error: extra.error ?? null,
        nextAttemptAt: extra.nextAttemptAt ?? null,
        now: extra.now ?? at(100),
      });

    it("writes a post's history line with its end, also when the lease was lost", async () => {
      const store = await ready();
      await routed(store, "nh-1", ["eng"]);
      const claim = (owner: string, now: Date) =>
        store.claimNotifications({ channel: "eng", owner, limit: 1, leaseMs: LEASE, now });
      await claim("slow", at(30));
      await claim("fast", at(30 + LEASE));
      const line = { outcome: "sent", detail: null };
      const lost = await store.finishNotification({
        deliveryId: "nh-1",
        channel: "eng",
        owner: "slow",
        status: "sent",
        error: null,
        nextAttemptAt: null,
        now: at(40 + LEASE),
        history: line,
      });
      expect(lost).toBe(false);
      const held = await store.finishNotification({
        deliveryId: "nh-1",
        channel: "eng",
        owner: "fast",
        status: "sent",
        error: null,
        nextAttemptAt: null,
        now: at(50 + LEASE),
        history: line,
      });
      expect(held).toBe(true);
      expect(await store.getDelivery("nh-1")).toMatchObject({ status: "delivered" });
      expect((await store.getAttempts("nh-1")).map((a) => [a.channel, a.outcome, a.at])).toEqual([
        ["eng", "sent", at(40 + LEASE)],
        ["eng", "sent", at(50 + LEASE)],
      ]);
    });

    it("queues one notification per channel and keeps the delivery `processing` without a lease", async () => {
      const store = await ready();
      await routed(store, "n-1", ["eng", "ops", "eng"]);
      expect(await store.getDelivery("n-1")).toMatchObject({ status: "processing", attempts: 1 });
      const queued = await store.getNotifications("n-1");
      expect(queued.map((n) => [n.channel, n.status, n.attempts, n.createdAt])).toEqual([
        ["eng", "queued", 0, at(20)],
        ["ops", "queued", 0, at(20)],
      ]);
      expect(queued[0]?.message).toBe(JSON.stringify({ text: "n-1 to eng" }));
      // Routed deliveries are not claimed again, even long after.
      expect(
        await store.claimDeliveries({
          owner: "x",
          limit: 10,
          leaseMs: LEASE,
          now: at(100 * LEASE),
        }),
      ).toEqual([]);
      const waiting = (channel: string) => store.countWaiting({ channel, now: at(30), cap: 10 });
      expect([await waiting("eng"), await waiting("ops")]).toEqual([1, 1]);
    });

    it("counts a channel's claimable notifications up to a cap", async () => {
      const store = await ready();
      for (let i = 0; i < 5; i += 1) await routed(store, `w-${i}`, ["eng"], i + 1);
      expect(await store.countWaiting({ channel: "eng", now: at(100), cap: 3 })).toBe(3);
      expect(await store.countWaiting({ channel: "eng", now: at(100), cap: 10 })).toBe(5);
      expect(await store.countWaiting({ channel: "ops", now: at(100), cap: 10 })).toBe(0);
    });

    it("lists the channels with notifications not yet final, with how many", async () => {
      const store = await ready();
      expect(await store.openChannels()).toEqual([]);
      await routed(store, "o-1", ["eng", "gone"], 1);
      await routed(store, "o-2", ["gone"], 2);
      expect(await store.openChannels()).toEqual([
        { channel: "eng", open: 1 },
        { channel: "gone", open: 2 },
      ]);
      await store.claimNotifications({
        channel: "eng",
        owner: "s",
        limit: 1,
        leaseMs: LEASE,
        now: at(30),
      });
      // Being sent is still open; sent is final.
      expect(await store.openChannels()).toContainEqual({ channel: "eng", open: 1 });
      expect(await finish(store, "o-1", "eng", "sent")).toBe(true);
      expect(await store.openChannels()).toEqual([{ channel: "gone", open: 2 }]);
    });

    it("claims a channel's notifications oldest first with the delivery's repository and receipt time", async () => {
      const store = await ready();
      await routed(store, "n-old", ["eng"], 1);
      await routed(store, "n-new", ["eng", "ops"], 2);
      const claimed = await store.claimNotifications({
        channel: "eng",
        owner: "s",
        limit: 10,
        leaseMs: LEASE,
        now: at(30),
      });
      expect(claimed.map((n) => [n.deliveryId, n.channel, n.status, n.attempts])).toEqual([
        ["n-old", "eng", "sending", 1],
        ["n-new", "eng", "sending", 1],
      ]);
      expect(claimed[0]).toMatchObject({
        repository: "Codertocat/Hello-World",
        receivedAt: at(1),
      });
      expect(
        await store.claimNotifications({
          channel: "eng",
          owner: "t",
          limit: 10,
          leaseMs: LEASE,
          now: at(40),
        }),
      ).toEqual([]);
      const waiting = (channel: string) => store.countWaiting({ channel, now: at(40), cap: 10 });
      expect([await waiting("eng"), await waiting("ops")]).toEqual([0, 1]);
    });

    it("marks the delivery `delivered` when every notification is sent", async () => {
      const store = await ready();
      await routed(store, "ok-1", ["eng", "ops"]);
      await store.claimNotifications({
        channel: "eng",
        owner: "s",
        limit: 1,
        leaseMs: LEASE,
        now: at(30),
      });
      await store.claimNotifications({
        channel: "ops",
        owner: "s",
        limit: 1,
        leaseMs: LEASE,
        now: at(30),
      });
      expect(await finish(store, "ok-1", "eng", "sent")).toBe(true);
      expect((await store.getDelivery("ok-1"))?.status).toBe("processing");
      expect(await finish(store, "ok-1", "ops", "sent", { now: at(200) })).toBe(true);
      expect(await store.getDelivery("ok-1")).toMatchObject({
        status: "delivered",
        error: null,
        updatedAt: at(200),
      });
      const sent = await store.getNotifications("ok-1");
      expect(sent.map((n) => [n.channel, n.status, n.sentAt, n.error])).toEqual([
        ["eng", "sent", at(100), null],
        ["ops", "sent", at(200), null],
      ]);
    });

    it("retries a failed post when due, and marks the delivery `dead` with the error when one gives up", async () => {
      const store = await ready();
      await routed(store, "bad-1", ["eng", "ops"]);
      await store.claimNotifications({
        channel: "eng",
        owner: "s",
        limit: 1,
        leaseMs: LEASE,
        now: at(30),
      });
      await store.claimNotifications({
        channel: "ops",
        owner: "s",
        limit: 1,
        leaseMs: LEASE,
        now: at(30),
      });
      expect(
        await finish(store, "bad-1", "eng", "failed", {
          error: "HTTP 500",
          nextAttemptAt: at(9000),
        }),
      ).toBe(true);
      expect(await store.nextDueAt()).toEqual(at(9000));
      expect(await store.countWaiting({ channel: "eng", now: at(8999), cap: 5 })).toBe(0);
      expect(await store.countWaiting({ channel: "eng", now: at(9000), cap: 5 })).toBe(1);
      expect(
        await store.claimNotifications({
          channel: "eng",
          owner: "s",
          limit: 1,
          leaseMs: LEASE,
          now: at(8999),
        }),
      ).toEqual([]);
      const retried = await store.claimNotifications({
        channel: "eng",
        owner: "s",
        limit: 1,
        leaseMs: LEASE,
        now: at(9000),
      });
      expect(retried.map((n) => [n.status, n.attempts, n.error])).toEqual([
        ["sending", 2, "HTTP 500"],
      ]);

      expect(await finish(store, "bad-1", "ops", "dead", { error: "invalid_token" })).toBe(true);
      expect((await store.getDelivery("bad-1"))?.status).toBe("processing");
      expect(await finish(store, "bad-1", "eng", "sent")).toBe(true);
      expect(await store.getDelivery("bad-1")).toMatchObject({
        status: "dead",
        error: "invalid_token",
      });
    });

    it("settles every delivery when its last two posts finish at once on separate instances", async () => {
      const [a, b] = [await ready(), await ready()];
      const ids = Array.from({ length: 40 }, (_, i) => `pair-${String(i).padStart(2, "0")}`);
      for (const [i, id] of ids.entries()) await routed(a, id, ["eng", "ops"], i);
      const onEng = await a.claimNotifications({
        channel: "eng",
        owner: "a",
        limit: 100,
        leaseMs: LEASE,
        now: at(100),
      });
      const onOps = await b.claimNotifications({
        channel: "ops",
        owner: "b",
        limit: 100,
        leaseMs: LEASE,
        now: at(100),
      });
      expect([onEng.length, onOps.length]).toEqual([ids.length, ids.length]);
      await Promise.all(
        ids.flatMap((id) => [
          finish(a, id, "eng", "sent", { owner: "a" }),
          finish(b, id, "ops", "sent", { owner: "b" }),
        ]),
      );
      expect((await a.countDeliveriesByStatus()).delivered).toBe(ids.length);
    });

    it("refuses to finish a post whose lease another sender took over", async () => {
      const store = await ready();
      await routed(store, "nl-1", ["eng"]);
      await store.claimNotifications({
        channel: "eng",
        owner: "slow",
        limit: 1,
        leaseMs: 1000,
        now: at(30),
      });
      const taken = await store.claimNotifications({
        channel: "eng",
        owner: "fast",
        limit: 1,
        leaseMs: 1000,
        now: at(1030),
      });
      expect(taken.map((n) => [n.deliveryId, n.attempts])).toEqual([["nl-1", 2]]);
      expect(await finish(store, "nl-1", "eng", "sent", { owner: "slow" })).toBe(false);
      expect((await store.getNotifications("nl-1"))[0]?.status).toBe("sending");
      expect(await finish(store, "nl-1", "eng", "sent", { owner: "fast" })).toBe(true);
      expect(await finish(store, "nl-1", "eng", "sent", { owner: "fast" })).toBe(false);
      expect((await store.getDelivery("nl-1"))?.status).toBe("delivered");
    });

    it("never queues a channel twice when routing is retried", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("twice-1"));
      await store.claimDeliveries({ owner: "first", limit: 1, leaseMs: 1000, now: at(0) });
      await store.claimDeliveries({ owner: "second", limit: 1, leaseMs: 1000, now: at(1000) });
      const route = (owner: string, channels: string[]) =>
        store.finishRouting({
          id: "twice-1",
          owner,
          notifications: channels.map((channel) => ({ channel, message: owner })),
          reason: null,
          now: at(1100),
        });
      expect(await route("second", ["eng"])).toBe(true);
      expect(await route("first", ["eng", "ops"])).toBe(false);
      // A replay routes again: the channel already sent stays sent, once.
      await store.claimNotifications({
        channel: "eng",
        owner: "s",
        limit: 1,
        leaseMs: LEASE,
        now: at(1200),
      });
      await finish(store, "twice-1", "eng", "sent");
      expect(await store.requeueDelivery({ id: "twice-1", force: false, now: at(2000) })).toBe(
        true,
      );
      await store.claimDeliveries({ owner: "third", limit: 1, leaseMs: LEASE, now: at(2000) });
      expect(await route("third", ["eng", "ops"])).toBe(true);
      const rows = await store.getNotifications("twice-1");
      expect(rows.map((n) => [n.channel, n.status, n.message])).toEqual([
        ["eng", "sent", "second"],
        ["ops", "queued", "third"],
      ]);
    });
  });
}
