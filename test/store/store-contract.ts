/**
 * The contract every Store implementation passes: `defineStoreContract` declares the whole
 * suite for one dialect, given a factory of isolated databases.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/store/migrations.js";
import { composeStore } from "../../src/store/create-store.js";
import type { Backend } from "../../src/store/db.js";
import type { Store } from "../../src/store/types.js";
import { deliveriesContract } from "./contract-deliveries.js";
import { digestsContract } from "./contract-digests.js";
import { mutesContract } from "./contract-mutes.js";
import { notificationsContract } from "./contract-notifications.js";
import { portContract } from "./contract-port.js";
import { queriesContract } from "./contract-queries.js";
import { threadParentsContract } from "./contract-thread-parents.js";
import { routingStateContract } from "./contract-routing-state.js";
import { reviewStatesContract } from "./contract-review-states.js";
import {
  incoming,
  incomingPush,
  at,
  type ContractContext,
  type ContractParams,
  type StoreFixture,
} from "./store-fixtures.js";

const ALL_TABLES = [
  "attempts",
  "ci_conclusions",
  "config_cache",
  "deliveries",
  "late_labels",
  "mutes",
  "notifications",
  "pacing",
  "pr_heads",
  "review_requests",
  "review_states",
  "schema_migrations",
  "state",
  "thread_parents",
];

/**
 * Declares the store contract suite for one implementation.
 *
 * @example
 * defineStoreContract({ name: "sqlite", createFixture: sqliteFixture, crossInstanceWork: false });
 */
export function defineStoreContract(params: ContractParams): void {
  describe(`${params.name} store contract`, () => {
    let fixture: StoreFixture;
    let opened: Pick<Store, "close">[];
    /** An unmigrated store on this test's database, closed after the test. */
    const open = (): Store => {
      const store = fixture.open();
      opened.push(store);
      return store;
    };
    const ready = async (): Promise<Store> => {
      const store = open();
      await store.migrate();
      return store;
    };

    const readyOver = async (wrap: (backend: Backend) => Backend): Promise<Store> => {
      const store = composeStore(wrap(fixture.openBackend()));
      opened.push(store);
      await store.migrate();
      return store;
    };

    const readyBackend = async (): Promise<Backend> => {
      await ready();
      const backend = fixture.openBackend();
      opened.push({ close: () => backend.close() });
      return backend;
    };

    const unmigrated = (): { backend: Backend; store: Store } => {
      const backend = fixture.openBackend();
      const store = composeStore(backend);
      opened.push(store);
      return { backend, store };
    };

    const ctx: ContractContext = {
      ready,
      readyOver,
      readyBackend,
      unmigrated,
      appliedVersions: () => fixture.appliedVersions(),
      crossInstanceWork: params.crossInstanceWork,
    };

    beforeEach(async () => {
      opened = [];
      fixture = await params.createFixture();
    });
    afterEach(async () => {
      await Promise.all(opened.map((store) => store.close()));
      await fixture.dispose();
    });

    describe("migrations", () => {
      it("creates every table and records each version once, however often it runs", async () => {
        const store = open();
        await store.migrate();
        await store.migrate();
        expect(await fixture.tables()).toEqual(ALL_TABLES);
        expect(await fixture.appliedVersions()).toEqual(MIGRATIONS.map((m) => m.version));
        expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
      });

      it("is safe when several instances migrate at once", async () => {
        const stores = [open(), open(), open()];
        await Promise.all(stores.map((store) => store.migrate()));
        expect(await fixture.appliedVersions()).toEqual(MIGRATIONS.map((m) => m.version));
        for (const store of stores) await expect(store.ping()).resolves.toBeUndefined();
        const [first, second] = stores as [Store, Store, Store];
        await first.insertDelivery(incoming("after-migrate"));
        expect(await second.knownDeliveryIds(["after-migrate"])).toEqual(
          new Set(["after-migrate"]),
        );
      });
    });

    describe("receiving", () => {
      it("stores a delivery once and reports later copies as duplicates", async () => {
        const store = await ready();
        expect(await store.insertDelivery(incoming("d-1"))).toBe("stored");
        expect(await store.insertDelivery(incoming("d-1", { event: "push" }))).toBe("duplicate");
        expect((await store.getDelivery("d-1"))?.event).toBe("issues");
      });

      it("counts a repeat inside one group-committed batch as a duplicate", async () => {
        const store = await ready();
        const outcomes = await Promise.all([
          store.insertDelivery(incoming("b-1")),
          store.insertDelivery(incoming("b-1")),
          store.insertDelivery(incoming("b-2")),
          store.insertDelivery(incoming("b-2")),
          store.insertDelivery(incoming("b-3")),
        ]);
        expect(outcomes).toEqual(["stored", "duplicate", "stored", "duplicate", "stored"]);
      });

      it("resolves every one of many concurrent inserts with its own outcome", async () => {
        const store = await ready();
        await store.insertDelivery(incoming("known-7"));
        const ids = Array.from({ length: 300 }, (_, i) => (i % 50 === 7 ? "known-7" : `many-${i}`));
        const outcomes = await Promise.all(ids.map((id) => store.insertDelivery(incoming(id))));
        expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(6);
        expect((await store.countDeliveriesByStatus()).pending).toBe(295);
      });

      it("keeps every field as received, as `pending` with no attempts", async () => {
        const store = await ready();
        const delivery = incomingPush("push-1", {
          receivedAt: at(1234),
          payload: '{"emoji":"🚀 \\"quoted\\""}',
        });
        await store.insertDelivery(delivery);
        expect(await store.getDelivery("push-1")).toEqual({
          ...delivery,
          status: "pending",
          reason: null,
          error: null,
          attempts: 0,
          nextAttemptAt: null,
          updatedAt: at(1234),
        });
        expect(await store.getDelivery("unknown")).toBeNull();
      });

      it("is durable: a delivery survives closing and reopening the database", async () => {
        const writer = await ready();
        await writer.insertDelivery(incoming("durable-1", { receivedAt: at(7) }));
        await writer.close();
        const reader = await ready();
        expect(await reader.getDelivery("durable-1")).toMatchObject({
          id: "durable-1",
          receivedAt: at(7),
        });
        expect(await reader.insertDelivery(incoming("durable-1"))).toBe("duplicate");
      });
    });

    deliveriesContract(ctx);
    notificationsContract(ctx);
    queriesContract(ctx);
    digestsContract(ctx);
    mutesContract(ctx);
    threadParentsContract(ctx);
    routingStateContract(ctx);
    reviewStatesContract(ctx);
    portContract(ctx);
  });
}
