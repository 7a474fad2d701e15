/**
 * SQLite behind the store's `Db` port: one file, WAL journal, the synchronous better-sqlite3
 * driver. Several processes may share the file: write transactions take SQLite's write lock
 * up front (`BEGIN IMMEDIATE`). Inside one process a transaction stays open across `await`s,
 * so every statement and transaction on the file queues behind one in-process lock: another
 * caller's statement can never run inside someone else's open transaction, and two
 * connections of one process never wait on each other's SQLite lock (which would block the
 * thread both need).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import Database from "better-sqlite3";
import { claimableUnion } from "../claimable.js";
import {
  createCheckpointer,
  createFileSyncer,
  type FileSyncer,
  type SyncFile,
} from "./sqlite-checkpoint.js";
import type {
  Backend,
  BatchInsert,
  ClaimableQuery,
  ClaimWrite,
  Db,
  Dialect,
  SqlParams,
} from "../db.js";
import { createWorkListeners } from "../work-listeners.js";

/**
 * Least time between the store's own WAL checkpoints. Under the bench's ingest (about 4,000
 * deliveries a second) 100 ms is some 1,600 pages a checkpoint, the copy about as long as one of
 * SQLite's automatic ones; 250 ms measured a worse p99 (a longer copy on the event loop).
 */
const CHECKPOINT_EVERY_MS = 100;

/** Every tenant's payloads live in these files: owner only, whatever the umask. */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** The database file and the two SQLite keeps beside it in WAL mode. */
function databaseFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`];
}

/**
 * Creates the database's missing directories 0700 and the file itself 0600 before SQLite
 * opens it (SQLite would create it 0644 less the umask). A directory that already existed is
 * the operator's and keeps its mode (it may be `/tmp`); the files are made 0600 either way.
 */
function createPrivately(path: string): void {
  const dir = resolve(dirname(path));
  const firstCreated = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  if (firstCreated !== undefined) {
    // mkdir's mode is narrowed by the umask; chmod is not. Every directory created here is ours.
    const created = relative(firstCreated, dir).split(sep).filter(Boolean);
    let current = firstCreated;
    chmodSync(current, PRIVATE_DIR);
    for (const part of created) {
      current = resolve(current, part);
      chmodSync(current, PRIVATE_DIR);
    }
  }
  closeSync(openSync(path, "a", PRIVATE_FILE));
  chmodSync(path, PRIVATE_FILE);
}

/** A FIFO lock; `release` hands it straight to the next waiter. */
class Lock {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  get free(): boolean {
    return !this.held;
  }

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

/** What every store of this process open on one database file shares. */
interface SharedFile {
  /** One lock per file: see the top of this file. */
  lock: Lock;
  /**
   * The handles kept for `fdatasync`, one per file in the process: closing any descriptor of
   * the database file drops every POSIX lock this process holds on it, SQLite's included, so
   * they close with the last store on the file.
   */
  files: FileSyncer;
  users: number;
}
const sharedFiles = new Map<string, SharedFile>();

/**
 * The file's shared lock and kept handles; `done` once a store closes (the last closes the handles).
 *
 * @example
 * const { lock, files, done } = shareFile(resolve("./data/notifier.db"));
 */
export function shareFile(
  path: string | null,
): Omit<SharedFile, "users"> & { done: () => Promise<void> } {
  if (path === null)
    return { lock: new Lock(), files: createFileSyncer(), done: () => Promise.resolve() };
  let shared = sharedFiles.get(path);
  if (!shared) {
    shared = { lock: new Lock(), files: createFileSyncer(), users: 0 };
    sharedFiles.set(path, shared);
  }
  shared.users++;
  const mine = shared;
  return {
    lock: mine.lock,
    files: mine.files,
    done: async () => {
      if (--mine.users > 0) return;
      sharedFiles.delete(path);
      await mine.files.close();
    },
  };
}

/** better-sqlite3 binds strings, numbers and null; an array parameter travels as JSON. */
function bindable(params: SqlParams | undefined): Readonly<Record<string, unknown>> {
  if (!params) return {};
  // The common case (no array) binds the caller's object as it is: no copy per row.
  if (!Object.values(params).some(Array.isArray)) return params;
  const bound: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params))
    bound[name] = Array.isArray(value) ? JSON.stringify(value) : value;
  return bound;
}

/** SQLite runs the claim's branches one index range each; see `claimable.ts`. */
function claimableRows(query: ClaimableQuery): string {
  // One writer at a time: nothing to lock or skip.
  return claimableUnion(query, { lock: "", sqliteIndexes: true });
}

/** The SQLite side of the store: an open file and its dialect. */
export interface SqliteBackend extends Backend {
  /** The driver's connection, for tests that look at its pragmas. */
  readonly connection: Database.Database;
}

/**
 * Opens (creating its directory if needed) a SQLite database for the store. Call `migrate()`
 * on the store composed from it before use.
 *
 * @example
 * const store = composeStore(openSqlite({ path: "./data/notifier.db" }));
 */
export function openSqlite(params: {
  path: string;
  /**
   * Makes a file's written data durable (`fdatasync`, on libuv's thread pool); tests replace
   * it to watch or delay the sync. Called with the `-wal` file after each durable commit, and
   * with the `-wal` file and the database file by each checkpoint.
   */
  syncFile?: SyncFile;
  /** Least time between two of the store's own WAL checkpoints (default 100 ms); see `sqlite-checkpoint.ts`. */
  checkpointEveryMs?: number;
  /** Told once when a checkpoint fails, with what the store does from then on; default: ignored. */
  onCheckpointError?: (error: unknown, whatNow: string) => void;
}): SqliteBackend {
  const { path } = params;
  const onDisk = path !== ":memory:" && path !== "";
  const { lock, files, done } = shareFile(onDisk ? resolve(path) : null);
  const syncFile = params.syncFile ?? files.sync;
  if (onDisk) createPrivately(path);
  const connection = new Database(path);
  // busy_timeout first: switching to WAL needs a lock another process may hold.
  connection.pragma("busy_timeout = 5000");
  const walMode = connection.pragma("journal_mode = WAL", { simple: true }) === "wal";
  // SQLite gives -wal and -shm the database file's mode; files of an older run may be wider.
  if (onDisk)
    for (const file of databaseFiles(path)) if (existsSync(file)) chmodSync(file, PRIVATE_FILE);
  // In WAL mode NORMAL skips the fsync at commit: a power cut (not a process crash) may undo
  // the last commits. That is acceptable for the worker's bookkeeping, which at worst redoes a
  // step, but not for an acknowledged delivery: `durably` syncs the WAL file before it
  // resolves, which also makes every earlier commit durable. Group commit keeps it affordable.
  connection.pragma("synchronous = NORMAL");
  connection.pragma("foreign_keys = ON");
  // The driver's default page cache is 16 MiB, all of it the process's own memory (RSS), and
  // under ingest it fills with pages of bodies just written. 2 MiB holds the indexes' hot pages;
  // the rest is read from the kernel's page cache, which the kernel can reclaim (issue 12:
  // peak RSS 206 -> 192-199 MiB under the bench's ingest, throughput unchanged).
  connection.pragma("cache_size = -2000");

  const statements = new Map<string, Database.Statement<unknown[]>>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = connection.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  /**
   * A statement may have written to the file: tells the checkpointer (set below), which copies
   * the WAL into the database file soon after. Every write must, or the WAL grows without end
   * (a drain of single-statement writes once grew it to 3 GiB).
   */
  let wroteToFile: () => void = () => undefined;
  /** Runs one statement now; only ever called while holding `lock` (or finding it free). */
  const direct = {
    all: <R>(sql: string, p?: SqlParams) => {
      const statement = prepared(sql);
      const rows = statement.all(bindable(p)) as R[];
      if (!statement.readonly) wroteToFile();
      return rows;
    },
    get: <R>(sql: string, p?: SqlParams) => {
      const statement = prepared(sql);
      const row = statement.get(bindable(p)) as R | undefined;
      if (!statement.readonly) wroteToFile();
      return row;
    },
    run: (sql: string, p?: SqlParams) => {
      const changes = prepared(sql).run(bindable(p)).changes;
      if (changes > 0) wroteToFile();
      return changes;
    },
  };

  /** The open transaction's own view: its statements run at once, under the lock it holds. */
  const inTransaction: Db = {
    all: async (sql, p) => direct.all(sql, p),
    get: async (sql, p) => direct.get(sql, p),
    run: async (sql, p) => direct.run(sql, p),
    transaction: (fn) => fn(inTransaction),
    durably: (fn) => fn(inTransaction),
    bookkeeping: (fn) => fn(inTransaction),
  };

  /** Runs `fn` holding the lock, after whatever holds it now. */
  const exclusive = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    await lock.acquire();
    try {
      return await fn();
    } finally {
      lock.release();
    }
  };

  /** One statement: at once when nothing is open (synchronous code cannot interleave), else in turn. */
  const statement = <T>(fn: () => T): Promise<T> => {
    if (!lock.free) return exclusive(fn);
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };

  /**
   * How a durable commit reaches the disk. In WAL mode (a file on disk): the commit itself runs
   * as any other (NORMAL: its frames are written to the `-wal` file, not synced), then the WAL
   * file is synced on libuv's thread pool, and only then does the caller learn it committed.
   * That is what `synchronous = FULL` does in WAL mode (sync the WAL at each commit), but the
   * event loop is not blocked for the sync (1-3 ms a batch, measured under the ingest load:
   * see BENCHMARKS.md, issue 12), so requests keep being read and queued for the next batch.
   * Otherwise (not WAL, e.g. a filesystem without shared memory): `synchronous = FULL` on the
   * commit itself, set and reset while the lock is held. In memory there is nothing to sync.
   */
  const syncAfterCommit = onDisk && walMode;
  const walFile = `${resolve(path)}-wal`;
  // A file in WAL mode keeps its WAL short with checkpoints of its own, off the event loop
  // but for the page copy (SQLite's automatic checkpoint syncs twice inside a COMMIT).
  const checkpointer = syncAfterCommit
    ? createCheckpointer({
        connection,
        path: resolve(path),
        exclusive,
        syncFile,
        everyMs: params.checkpointEveryMs ?? CHECKPOINT_EVERY_MS,
        openGuard: () => {
          const guard = new Database(path, { readonly: true, fileMustExist: true });
          guard.pragma("busy_timeout = 5000");
          guard.pragma("cache_size = -64");
          return guard;
        },
        onError: params.onCheckpointError ?? (() => undefined),
      })
    : null;
  if (checkpointer) {
    wroteToFile = () => checkpointer.wrote();
    // The database file is opened now (it exists; the WAL may not yet), so the checkpoint's
    // sync after a copy cannot fail for want of a descriptor (EMFILE under load).
    if (!params.syncFile) void files.keep(resolve(path)).catch(() => undefined);
  }

  /** A write transaction under the lock; `durable` resolves only once the commit is on disk. */
  const transaction = async <T>(fn: (tx: Db) => Promise<T>, durable: boolean): Promise<T> => {
    const fullCommit = durable && onDisk && !syncAfterCommit;
    const result = await exclusive(async () => {
      if (fullCommit) connection.pragma("synchronous = FULL");
      try {
        connection.exec("BEGIN IMMEDIATE");
        try {
          const value = await fn(inTransaction);
          connection.exec("COMMIT");
          return value;
        } catch (error) {
          if (connection.inTransaction) connection.exec("ROLLBACK");
          throw error;
        }
      } finally {
        if (fullCommit) connection.pragma("synchronous = NORMAL");
      }
    });
    // After the lock is released: other statements (the worker's) run during the sync. The
    // WAL's handle is kept open (SQLite replaces or removes a WAL only when its last
    // connection closes, and ours is open); every commit written to it so far, this one
    // included, is then durable.
    try {
      if (durable && syncAfterCommit) await syncFile(walFile);
    } finally {
      // After the commit's own sync, so the checkpoint's sync of the WAL finds little to
      // write; committed whether or not that sync worked.
      wroteToFile();
    }
    return result;
  };

  const db: Db = {
    all: (sql, p) => statement(() => direct.all(sql, p)),
    get: (sql, p) => statement(() => direct.get(sql, p)),
    run: (sql, p) => statement(() => direct.run(sql, p)),
    transaction: (fn) => transaction(fn, false),
    durably: (fn) => transaction(fn, true),
    bookkeeping: (fn) => transaction(fn, false),
  };

  /** A claim's keys, then an update by key each: no promise a row, one write lock. */
  const claimNow = <R>(write: ClaimWrite, params: SqlParams): R[] => {
    const { key } = write;
    const keys = prepared(claimableRows(write.claimable)).all(bindable(params)) as Record<
      string,
      string
    >[];
    if (keys.length === 0) return [];
    const update = prepared(
      `UPDATE ${write.claimable.table} SET ${write.set}
      WHERE ${key.map((k) => `${k} = @claim_${k}`).join(" AND ")} RETURNING ${write.returning}`,
    );
    const claimed: R[] = [];
    for (const row of keys) {
      const bound: Record<string, unknown> = { ...bindable(params) };
      for (const k of key) bound[`claim_${k}`] = row[k];
      const returned = update.get(bound) as R | undefined;
      if (returned !== undefined) claimed.push(returned);
    }
    return claimed;
  };
  const claimInTransaction = connection.transaction(claimNow);

  const work = createWorkListeners();

  const dialect: Dialect = {
    kind: "sqlite",
    claimable: claimableRows,
    claim: <R>(on: Db, write: ClaimWrite, params: SqlParams): Promise<R[]> =>
      on === inTransaction
        ? Promise.resolve(claimNow<R>(write, params))
        : statement(() => {
            const claimed = claimInTransaction.immediate(write, params) as R[];
            if (claimed.length > 0) wroteToFile();
            return claimed;
          }),
    inList: (column, param) => `${column} IN (SELECT value FROM json_each(${param}))`,
    // Bookkeeping commits already wait for no sync of their own (synchronous = NORMAL).
    asyncCommit: "",
    forUpdate: "",
    async insertMany<R>(tx: Db, insert: BatchInsert): Promise<R[]> {
      const names = Object.keys(insert.columns);
      const sql = `INSERT INTO ${insert.table} (${names.join(", ")})
        VALUES (${names.map((n) => `@${n}`).join(", ")}) ${insert.onConflict} RETURNING ${insert.returning}`;
      // One prepared statement a row, inside the caller's transaction: no parameter limit to mind.
      // In this store's own transaction the rows go in synchronously, without a promise a row.
      const inserted: R[] = [];
      const returned = insert.returning.split(",").map((c) => c.trim());
      if (tx === inTransaction && returned.every((c) => c in insert.columns)) {
        // Returning only inserted columns: a plain insert tells whether the row went in, and
        // the values are the row's own (RETURNING costs SQLite a result row a row).
        const statement = prepared(sql.slice(0, sql.lastIndexOf(" RETURNING ")));
        for (const row of insert.rows) {
          if (statement.run(bindable(row)).changes === 0) continue;
          inserted.push(Object.fromEntries(returned.map((c) => [c, row[c] ?? null])) as R);
        }
      } else if (tx === inTransaction) {
        const statement = prepared(sql);
        for (const row of insert.rows) {
          const returned = statement.get(bindable(row)) as R | undefined;
          if (returned !== undefined) inserted.push(returned);
        }
      } else {
        for (const row of insert.rows) inserted.push(...(await tx.all<R>(sql, row)));
      }
      if (insert.announce && inserted.length > 0) work.emit();
      return inserted;
    },
    // The transaction holds the database's only write lock already.
    tryLock: async () => true,
    // In-process only: another process sharing the file finds work by polling. Listeners that
    // run at once still see the commit: their statements queue behind the open transaction.
    announce: async () => work.emit(),
    beforeMigrate: async () => undefined,
  };

  let closed = false;
  return {
    connection,
    db,
    dialect,
    onWork: (listener) => work.add(listener),
    async close() {
      if (closed) return;
      closed = true;
      work.clear();
      // A checkpoint in flight finishes (its database sync included) before anything closes.
      await checkpointer?.close();
      // Wait for a transaction in flight; nothing new starts on a closed connection.
      await exclusive(() => {
        statements.clear();
        connection.close();
      });
      await done();
    },
  };
}
