/**
 * Claiming, failing, replaying, releasing and pruning deliveries, and refusing a replayed body
 * (part of the store contract, see `store-contract.ts`).
 */
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/types.js";
import { at, incoming, LEASE, type ContractContext } from "./store-fixtures.js";

export function deliveriesContract(ctx: ContractContext): void {
  const { ready } = ctx;
  describe("replayed bodies", () => {
    // An attacker who captured one signed delivery sends its body again under a new id.
    it("acknowledges a known body under a new id as a replay and does not store it", async () => {
      const store = await ready();
      const original = incoming("orig-1");
      expect(await store.insertDelivery(original)).toBe("stored");
      expect(await store.insertDelivery(incoming("replay-1", { payload: original.payload }))).toBe(
        "replay",
      );
      expect(await store.getDelivery("replay-1")).toBeNull();
      expect(await store.knownDeliveryIds(["orig-1", "replay-1"])).toEqual(new Set(["orig-1"]));
      expect((await store.countDeliveriesByStatus()).pending).toBe(1);
      // GitHub's redelivery keeps the id: still a duplicate, not a replay.
      expect(await store.insertDelivery(original)).toBe("duplicate");
    });

    it("tells replays, duplicates and new deliveries apart inside one group-committed batch", async () => {
      const store = await ready();
      const known = incoming("known-body");
      await store.insertDelivery(known);
      const fresh = incoming("fresh-1");
      const outcomes = await Promise.all([
        store.insertDelivery(fresh),
        store.insertDelivery(incoming("fresh-copy", { payload: fresh.payload })),
        store.insertDelivery(incoming("old-copy", { payload: known.payload })),
        store.insertDelivery(known),
        store.insertDelivery(fresh),
        store.insertDelivery(incoming("fresh-2")),
      ]);
      expect(outcomes).toEqual(["stored", "replay", "replay", "duplicate", "duplicate", "stored"]);
      expect(await store.knownDeliveryIds(["fresh-copy", "old-copy"])).toEqual(new Set());
    });

    it("stores a full group-committed batch whole, each body read back exactly as received", async () => {
      const store = await ready();
      // More than one batch (1,000 a batch), every body with what array literals and SQL
      // quoting must escape: quotes, backslashes, braces, commas, a NUL written as JSON's
      // \u0000, and text beyond ASCII.
      const hostile = '"quoted" \\ back\\\\slash {brace}, comma \' \u0000 Grüße 🚀 "}';
      const deliveries = Array.from({ length: 1_200 }, (_, i) => {
        const base = incoming(`batch-${i}`);
        const payload = JSON.parse(base.payload) as Record<string, unknown>;
        return { ...base, payload: JSON.stringify({ ...payload, title: `${hostile} ${i}` }) };
      });
      const outcomes = await Promise.all(deliveries.map((d) => store.insertDelivery(d)));
      expect(outcomes.every((outcome) => outcome === "stored")).toBe(true);
      for (const i of [0, 599, 1_000, 1_199]) {
        expect((await store.getDelivery(`batch-${i}`))?.payload).toBe(deliveries[i]!.payload);
      }
      expect((await store.countDeliveriesByStatus()).pending).toBe(1_200);
    });

    it("recognises a replay by the receiver's signature digest when it hands one over", async () => {
      const store = await ready();
      const digest = "ab".repeat(32);
      const signed = incoming("signed-1", { bodyFingerprint: digest });
      expect(await store.insertDelivery(signed)).toBe("stored");
      // The same signed body again (same digest) under a new id: a replay.
      expect(
        await store.insertDelivery(
          incoming("signed-2", { payload: signed.payload, bodyFingerprint: digest }),
        ),
      ).toBe("replay");
      // A digest that is not 64 lower-case hex digits is not trusted: the text is hashed, so an
      // equal text is still a replay and another text is stored.
      const unsigned = incoming("bad-digest-1", { bodyFingerprint: "not-a-digest" });
      expect(await store.insertDelivery(unsigned)).toBe("stored");
      expect(
        await store.insertDelivery(
          incoming("bad-digest-2", { payload: unsigned.payload, bodyFingerprint: "AB".repeat(32) }),
        ),
      ).toBe("replay");
      expect(await store.knownDeliveryIds(["signed-1", "signed-2", "bad-digest-1"])).toEqual(
        new Set(["signed-1", "bad-digest-1"]),
      );
    });

    it("tells the same body apart from one that differs by a single byte", async () => {
      const store = await ready();
      const original = incoming("byte-1");
      await store.insertDelivery(original);
      const oneSpace = incoming("byte-2", { payload: `${original.payload} ` });
      expect(await store.insertDelivery(oneSpace)).toBe("stored");
    });

    it("forgets a body once prune removed its delivery, and only then", async () => {
      const store = await ready();
      const original = incoming("pruned-1", { receivedAt: at(1) });
      await store.insertDelivery(original);
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(10) });
      await store.finishRouting({
        id: "pruned-1",
        owner: "w",
        notifications: [],
        reason: "muted",
        now: at(10),
      });
      const again = () =>
        incoming(`again-${Math.random()}`, { payload: original.payload, receivedAt: at(20) });
      expect(await store.prune(at(1))).toEqual({
        deliveries: 0,
        threadParents: 0,
        ciConclusions: 0,
        lateLabels: 0,
        prHeads: 0,
        reviewStates: 0,
      });
      expect(await store.insertDelivery(again())).toBe("replay");
      expect(await store.prune(at(5))).toEqual({
        deliveries: 1,
        threadParents: 0,
        ciConclusions: 0,
        lateLabels: 0,
        prHeads: 0,
        reviewStates: 0,
      });
      expect(await store.insertDelivery(again())).toBe("stored");
    });
  });

  describe("claiming deliveries", () => {
    it("claims pending deliveries oldest first, up to the limit, and counts the attempt", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("c-late", { receivedAt: at(300) }));
      await store.insertDelivery(incoming("c-early", { receivedAt: at(100) }));
      await store.insertDelivery(incoming("c-mid", { receivedAt: at(200) }));
      const claimed = await store.claimDeliveries({
        owner: "w1",
        limit: 2,
        leaseMs: LEASE,
        now: at(1000),
      });
      expect(claimed.map((d) => [d.id, d.status, d.attempts])).toEqual([
        ["c-early", "processing", 1],
        ["c-mid", "processing", 1],
      ]);
      expect(claimed[0]?.updatedAt).toEqual(at(1000));
      const rest = await store.claimDeliveries({
        owner: "w2",
        limit: 10,
        leaseMs: LEASE,
        now: at(1000),
      });
      expect(rest.map((d) => d.id)).toEqual(["c-late"]);
      expect(
        await store.claimDeliveries({ owner: "w3", limit: 10, leaseMs: LEASE, now: at(2000) }),
      ).toEqual([]);
    });

    it("lets another worker take over once the lease expires; the first then loses every write", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("lease-1"));
      await store.claimDeliveries({ owner: "slow", limit: 1, leaseMs: 1000, now: at(0) });
      expect(
        await store.claimDeliveries({ owner: "fast", limit: 1, leaseMs: 1000, now: at(999) }),
      ).toEqual([]);
      const taken = await store.claimDeliveries({
        owner: "fast",
        limit: 1,
        leaseMs: 1000,
        now: at(1000),
      });
      expect(taken.map((d) => [d.id, d.attempts])).toEqual([["lease-1", 2]]);

      const lost = { id: "lease-1", owner: "slow", now: at(1500) };
      expect(await store.finishRouting({ ...lost, notifications: [], reason: "late" })).toBe(false);
      expect(await store.failDelivery({ ...lost, error: "late", nextAttemptAt: null })).toBe(false);
      expect(await store.getDelivery("lease-1")).toMatchObject({
        status: "processing",
        reason: null,
      });

      const routed = await store.finishRouting({
        id: "lease-1",
        owner: "fast",
        notifications: [{ channel: "eng", message: "{}" }],
        reason: null,
        now: at(1600),
      });
      expect(routed).toBe(true);
    });

    it("writes a routing's history lines with its end, and none when the lease was lost", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("history-1"));
      await store.claimDeliveries({ owner: "slow", limit: 1, leaseMs: 1000, now: at(0) });
      await store.claimDeliveries({ owner: "fast", limit: 1, leaseMs: 1000, now: at(1000) });
      const lost = await store.finishRouting({
        id: "history-1",
        owner: "slow",
        notifications: [],
        reason: "not routed",
        now: at(1500),
        history: [{ channel: null, outcome: "skipped", detail: "not routed" }],
      });
      expect(lost).toBe(false);
      expect(await store.getAttempts("history-1")).toEqual([]);

      const held = await store.finishRouting({
        id: "history-1",
        owner: "fast",
        notifications: [{ channel: "eng", message: "{}" }],
        reason: null,
        now: at(1600),
        history: [
          { channel: null, outcome: "routed", detail: "issues.opened -> eng, ops" },
          { channel: "ops", outcome: "skipped", detail: "muted" },
        ],
      });
      expect(held).toBe(true);
      expect(
        (await store.getAttempts("history-1")).map((a) => [a.channel, a.outcome, a.detail, a.at]),
      ).toEqual([
        [null, "routed", "issues.opened -> eng, ops", at(1600)],
        ["ops", "skipped", "muted", at(1600)],
      ]);
    });

    it("retries a failed delivery when due and gives up on a dead one", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("retry-1"));
      await store.insertDelivery(incoming("dead-1", { receivedAt: at(1) }));
      await store.claimDeliveries({ owner: "w", limit: 2, leaseMs: LEASE, now: at(10) });
      const failed = { owner: "w", now: at(20) };
      expect(
        await store.failDelivery({
          ...failed,
          id: "retry-1",
          error: "GitHub 502",
          nextAttemptAt: at(5000),
        }),
      ).toBe(true);
      expect(
        await store.failDelivery({
          ...failed,
          id: "dead-1",
          error: "bad config",
          nextAttemptAt: null,
        }),
      ).toBe(true);
      expect(await store.getDelivery("retry-1")).toMatchObject({
        status: "failed",
        error: "GitHub 502",
        nextAttemptAt: at(5000),
      });
      expect(await store.getDelivery("dead-1")).toMatchObject({
        status: "dead",
        error: "bad config",
        nextAttemptAt: null,
      });
      expect(await store.nextDueAt()).toEqual(at(5000));

      expect(
        await store.claimDeliveries({ owner: "w", limit: 5, leaseMs: LEASE, now: at(4999) }),
      ).toEqual([]);
      const again = await store.claimDeliveries({
        owner: "w",
        limit: 5,
        leaseMs: LEASE,
        now: at(5000),
      });
      expect(again.map((d) => [d.id, d.status, d.attempts])).toEqual([
        ["retry-1", "processing", 2],
      ]);
      expect(await store.nextDueAt()).toBeNull();
    });

    it("claims oldest first across pending, due-for-retry and expired-lease deliveries", async () => {
      // Each kind is read apart (one index range each, see claimable.ts), up to the limit,
      // then merged: a limit reached inside one kind must not hide an older one of another.
      const store = await ready();
      await store.insertDelivery(incoming("x-failed", { receivedAt: at(200) }));
      await store.insertDelivery(incoming("x-expired", { receivedAt: at(300) }));
      await store.claimDeliveries({ owner: "w", limit: 2, leaseMs: 1000, now: at(1000) });
      await store.failDelivery({
        id: "x-failed",
        owner: "w",
        error: "GitHub 502",
        nextAttemptAt: at(1500),
        now: at(1100),
      });
      for (const [id, t] of [
        ["x-pending-1", 100],
        ["x-pending-2", 400],
        ["x-pending-3", 500],
      ] as const) {
        await store.insertDelivery(incoming(id, { receivedAt: at(t) }));
      }
      const first = await store.claimDeliveries({
        owner: "x",
        limit: 3,
        leaseMs: LEASE,
        now: at(2000),
      });
      expect(first.map((d) => [d.id, d.attempts])).toEqual([
        ["x-pending-1", 1],
        ["x-failed", 2],
        ["x-expired", 2],
      ]);
      const rest = await store.claimDeliveries({
        owner: "x",
        limit: 10,
        leaseMs: LEASE,
        now: at(2000),
      });
      expect(rest.map((d) => d.id)).toEqual(["x-pending-2", "x-pending-3"]);
    });

    it("marks a delivery with nothing to send `skipped` with the reason", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("skip-1"));
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(10) });
      const done = await store.finishRouting({
        id: "skip-1",
        owner: "w",
        notifications: [],
        reason: "no route matched",
        now: at(20),
      });
      expect(done).toBe(true);
      expect(await store.getDelivery("skip-1")).toMatchObject({
        status: "skipped",
        reason: "no route matched",
        updatedAt: at(20),
      });
      expect(
        await store.claimDeliveries({
          owner: "w",
          limit: 1,
          leaseMs: LEASE,
          now: at(10 * LEASE),
        }),
      ).toEqual([]);
    });

    it("never gives one delivery to two concurrent claimers on separate instances", async () => {
      const [a, b] = [await ready(), await ready()];
      const ids = Array.from({ length: 300 }, (_, i) => `race-${String(i).padStart(3, "0")}`);
      await Promise.all(ids.map((id, i) => a.insertDelivery(incoming(id, { receivedAt: at(i) }))));
      const claimedBy = { a: [] as string[], b: [] as string[] };
      const drain = async (store: Store, owner: "a" | "b") => {
        for (;;) {
          const batch = await store.claimDeliveries({
            owner,
            limit: 7,
            leaseMs: LEASE,
            now: at(1000),
          });
          if (batch.length === 0) return;
          claimedBy[owner].push(...batch.map((d) => d.id));
        }
      };
      await Promise.all([drain(a, "a"), drain(b, "b"), drain(a, "a"), drain(b, "b")]);
      const all = [...claimedBy.a, ...claimedBy.b];
      expect(all).toHaveLength(ids.length);
      expect(new Set(all)).toEqual(new Set(ids));
      expect((await a.countDeliveriesByStatus()).processing).toBe(ids.length);
    });
  });

  describe("renewing claims", () => {
    it("extends only the claims its owner still holds, so a live router keeps its deliveries", async () => {
      const store = await ready();
      for (const id of ["renew-1", "renew-2", "renew-3"]) await store.insertDelivery(incoming(id));
      await store.claimDeliveries({ owner: "w", limit: 2, leaseMs: LEASE, now: at(0) });
      await store.claimDeliveries({ owner: "other", limit: 1, leaseMs: LEASE, now: at(0) });

      // w's heartbeat just before its claims run out: they now last until LEASE after it.
      const renewed = await store.renewDeliveryLeases({
        owner: "w",
        ids: ["renew-1", "renew-2", "renew-3", "no-such-delivery"],
        leaseMs: LEASE,
        now: at(LEASE - 1),
      });
      expect(renewed).toBe(2);
      // Only the claim nobody renewed has run out.
      const expired = await store.claimDeliveries({
        owner: "thief",
        limit: 3,
        leaseMs: LEASE,
        now: at(LEASE + 1),
      });
      expect(expired.map((delivery) => delivery.id)).toEqual(["renew-3"]);
      // Past the renewed claim, another worker takes over what w stopped renewing.
      const taken = await store.claimDeliveries({
        owner: "thief",
        limit: 3,
        leaseMs: LEASE,
        now: at(2 * LEASE),
      });
      expect(taken.map((delivery) => delivery.id).sort()).toEqual(["renew-1", "renew-2"]);
      expect(
        await store.renewDeliveryLeases({
          owner: "w",
          ids: ["renew-1"],
          leaseMs: LEASE,
          now: at(2 * LEASE),
        }),
      ).toBe(0);
      expect(
        await store.renewDeliveryLeases({ owner: "w", ids: [], leaseMs: LEASE, now: at(0) }),
      ).toBe(0);
    });
  });

  describe("replay, release and prune", () => {
    /** A delivery routed to eng (sent) and ops (dead). */
    const finishedDead = async (store: Store, id: string) => {
      await store.insertDelivery(incoming(id));
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(10) });
      const notifications = ["eng", "ops"].map((channel) => ({ channel, message: "{}" }));
      await store.finishRouting({ id, owner: "w", notifications, reason: null, now: at(20) });
      for (const channel of ["eng", "ops"]) {
        await store.claimNotifications({
          channel,
          owner: "s",
          limit: 1,
          leaseMs: LEASE,
          now: at(30),
        });
      }
      const base = { deliveryId: id, owner: "s", nextAttemptAt: null, now: at(40) };
      await store.finishNotification({ ...base, channel: "eng", status: "sent", error: null });
      await store.finishNotification({
        ...base,
        channel: "ops",
        status: "dead",
        error: "channel_not_found",
      });
      expect((await store.getDelivery(id))?.status).toBe("dead");
    };

    it("replays without force: sent channels are kept, the rest are routed again", async () => {
      const store = await ready();
      await finishedDead(store, "replay-1");
      expect(await store.requeueDelivery({ id: "replay-1", force: false, now: at(500) })).toBe(
        true,
      );
      expect(await store.getDelivery("replay-1")).toMatchObject({
        status: "pending",
        attempts: 0,
        error: null,
        updatedAt: at(500),
      });
      expect((await store.getNotifications("replay-1")).map((n) => [n.channel, n.status])).toEqual([
        ["eng", "sent"],
      ]);

      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(600) });
      const notifications = ["eng", "ops"].map((channel) => ({ channel, message: "{}" }));
      await store.finishRouting({
        id: "replay-1",
        owner: "w",
        notifications,
        reason: null,
        now: at(700),
      });
      expect(
        (await store.getNotifications("replay-1")).map((n) => [n.channel, n.status, n.attempts]),
      ).toEqual([
        ["eng", "sent", 1],
        ["ops", "queued", 0],
      ]);
      await store.claimNotifications({
        channel: "ops",
        owner: "s",
        limit: 1,
        leaseMs: LEASE,
        now: at(800),
      });
      await store.finishNotification({
        deliveryId: "replay-1",
        channel: "ops",
        owner: "s",
        status: "sent",
        error: null,
        nextAttemptAt: null,
        now: at(900),
      });
      expect(await store.getDelivery("replay-1")).toMatchObject({
        status: "delivered",
        error: null,
      });
    });

    it("settles at once when a replay routes only to channels already sent", async () => {
      const store = await ready();
      await finishedDead(store, "replay-2");
      await store.requeueDelivery({ id: "replay-2", force: false, now: at(500) });
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(600) });
      await store.finishRouting({
        id: "replay-2",
        owner: "w",
        notifications: [{ channel: "eng", message: "{}" }],
        reason: null,
        now: at(700),
      });
      expect((await store.getDelivery("replay-2"))?.status).toBe("delivered");
    });

    it("replays with force: every channel is queued again", async () => {
      const store = await ready();
      await finishedDead(store, "replay-3");
      expect(await store.requeueDelivery({ id: "replay-3", force: true, now: at(500) })).toBe(true);
      expect(await store.getNotifications("replay-3")).toEqual([]);
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(600) });
      const notifications = ["eng", "ops"].map((channel) => ({ channel, message: "{}" }));
      await store.finishRouting({
        id: "replay-3",
        owner: "w",
        notifications,
        reason: null,
        now: at(700),
      });
      expect((await store.getNotifications("replay-3")).map((n) => [n.channel, n.status])).toEqual([
        ["eng", "queued"],
        ["ops", "queued"],
      ]);
      expect(await store.requeueDelivery({ id: "unknown", force: true, now: at(500) })).toBe(false);
    });

    it("gives back only the releasing owner's claims, as they were before", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("rel-pending", { receivedAt: at(1) }));
      await store.insertDelivery(incoming("rel-failed", { receivedAt: at(2) }));
      await store.insertDelivery(incoming("rel-other", { receivedAt: at(3) }));
      await store.insertDelivery(incoming("rel-routed", { receivedAt: at(4) }));
      await store.claimDeliveries({ owner: "w", limit: 2, leaseMs: LEASE, now: at(10) });
      await store.failDelivery({
        id: "rel-failed",
        owner: "w",
        error: "boom",
        nextAttemptAt: at(50),
        now: at(20),
      });
      await store.claimDeliveries({ owner: "other", limit: 1, leaseMs: LEASE, now: at(30) });
      await store.claimDeliveries({ owner: "w", limit: 2, leaseMs: LEASE, now: at(60) });
      await store.finishRouting({
        id: "rel-routed",
        owner: "w",
        notifications: [{ channel: "eng", message: "{}" }],
        reason: null,
        now: at(70),
      });
      await store.claimNotifications({
        channel: "eng",
        owner: "w",
        limit: 1,
        leaseMs: LEASE,
        now: at(80),
      });
      expect((await store.getDelivery("rel-failed"))?.attempts).toBe(2);

      await store.releaseAll("w");
      expect(await store.getDelivery("rel-pending")).toMatchObject({
        status: "pending",
        attempts: 0,
      });
      expect(await store.getDelivery("rel-failed")).toMatchObject({
        status: "failed",
        attempts: 1,
        error: "boom",
        nextAttemptAt: at(50),
      });
      expect(await store.getDelivery("rel-other")).toMatchObject({
        status: "processing",
        attempts: 1,
      });
      expect((await store.getDelivery("rel-routed"))?.status).toBe("processing");
      expect(
        (await store.getNotifications("rel-routed")).map((n) => [n.status, n.attempts]),
      ).toEqual([["queued", 0]]);
      const reclaimed = await store.claimDeliveries({
        owner: "x",
        limit: 10,
        leaseMs: LEASE,
        now: at(100),
      });
      expect(reclaimed.map((d) => d.id)).toEqual(["rel-pending", "rel-failed"]);
    });

    it("prunes only finished deliveries received before the date, with their notifications and history", async () => {
      const store = await ready();
      const route = async (id: string, channels: string[], receivedAt: Date) => {
        await store.insertDelivery(incoming(id, { receivedAt }));
        await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(10_000) });
        await store.recordAttempt({
          deliveryId: id,
          channel: null,
          at: at(10_000),
          outcome: "routed",
          detail: channels.join(","),
        });
        const notifications = channels.map((channel) => ({ channel, message: "{}" }));
        await store.finishRouting({
          id,
          owner: "w",
          notifications,
          reason: channels.length ? null : "muted",
          now: at(10_000),
        });
        for (const channel of channels) {
          await store.claimNotifications({
            channel,
            owner: "s",
            limit: 1,
            leaseMs: LEASE,
            now: at(10_000),
          });
          await store.finishNotification({
            deliveryId: id,
            channel,
            owner: "s",
            status: "sent",
            error: null,
            nextAttemptAt: null,
            now: at(10_000),
          });
        }
      };
      await route("old-delivered", ["eng"], at(1));
      await route("old-skipped", [], at(2));
      await route("new-delivered", ["eng"], at(5000));
      await store.insertDelivery(incoming("old-pending", { receivedAt: at(3) }));
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(10_000) });
      await store.failDelivery({
        id: "old-pending",
        owner: "w",
        error: "gone",
        nextAttemptAt: null,
        now: at(10_000),
      });

      expect(await store.prune(at(5000))).toEqual({
        deliveries: 2,
        threadParents: 0,
        ciConclusions: 0,
        lateLabels: 0,
        prHeads: 0,
        reviewStates: 0,
      });
      expect(
        await store.knownDeliveryIds([
          "old-delivered",
          "old-skipped",
          "new-delivered",
          "old-pending",
        ]),
      ).toEqual(new Set(["new-delivered", "old-pending"]));
      expect(await store.getNotifications("old-delivered")).toEqual([]);
      expect(await store.getAttempts("old-delivered")).toEqual([]);
      expect(await store.getAttempts("new-delivered")).toHaveLength(1);
      expect(await store.getNotifications("new-delivered")).toHaveLength(1);
      expect(await store.prune(at(5000))).toEqual({
        deliveries: 0,
        threadParents: 0,
        ciConclusions: 0,
        lateLabels: 0,
        prHeads: 0,
        reviewStates: 0,
      });
    });
  });
}
