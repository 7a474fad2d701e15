import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { composeStore, createStore } from "../../src/store/create-store.js";
import type { Db, SqlParams } from "../../src/store/db.js";
import { openSqlite } from "../../src/store/dialects/sqlite.js";
import { createFileSyncer } from "../../src/store/dialects/sqlite-checkpoint.js";
import { claimableUnion } from "../../src/store/claimable.js";
import { defineStoreContract } from "./store-contract.js";
import { incoming, sleep, type StoreFixture } from "./store-fixtures.js";

/** A fresh file in a directory that does not exist yet: the store must create it. */
async function sqliteFixture(): Promise<StoreFixture> {
  const root = await mkdtemp(join(tmpdir(), "notifier-store-"));
  const path = join(root, "data", "notifier.db");
  const read = <T>(sql: string): T[] => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  return {
    open: () => composeStore(openSqlite({ path })),
    openBackend: () => openSqlite({ path }),
    appliedVersions: async () =>
      read<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version").map(
        (r) => r.version,
      ),
    tables: async () =>
      read<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      ).map((r) => r.name),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

defineStoreContract({ name: "sqlite", createFixture: sqliteFixture, crossInstanceWork: false });

describe("sqlite store setup", () => {
  let cleanup: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await cleanup?.();
    cleanup = null;
  });

  it("creates the file's directory, runs in WAL mode, and syncs every delivery insert to disk", async () => {
    const root = await mkdtemp(join(tmpdir(), "notifier-store-"));
    const path = join(root, "a", "b", "notifier.db");
    // The WAL sync after a durable commit, watched: held open until the test lets it finish.
    const synced: string[] = [];
    let finishSync: () => void = () => undefined;
    let holdSync = false;
    const files = createFileSyncer();
    const backend = openSqlite({
      path,
      // Commits' syncs only: the store's own checkpoints (tested in sqlite-checkpoint.test.ts) wait.
      checkpointEveryMs: 60_000,
      syncFile: async (file) => {
        if (holdSync) await new Promise<void>((resolve) => (finishSync = resolve));
        await files.sync(file);
        synced.push(file);
      },
    });
    const store = composeStore(backend);
    cleanup = async () => {
      await store.close();
      await files.close();
      await rm(root, { recursive: true, force: true });
    };
    expect(store.kind).toBe("sqlite");
    await store.migrate();
    expect(existsSync(path)).toBe(true);
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
    // synchronous is per connection: ask the store's own. Every commit runs without an fsync
    // of its own (NORMAL); a delivery insert, which is acknowledged, resolves only once the WAL
    // file it was written to is synced (off the event loop).
    const internal = backend.connection;
    expect(internal.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    const levels: unknown[] = [];
    const exec = internal.exec.bind(internal);
    internal.exec = ((sql: string) => {
      if (sql === "BEGIN IMMEDIATE") levels.push(internal.pragma("synchronous", { simple: true }));
      return exec(sql);
    }) as typeof internal.exec;
    holdSync = true;
    let answered = false;
    const inserted = store.insertDelivery(incoming("durable-1")).then((outcome) => {
      answered = true;
      return outcome;
    });
    // Committed (another connection sees the row) but not yet synced: not answered yet.
    const reader = new Database(path, { readonly: true });
    const visible = () =>
      reader.prepare("SELECT 1 FROM deliveries WHERE id = 'durable-1'").get() !== undefined;
    for (let tries = 0; !visible() && tries < 200; tries++) await sleep(5);
    reader.close();
    await sleep(20);
    expect(answered).toBe(false);
    expect(synced).toEqual([]);
    holdSync = false;
    finishSync();
    expect(await inserted).toBe("stored");
    expect(synced).toEqual([`${path}-wal`]);
    await store.recordAttempt({
      deliveryId: "durable-1",
      channel: null,
      at: new Date(),
      outcome: "routed",
      detail: null,
    });
    await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: 1000, now: new Date() });
    await store.finishRouting({
      id: "durable-1",
      owner: "w",
      notifications: [],
      reason: "nothing to send",
      now: new Date(),
    });
    expect(levels).toEqual([1, 1]); // NORMAL for the insert and for the routing's transaction
    expect(synced).toHaveLength(1); // the routing's bookkeeping waits for no sync
    expect(internal.pragma("synchronous", { simple: true })).toBe(1);
  });

  // Every tenant's payloads are in these files: a umask of 022 must not make them world-readable.
  it("creates its directory 0700 and the database, -wal and -shm 0600 under umask 022", async () => {
    const root = await mkdtemp(join(tmpdir(), "notifier-store-"));
    const dataDir = join(root, "data", "nested");
    const path = join(dataDir, "notifier.db");
    const previous = process.umask(0o022);
    let store: ReturnType<typeof createStore>;
    try {
      store = createStore(path);
      await store.migrate();
      expect(await store.insertDelivery(incoming("private-1"))).toBe("stored");
    } finally {
      process.umask(previous);
    }
    cleanup = async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    };
    const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
    expect({
      parent: mode(join(root, "data")),
      dir: mode(dataDir),
      db: mode(path),
      wal: mode(`${path}-wal`),
      shm: mode(`${path}-shm`),
    }).toEqual({ parent: "700", dir: "700", db: "600", wal: "600", shm: "600" });
    // A directory that existed before is the operator's: its mode is left alone.
    expect(mode(root)).toBe("700"); // mkdtemp's own mode
  });

  it("narrows database files an older run left world-readable to 0600", async () => {
    const root = await mkdtemp(join(tmpdir(), "notifier-store-"));
    chmodSync(root, 0o755);
    const path = join(root, "notifier.db");
    // An older run's files, 0644, with a live WAL held open by another connection.
    const older = new Database(path);
    older.pragma("journal_mode = WAL");
    older.exec("CREATE TABLE t (x)");
    older.exec("INSERT INTO t VALUES (1)");
    for (const file of [path, `${path}-wal`, `${path}-shm`]) chmodSync(file, 0o644);
    writeFileSync(join(root, "unrelated.txt"), "x", { mode: 0o644 });
    const store = createStore(path);
    cleanup = async () => {
      older.close();
      await store.close();
      await rm(root, { recursive: true, force: true });
    };
    await store.migrate();
    const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
    expect([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual(["600", "600", "600"]);
    // Only the store's own files: the existing directory and its other files keep their modes.
    expect([mode(root), mode(join(root, "unrelated.txt"))]).toEqual(["755", "644"]);
  });

  it("finds a thread parent by its primary key and prunes parents by the updated_at index", async () => {
    const root = await mkdtemp(join(tmpdir(), "notifier-store-"));
    const path = join(root, "notifier.db");
    // The store's own statements, recorded on their way to the database.
    const statements: { sql: string; params: SqlParams }[] = [];
    const backend = openSqlite({ path });
    const record = (sql: string, params: SqlParams = {}) => {
      if (sql.includes("thread_parents")) statements.push({ sql, params });
    };
    const recording = (inner: Db): Db => ({
      ...inner,
      get: (sql, params) => (record(sql, params), inner.get(sql, params)),
      run: (sql, params) => (record(sql, params), inner.run(sql, params)),
      transaction: (fn) => inner.transaction((tx) => fn(recording(tx))),
    });
    const store = composeStore({ ...backend, db: recording(backend.db) });
    cleanup = async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    };
    await store.migrate();
    statements.length = 0;
    await store.findParent({ repository: "acme/api", number: 7, channel: "default" });
    await store.prune(new Date());
    expect(statements).toHaveLength(2);
    const reader = new Database(path, { readonly: true });
    const plans = statements.map(({ sql, params }) =>
      (reader.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
        .map((row) => row.detail)
        .join("; "),
    );
    reader.close();
    expect(plans).toEqual([
      "SEARCH thread_parents USING INDEX sqlite_autoindex_thread_parents_1 (repository=? AND item_number=? AND channel=?)",
      "SEARCH thread_parents USING INDEX thread_parents_updated (updated_at<?)",
    ]);
  });

  it("reads the expired-lease claim branch and the digest lookup through their own indexes", async () => {
    // Without statistics SQLite's planner walked deliveries_claim for the lease branch (every
    // processing row, routed ones included) and the channel's queued rows for the digest lookup.
    const root = await mkdtemp(join(tmpdir(), "notifier-store-"));
    const path = join(root, "notifier.db");
    const statements: { sql: string; params: SqlParams }[] = [];
    const backend = openSqlite({ path });
    const recording = (inner: Db): Db => ({
      ...inner,
      all: (sql, params) => {
        if (sql.includes("digest_key IS NOT NULL")) statements.push({ sql, params: params ?? {} });
        return inner.all(sql, params);
      },
    });
    const store = composeStore({ ...backend, db: recording(backend.db) });
    cleanup = async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    };
    await store.migrate();
    await store.claimDigest({ channel: "default", owner: "w", leaseMs: 1_000, now: new Date() });
    expect(statements).toHaveLength(1);
    const claim = claimableUnion(
      {
        table: "deliveries",
        columns: "id, received_at",
        orderBy: "received_at, id",
        limit: "@limit",
        lock: true,
      },
      { lock: "", sqliteIndexes: true },
    );
    const reader = new Database(path, { readonly: true });
    const plan = (sql: string, params: SqlParams) =>
      (reader.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
        .map((row) => row.detail)
        .filter((detail) => detail.startsWith("SEARCH") || detail.startsWith("SCAN"));
    const claimPlan = plan(claim, { now: 1, limit: 10 });
    const digestPlan = plan(statements[0]!.sql, statements[0]!.params);
    reader.close();
    expect(claimPlan).toContain("SEARCH deliveries USING INDEX deliveries_leased (lease_until<?)");
    expect(digestPlan[0]).toBe(
      "SEARCH notifications USING INDEX notifications_digest_rows (channel=? AND digest_key>?)",
    );
  });

  it("works in memory for throwaway use", async () => {
    const store = createStore(":memory:");
    cleanup = () => store.close();
    await store.migrate();
    expect(await store.insertDelivery(incoming("mem-1"))).toBe("stored");
    expect(await store.knownDeliveryIds(["mem-1", "mem-2"])).toEqual(new Set(["mem-1"]));
  });
});
