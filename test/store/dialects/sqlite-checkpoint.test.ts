/**
 * The SQLite store's own WAL checkpoints, on a real file: the WAL's pages reach the database
 * file in SQLite's order (WAL synced, pages copied, file synced), no writer of another
 * connection restarts the WAL before the file is synced, a failed WAL sync hands the work back
 * to SQLite, a failed sync of the database file keeps the WAL whole, closing waits for a
 * checkpoint in flight, and kept file handles are shared and closed by their last user.
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { composeStore } from "../../../src/store/create-store.js";
import { openSqlite, shareFile } from "../../../src/store/dialects/sqlite.js";
import { createFileSyncer } from "../../../src/store/dialects/sqlite-checkpoint.js";
import type { Store } from "../../../src/store/types.js";
import { incoming, sleep } from "../store-fixtures.js";

/**
 * The tests' real syncs, through kept handles as the store's own: opening and closing a
 * descriptor of the database file would drop the locks SQLite holds on it in this process.
 */
let files = createFileSyncer();
const syncFile = (file: string) => files.sync(file);

/** A sync that can be held for one file until the test lets it go. */
function watchedSyncs() {
  const order: string[] = [];
  let heldFile: string | null = null;
  let release: () => void = () => undefined;
  let reached: () => void = () => undefined;
  return {
    order,
    /** The next sync of `file` waits for `letGo()`; resolves once it is waiting. */
    hold(file: string): Promise<void> {
      heldFile = file;
      return new Promise<void>((resolve) => (reached = resolve));
    },
    letGo() {
      heldFile = null;
      release();
    },
    async sync(file: string) {
      if (file === heldFile) {
        const waiting = new Promise<void>((resolve) => (release = resolve));
        reached();
        await waiting;
      }
      await syncFile(file);
      order.push(file);
    },
  };
}

/** The WAL header's two salts: a restarted WAL gets new ones. */
function walSalts(path: string): string {
  return readFileSync(`${path}-wal`).subarray(16, 24).toString("hex");
}

/** Waits until `order` has not grown for 50 ms: the checkpoints after migrating are done. */
async function settled(order: string[]): Promise<void> {
  for (let seen = -1; seen !== order.length;) {
    seen = order.length;
    await sleep(50);
  }
}

/** Waits until `check()` holds, for up to 2 s. */
async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; !check() && tries < 400; tries++) await sleep(5);
  expect(check()).toBe(true);
}

describe("the SQLite store's WAL checkpoints", () => {
  let root = "";
  let path = "";
  let store: Store | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
    await files.close();
    files = createFileSyncer();
    await rm(root, { recursive: true, force: true });
  });

  async function open(params: {
    sync: (file: string) => Promise<void>;
    onCheckpointError?: (error: unknown, whatNow: string) => void;
  }) {
    root = await mkdtemp(join(tmpdir(), "notifier-ckpt-"));
    path = join(root, "notifier.db");
    const seen: string[] = [];
    const backend = openSqlite({
      path,
      checkpointEveryMs: 0,
      syncFile: async (file) => {
        await params.sync(file);
        seen.push(file);
      },
      ...(params.onCheckpointError ? { onCheckpointError: params.onCheckpointError } : {}),
    });
    store = composeStore(backend);
    await store.migrate();
    await settled(seen);
    return backend;
  }

  /** Whether the database file alone (its WAL left behind) holds the delivery, or the row `sql` asks for. */
  function inDatabaseFile(id: string, sql = "SELECT 1 FROM deliveries WHERE id = ?"): boolean {
    const copy = join(root, `copy-${id}.db`);
    copyFileSync(path, copy);
    const db = new Database(copy, { readonly: true });
    try {
      return db.prepare(sql).get(id) !== undefined;
    } finally {
      db.close();
    }
  }

  it("copies committed pages into the database file itself: the WAL synced before, the file after", async () => {
    const syncs = watchedSyncs();
    const backend = await open({ sync: syncs.sync });
    expect(backend.connection.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    syncs.order.length = 0;
    expect(await store!.insertDelivery(incoming("ckpt-1"))).toBe("stored");
    // SQLite alone would leave one small commit in the WAL (its checkpoint waits for 1,000 pages).
    await until(() => syncs.order.filter((file) => file === path).length === 2);
    const wal = `${path}-wal`;
    // The delivery's own sync, then the checkpoint's two passes (the bulk while commits go
    // on, then the rest under the store's lock): each the WAL, then the database file.
    expect(syncs.order).toEqual([wal, wal, path, wal, path]);
    expect(inDatabaseFile("ckpt-1")).toBe(true);
  });

  it("copies what single statements and claims wrote outside a transaction too", async () => {
    const syncs = watchedSyncs();
    const backend = await open({ sync: syncs.sync });
    syncs.order.length = 0;
    // The worker's drain writes mostly this way; with SQLite's own checkpoint off, a WAL that
    // only transactions checkpointed grew without end.
    await backend.db.run("INSERT INTO state (key, value) VALUES ('solo', '1')");
    await until(() => syncs.order.includes(path));
    expect(inDatabaseFile("solo", "SELECT 1 FROM state WHERE key = ?")).toBe(true);
    // A reading statement is not a write: nothing to copy, no checkpoint.
    syncs.order.length = 0;
    await backend.db.get("SELECT value FROM state WHERE key = 'solo'");
    await sleep(30);
    expect(syncs.order).toEqual([]);
  });

  it("lets no writer restart the WAL until the copied pages are synced in the database file", async () => {
    const syncs = watchedSyncs();
    await open({ sync: syncs.sync });
    expect(await store!.insertDelivery(incoming("ckpt-2"))).toBe("stored");
    await until(() => syncs.order.includes(path));
    // The next checkpoint copies, then waits in its sync of the database file (holding the
    // store's lock: the insert may wait for it).
    const held = syncs.hold(path);
    const inserted = store!.insertDelivery(incoming("ckpt-3"));
    await held;
    const before = walSalts(path);
    // Another connection (another process, to SQLite) writes while the file is not yet synced.
    // Every frame is copied, so without the guard's read transaction it would restart the WAL
    // and overwrite frames whose pages may not be on disk yet.
    const other = new Database(path);
    try {
      other.pragma("busy_timeout = 2000");
      other.prepare("INSERT INTO state (key, value) VALUES ('ckpt-test', '1')").run();
      expect(walSalts(path)).toBe(before);
    } finally {
      syncs.letGo();
      other.close();
    }
    expect(await inserted).toBe("stored");
    // Once synced, the WAL restarts at a later write: after a checkpoint that copied every
    // frame (the other connection's too) and ended, the next write starts the WAL over.
    await settled(syncs.order);
    expect(await store!.insertDelivery(incoming("ckpt-4"))).toBe("stored");
    await settled(syncs.order);
    expect(await store!.insertDelivery(incoming("ckpt-5"))).toBe("stored");
    expect(walSalts(path)).not.toBe(before);
  });

  it("hands the work back to SQLite's automatic checkpoint when the WAL cannot be synced, and says so once", async () => {
    const errors: [unknown, string][] = [];
    let failSync = false;
    const backend = await open({
      sync: async (file) => {
        if (failSync && file === `${path}-wal`) throw new Error("EIO: the disk said no");
        await syncFile(file);
      },
      onCheckpointError: (error, whatNow) => errors.push([error, whatNow]),
    });
    // The delivery's own sync fails too (its insert is refused): the checkpoint after the
    // next insert fails before it copies anything.
    expect(await store!.insertDelivery(incoming("ckpt-6"))).toBe("stored");
    failSync = true;
    await expect(store!.insertDelivery(incoming("ckpt-7"))).rejects.toThrow(/EIO/);
    await until(() => errors.length === 1);
    expect(String(errors[0]![0])).toContain("EIO");
    expect(errors[0]![1]).toContain("SQLite's automatic checkpoint");
    expect(backend.connection.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    // The store goes on; no second report.
    failSync = false;
    expect(await store!.insertDelivery(incoming("ckpt-8"))).toBe("stored");
    expect((await store!.getDelivery("ckpt-6"))?.id).toBe("ckpt-6");
    await sleep(20);
    expect(errors).toHaveLength(1);
  });

  it("keeps the WAL whole when the database file cannot be synced after a copy, and says so once", async () => {
    const errors: [unknown, string][] = [];
    let failSync = false;
    await open({
      sync: async (file) => {
        if (failSync && file === path) throw new Error("EIO: writeback failed");
        await syncFile(file);
      },
      onCheckpointError: (error, whatNow) => errors.push([error, whatNow]),
    });
    failSync = true;
    expect(await store!.insertDelivery(incoming("ckpt-9"))).toBe("stored");
    await until(() => errors.length === 1);
    expect(String(errors[0]![0])).toContain("EIO");
    expect(errors[0]![1]).toContain("the WAL is kept whole");
    // The pages copied may not be on disk: no writer, of this process or another, may start
    // the WAL over the frames that hold them. Without the held guard the next write would.
    const salts = walSalts(path);
    const other = new Database(path);
    try {
      other.pragma("busy_timeout = 2000");
      other.prepare("INSERT INTO state (key, value) VALUES ('after-eio', '1')").run();
    } finally {
      other.close();
    }
    failSync = false;
    expect(await store!.insertDelivery(incoming("ckpt-10"))).toBe("stored");
    await sleep(30);
    expect(await store!.insertDelivery(incoming("ckpt-11"))).toBe("stored");
    expect(walSalts(path)).toBe(salts);
    expect(errors).toHaveLength(1);
  });

  it("closes only after a checkpoint in flight has synced the database file", async () => {
    const syncs = watchedSyncs();
    await open({ sync: syncs.sync });
    const held = syncs.hold(path);
    expect(await store!.insertDelivery(incoming("ckpt-8"))).toBe("stored");
    await held;
    let closed = false;
    const closing = store!.close().then(() => (closed = true));
    store = null;
    await sleep(30);
    expect(closed).toBe(false);
    syncs.letGo();
    await closing;
    expect(syncs.order.at(-1)).toBe(path);
    // Closed in full: the last connection checkpointed and removed the WAL.
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(inDatabaseFile("ckpt-8")).toBe(true);
  });
});

describe("kept file handles", () => {
  it("syncs through one kept handle per file, and tries a file that could not be opened again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "notifier-sync-"));
    const syncer = createFileSyncer();
    try {
      const file = join(dir, "later.txt");
      await expect(syncer.sync(file)).rejects.toThrow(/ENOENT/);
      copyFileSync(new URL(import.meta.url).pathname, file);
      await syncer.sync(file);
      await syncer.sync(file);
    } finally {
      await syncer.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is shared by every store of the process on one file, and closed with the last of them", async () => {
    // Closing any descriptor of the database file drops the locks SQLite holds on it in this
    // process: one store closing must not close the handles another store still syncs through.
    const dir = await mkdtemp(join(tmpdir(), "notifier-sync-"));
    const file = join(dir, "kept.txt");
    copyFileSync(new URL(import.meta.url).pathname, file);
    const databaseFile = join(dir, "notifier.db");
    const first = shareFile(databaseFile);
    const second = shareFile(databaseFile);
    expect(second.files).toBe(first.files);
    expect(second.lock).toBe(first.lock);
    try {
      await first.files.keep(file);
      // Gone from the directory: only a kept, open handle can still sync it.
      await rm(file);
      await first.done();
      await second.files.sync(file);
    } finally {
      await second.done();
    }
    // Closed with the last: syncing opens the file afresh, and it is gone.
    await expect(second.files.sync(file)).rejects.toThrow(/ENOENT/);
    expect(shareFile(databaseFile).files).not.toBe(first.files);
    await rm(dir, { recursive: true, force: true });
  });
});
