/**
 * The `Db` port both dialects implement, and the behaviours the two hand-written stores used
 * to disagree on (a pacing row gone between two statements, prune's edges), held to one
 * answer (part of the store contract, see `store-contract.ts`).
 */
import { describe, expect, it } from "vitest";
import type { Backend, Db } from "../../src/store/db.js";
import { at, incoming, LEASE, sleep, type ContractContext } from "./store-fixtures.js";

/** A counter in the `state` table, read and written by the port tests. */
const COUNTER = "port-test-counter";

export function portContract(ctx: ContractContext): void {
  const { ready, readyOver, readyBackend } = ctx;

  describe("the Db port", () => {
    it("runs two concurrent read-modify-write transactions one after the other", async () => {
      const { db, dialect } = await readyBackend();
      await db.run("INSERT INTO state (key, value) VALUES (@key, '0')", { key: COUNTER });
      const increment = () =>
        db.transaction(async (tx) => {
          const row = await tx.get<{ value: string }>(
            `SELECT value FROM state WHERE key = @key${dialect.forUpdate}`,
            { key: COUNTER },
          );
          // Yield to the event loop mid-transaction: the other transaction gets every chance to run.
          await sleep(20);
          await tx.run("UPDATE state SET value = @value WHERE key = @key", {
            key: COUNTER,
            value: String(Number(row?.value) + 1),
          });
        });
      await Promise.all([increment(), increment(), increment()]);
      expect(await db.get("SELECT value FROM state WHERE key = @key", { key: COUNTER })).toEqual({
        value: "3",
      });
    });

    it("never runs another caller's statement inside an open transaction", async () => {
      const { db } = await readyBackend();
      let outside: Promise<unknown> | null = null;
      let seen: Promise<unknown> | null = null;
      const failing = db.transaction(async (tx) => {
        await tx.run("INSERT INTO state (key, value) VALUES ('inside', 'x')");
        // While this transaction is open: a write and a read from outside it.
        outside = db.run("INSERT INTO state (key, value) VALUES ('outside', 'y')");
        seen = db.get("SELECT value FROM state WHERE key = 'inside'");
        await sleep(30);
        throw new Error("roll back");
      });
      await expect(failing).rejects.toThrow("roll back");
      await outside;
      // The outside read never saw the uncommitted row; the outside write was not rolled back with it.
      expect(await seen).toBeUndefined();
      const keys = await db.all<{ key: string }>(
        "SELECT key FROM state WHERE key IN ('inside', 'outside')",
      );
      expect(keys).toEqual([{ key: "outside" }]);
    });

    it("binds an array parameter as one list, whatever its length", async () => {
      const { db, dialect } = await readyBackend();
      await db.run("INSERT INTO state (key, value) VALUES ('a', '1'), ('b', '2')");
      const keys = (ids: string[]) =>
        db.all<{ key: string }>(
          `SELECT key FROM state WHERE ${dialect.inList("key", "@ids")} ORDER BY key`,
          { ids },
        );
      expect(await keys(["a", "b", "c"])).toEqual([{ key: "a" }, { key: "b" }]);
      expect(await keys([])).toEqual([]);
      expect(await keys(Array.from({ length: 40_000 }, (_, i) => `k-${i}`).concat("b"))).toEqual([
        { key: "b" },
      ]);
    });
  });

  describe("what the two stores used to do differently", () => {
    it("answers 'ask again now' when the pacing row that refused a turn is gone by the time it is read", async () => {
      let deleteAfterUpsert = false;
      /** Deletes the pacing row behind the store's back, right after the turn's compare-and-set. */
      const deletingPacing = (backend: Backend): Backend => {
        const after = async <T>(sql: string, result: T): Promise<T> => {
          if (deleteAfterUpsert && sql.trimStart().startsWith("INSERT INTO pacing")) {
            deleteAfterUpsert = false;
            await backend.db.run("DELETE FROM pacing");
          }
          return result;
        };
        const db: Db = {
          ...backend.db,
          all: async (sql, params) => after(sql, await backend.db.all(sql, params)),
          get: async (sql, params) => after(sql, await backend.db.get(sql, params)),
          run: async (sql, params) => after(sql, await backend.db.run(sql, params)),
        };
        return { ...backend, db };
      };
      const store = await readyOver(deletingPacing);
      const start = (t: number) =>
        store.tryStartPost({ target: "hook", now: at(t), holdMs: 10_000 });
      expect(await start(0)).toEqual({ ok: true, hold: at(10_000) });
      deleteAfterUpsert = true;
      expect(await start(5)).toEqual({ ok: false, retryAt: at(5) });
      expect(deleteAfterUpsert).toBe(false);
      // Asked again, the turn is free: nothing holds it any more.
      expect(await start(5)).toEqual({ ok: true, hold: at(10_005) });
    });

    it("prunes strictly before the cut-off, never an unfinished delivery or its history, and mutes only once ended", async () => {
      const store = await ready();
      const finish = async (id: string, receivedAt: number) => {
        await store.insertDelivery(incoming(id, { receivedAt: at(receivedAt) }));
        await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(10) });
        await store.recordAttempt({
          deliveryId: id,
          channel: null,
          at: at(10),
          outcome: "skipped",
          detail: null,
        });
        await store.finishRouting({
          id,
          owner: "w",
          notifications: [],
          reason: "quiet",
          now: at(10),
        });
      };
      await finish("skipped-before", 99);
      await finish("skipped-at-cut", 100);
      await store.insertDelivery(incoming("dead-before", { receivedAt: at(1) }));
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: LEASE, now: at(10) });
      await store.failDelivery({
        id: "dead-before",
        owner: "w",
        error: "gone",
        nextAttemptAt: null,
        now: at(10),
      });
      await store.recordAttempt({
        deliveryId: "dead-before",
        channel: null,
        at: at(10),
        outcome: "dead",
        detail: "gone",
      });
      await store.insertDelivery(incoming("pending-before", { receivedAt: at(2) }));
      const mute = (target: string, until: number) =>
        store.putMute({
          target,
          kind: "repository",
          until: at(until),
          reason: null,
          createdAt: at(0),
        });
      await mute("acme/ended", 99);
      await mute("acme/ends-at-cut", 100);

      expect(await store.prune(at(100))).toEqual({
        deliveries: 1,
        threadParents: 0,
        ciConclusions: 0,
        lateLabels: 0,
        prHeads: 0,
        reviewStates: 0,
      });
      expect(
        await store.knownDeliveryIds([
          "skipped-before",
          "skipped-at-cut",
          "dead-before",
          "pending-before",
        ]),
      ).toEqual(new Set(["skipped-at-cut", "dead-before", "pending-before"]));
      expect(await store.getAttempts("skipped-before")).toEqual([]);
      expect((await store.getAttempts("dead-before")).map((a) => a.outcome)).toEqual(["dead"]);
      expect((await store.listMutes(at(0))).map((m) => m.target)).toEqual(["acme/ends-at-cut"]);
      expect(await store.prune(at(100))).toEqual({
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
