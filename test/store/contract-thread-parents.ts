/**
 * Thread parents: one per (repository, item number, channel), found by key, replaced by a later
 * save, forgotten on request, pruned once nobody touched them within retention, added to a
 * store an older release left (part of the store contract, see `store-contract.ts`).
 */
import { describe, expect, it } from "vitest";
import { MIGRATIONS, schemaMigrationsTable } from "../../src/store/migrations.js";
import type { Store, ThreadKey, ThreadParent } from "../../src/store/types.js";
import { at, incoming, type ContractContext } from "./store-fixtures.js";

const HOUR = 3_600_000;

/** The migration that adds `thread_parents`; the store before it is at version 3. */
const THREAD_PARENTS_VERSION = 4;

/** The start of the message for a number out of range. */
const RANGE = "number must be an integer from 1 to 2147483647";

const KEY: ThreadKey = { repository: "octo-org/api", number: 42, channel: "default" };

/** A parent as `saveParent` takes it, with `now` = `at(t)`. */
function parent(
  key: ThreadKey,
  t: number,
  overrides: Partial<Pick<ThreadParent, "slackChannel" | "ts" | "state">> = {},
) {
  return {
    ...key,
    slackChannel: "C0123ABCD",
    ts: "1705309200.000100",
    state: '{"state":"open"}',
    now: at(t),
    ...overrides,
  };
}

/** What `findParent` answers for a parent saved as {@link parent} at `t`. */
function found(
  key: ThreadKey,
  t: number,
  overrides: Partial<Pick<ThreadParent, "slackChannel" | "ts" | "state">> = {},
): ThreadParent {
  const { now: _now, ...rest } = parent(key, t, overrides);
  return { ...rest, updatedAt: at(t) };
}

export function threadParentsContract(ctx: ContractContext): void {
  const { ready } = ctx;
  describe("thread parents", () => {
    it("finds nothing, then the saved parent; a later save replaces it; forgetting removes it", async () => {
      const store = await ready();
      expect(await store.findParent(KEY)).toBeNull();

      await store.saveParent(parent(KEY, 0));
      expect(await store.findParent(KEY)).toEqual(found(KEY, 0));

      // The parent was reposted (the old one was deleted in Slack) and shows a new state.
      const replaced = {
        slackChannel: "C0999ZZZZ",
        ts: "1705312800.000200",
        state: '{"state":"merged"} 🚀',
      };
      await store.saveParent(parent(KEY, HOUR, replaced));
      expect(await store.findParent(KEY)).toEqual(found(KEY, HOUR, replaced));

      await store.forgetParent(KEY);
      expect(await store.findParent(KEY)).toBeNull();
      // Forgetting what is not there is no error.
      await expect(store.forgetParent(KEY)).resolves.toBeUndefined();
    });

    it("keeps repositories, item numbers and channels apart", async () => {
      const store = await ready();
      const keys: ThreadKey[] = [
        { repository: "a/b", number: 1, channel: "default" },
        { repository: "a/c", number: 1, channel: "default" },
        { repository: "a/b", number: 1, channel: "releases" },
        { repository: "a/b", number: 2, channel: "default" },
        // Not confused by a prefix of another key's parts.
        { repository: "a/bb", number: 1, channel: "default" },
        { repository: "a/b", number: 11, channel: "default" },
      ];
      for (const [i, key] of keys.entries()) {
        await store.saveParent(parent(key, i, { ts: `1705309200.00000${i}`, state: `s${i}` }));
      }
      for (const [i, key] of keys.entries()) {
        expect(await store.findParent(key)).toEqual(
          found(key, i, { ts: `1705309200.00000${i}`, state: `s${i}` }),
        );
      }
      expect(
        await store.findParent({ repository: "a/c", number: 1, channel: "releases" }),
      ).toBeNull();

      await store.forgetParent(keys[0]!);
      expect(await store.findParent(keys[0]!)).toBeNull();
      for (const key of keys.slice(1)) expect(await store.findParent(key)).not.toBeNull();
    });

    it("matches a repository whatever its case, as GitHub does, and answers it lower-case", async () => {
      const store = await ready();
      await store.saveParent(parent({ ...KEY, repository: "Octo-Org/API" }, 0));
      expect(await store.findParent(KEY)).toEqual(found(KEY, 0));
      await store.saveParent(parent({ ...KEY, repository: "octo-org/Api" }, 5, { ts: "2.0" }));
      expect(await store.findParent({ ...KEY, repository: "OCTO-ORG/API" })).toEqual(
        found(KEY, 5, { ts: "2.0" }),
      );
      await store.forgetParent({ ...KEY, repository: "Octo-Org/Api" });
      expect(await store.findParent(KEY)).toBeNull();
    });

    it("is shared by every instance and survives a restart", async () => {
      const writer = await ready();
      await writer.saveParent(parent(KEY, 0));
      const other = await ready();
      expect(await other.findParent(KEY)).toEqual(found(KEY, 0));
      await writer.close();
      const reopened = await ready();
      expect(await reopened.findParent(KEY)).toEqual(found(KEY, 0));
    });

    it("saves one key from many instances at once without an error, one save winning", async () => {
      const stores = [await ready(), await ready(), await ready()];
      const keys = Array.from({ length: 5 }, (_, i) => ({ ...KEY, number: 100 + i }));
      // Every key is new: each first save races others inserting the same row.
      const saves = keys.flatMap((key) =>
        Array.from({ length: 12 }, (_, n) =>
          stores[n % stores.length]!.saveParent(parent(key, n, { ts: `ts-${n}` })),
        ),
      );
      const outcomes = await Promise.allSettled(saves);
      expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
      for (const key of keys) {
        const winner = await stores[0]!.findParent(key);
        expect(winner?.ts).toMatch(/^ts-\d+$/);
        // The row is one save's, whole: its ts and updatedAt come from the same call.
        expect(winner?.updatedAt).toEqual(at(Number(winner?.ts.slice(3))));
      }
    });

    it("prunes parents not saved since the cut-off, keeps the rest, and counts them", async () => {
      const store = await ready();
      const key = (number: number): ThreadKey => ({ ...KEY, number });
      await store.saveParent(parent(key(1), 0)); // old
      await store.saveParent(parent(key(2), HOUR - 1)); // just before the cut-off
      await store.saveParent(parent(key(3), HOUR)); // at the cut-off: kept
      await store.saveParent(parent(key(4), 2 * HOUR)); // fresh
      await store.saveParent(parent(key(5), 0)); // old, but edited since:
      await store.saveParent(parent(key(5), 3 * HOUR, { state: "edited" }));

      expect(await store.prune(at(HOUR))).toEqual({
        deliveries: 0,
        threadParents: 2,
        ciConclusions: 0,
        lateLabels: 0,
        prHeads: 0,
        reviewStates: 0,
      });
      expect(await store.findParent(key(1))).toBeNull();
      expect(await store.findParent(key(2))).toBeNull();
      expect(await store.findParent(key(3))).toEqual(found(key(3), HOUR));
      expect(await store.findParent(key(4))).toEqual(found(key(4), 2 * HOUR));
      expect(await store.findParent(key(5))).toEqual(found(key(5), 3 * HOUR, { state: "edited" }));
      expect(await store.prune(at(HOUR))).toEqual({
        deliveries: 0,
        threadParents: 0,
        ciConclusions: 0,
        lateLabels: 0,
        prHeads: 0,
        reviewStates: 0,
      });
    });

    it("prunes deliveries and parents in one call, each counted", async () => {
      const store = await ready();
      await store.insertDelivery(incoming("old-skipped", { receivedAt: at(0) }));
      await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: HOUR, now: at(0) });
      await store.finishRouting({
        id: "old-skipped",
        owner: "w",
        notifications: [],
        reason: "quiet",
        now: at(0),
      });
      await store.saveParent(parent(KEY, 0));
      expect(await store.prune(at(HOUR))).toEqual({
        deliveries: 1,
        threadParents: 1,
        ciConclusions: 0,
        lateLabels: 0,
        prHeads: 0,
        reviewStates: 0,
      });
    });

    describe("refuses a malformed key or parent, naming what is wrong", () => {
      const badKeys: [string, ThreadKey, string][] = [
        ["no owner", { ...KEY, repository: "api" }, 'repository must be "owner/name", got "api"'],
        ["empty repository", { ...KEY, repository: "" }, 'repository must be "owner/name", got ""'],
        ["a path", { ...KEY, repository: "a/b/c" }, 'repository must be "owner/name", got "a/b/c"'],
        ["number 0", { ...KEY, number: 0 }, `${RANGE}, got 0`],
        ["a fraction", { ...KEY, number: 1.5 }, `${RANGE}, got 1.5`],
        ["NaN", { ...KEY, number: Number.NaN }, `${RANGE}, got NaN`],
        ["too large", { ...KEY, number: 2 ** 31 }, `${RANGE}, got 2147483648`],
        ["empty channel", { ...KEY, channel: " " }, "channel must be a non-empty string"],
      ];
      for (const [what, key, message] of badKeys) {
        it(`a key with ${what}`, async () => {
          const store = await ready();
          await expect(store.findParent(key)).rejects.toThrow(`thread parent: ${message}`);
          await expect(store.saveParent(parent(key, 0))).rejects.toThrow(
            `thread parent: ${message}`,
          );
          await expect(store.forgetParent(key)).rejects.toThrow(`thread parent: ${message}`);
        });
      }

      it("a parent without a Slack channel or ts, or with an invalid time", async () => {
        const store = await ready();
        await expect(store.saveParent(parent(KEY, 0, { slackChannel: "" }))).rejects.toThrow(
          "thread parent: slackChannel must be a non-empty string",
        );
        await expect(store.saveParent(parent(KEY, 0, { ts: "  " }))).rejects.toThrow(
          "thread parent: ts must be a non-empty string",
        );
        await expect(
          store.saveParent({ ...parent(KEY, 0), now: new Date(Number.NaN) }),
        ).rejects.toThrow("thread parent: now must be a valid Date");
        expect(await store.findParent(KEY)).toBeNull();
      });
    });

    it("is added to a store at the previous version, keeping what it holds", async () => {
      expect(MIGRATIONS.find((m) => m.version === THREAD_PARENTS_VERSION)?.name).toBe(
        "thread parents",
      );
      // The schema as the release before this one left it.
      const { backend, store } = ctx.unmigrated();
      await backend.db.transaction(async (tx) => {
        await backend.dialect.beforeMigrate(tx);
        await tx.run(schemaMigrationsTable(backend.dialect.kind));
        for (const migration of MIGRATIONS.filter((m) => m.version < THREAD_PARENTS_VERSION)) {
          for (const statement of migration[backend.dialect.kind]) await tx.run(statement);
          await tx.run(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, 0)",
            { version: migration.version, name: migration.name },
          );
        }
      });
      expect(await ctx.appliedVersions()).toEqual([1, 2, 3]);
      await seed(store);
      await expect(store.findParent(KEY)).rejects.toThrow(/thread_parents/);

      await store.migrate();
      expect(await ctx.appliedVersions()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await store.getDelivery("before-upgrade")).toMatchObject({
        id: "before-upgrade",
        status: "pending",
        receivedAt: at(7),
      });
      expect((await store.listMutes(at(0))).map((m) => m.target)).toEqual(["acme/api"]);
      expect(await store.getState("checkpoint")).toBe("2024-01-15T09:00:00Z");
      expect(await store.findParent(KEY)).toBeNull();
      await store.saveParent(parent(KEY, 0));
      expect(await store.findParent(KEY)).toEqual(found(KEY, 0));
    });
  });
}

/** Rows an older release wrote: a delivery, a mute, a checkpoint. */
async function seed(store: Store): Promise<void> {
  await store.insertDelivery(incoming("before-upgrade", { receivedAt: at(7) }));
  await store.putMute({
    target: "acme/api",
    kind: "repository",
    until: at(HOUR),
    reason: null,
    createdAt: at(0),
  });
  await store.setState("checkpoint", "2024-01-15T09:00:00Z");
}
