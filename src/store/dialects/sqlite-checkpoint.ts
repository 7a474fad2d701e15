/**
 * Keeping a SQLite file's write-ahead log short without blocking the event loop.
 *
 * SQLite's automatic checkpoint (every 1,000 WAL pages) runs inside the COMMIT that crosses the
 * mark, on the thread that commits: it syncs the WAL, copies its pages into the database file
 * and syncs that file, two `fsync`s on the event loop, several times a second under ingest
 * (a 12 KB delivery is four pages). Issue 12's profile put `exec` (BEGIN/COMMIT) at a fifth of
 * the receive CPU; turning the automatic checkpoint off gained 15-20% req/s, but an unbounded
 * WAL is not an option.
 *
 * Here the store's connection runs with `wal_autocheckpoint = 0` and checkpoints itself, in
 * SQLite's own order, with only the page copy on the event loop. A pass has four steps:
 *
 * 1. A second, read-only connection (the *guard*) opens a read transaction. Its snapshot marks
 *    the last frame the pass may copy, and while it is open no writer (of this process or
 *    another, the CLI say) can restart the WAL over frames it covers.
 * 2. The WAL is synced on libuv's thread pool: every frame up to the guard's mark is durable
 *    before any of it is copied (what SQLite's checkpoint does first).
 * 3. `PRAGMA wal_checkpoint(PASSIVE)` with `synchronous = OFF`: the pages up to the mark are
 *    copied into the database file without SQLite's own syncs.
 * 4. The database file is synced on the thread pool (what SQLite's checkpoint does last); then
 *    the guard ends its read transaction.
 *
 * A checkpoint is two passes. The first takes the store's in-process lock only to open the
 * guard's snapshot and to copy (the copy needs the connection with no transaction open), so
 * commits go on during its two syncs, appending beyond its mark. The second holds the lock
 * from start to end: it copies and syncs what came meanwhile (a few milliseconds of frames),
 * after which every frame is copied and durable and the next commit restarts the WAL from its
 * start. One pass under the lock throughout kept commits waiting 19 ms (p50) every 100 ms, the
 * largest share of ingest's p99 on SQLite; one pass without the lock never let the WAL restart
 * under load (it grew to 400-550 MiB in 8 s).
 *
 * A failed checkpoint hands the work back to SQLite's automatic checkpoint and reports the
 * error once; if the database file's sync failed after a copy, the guard also stays open for
 * the life of the process, so the WAL keeps those frames for SQLite's recovery.
 */
import { open, type FileHandle } from "node:fs/promises";
import type Database from "better-sqlite3";

/** Syncs a file's written data (`fdatasync`) on libuv's thread pool. */
export type SyncFile = (file: string) => Promise<void>;

/** What SQLite's own automatic checkpoint is set back to when ours fails (SQLite's default). */
const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

/** Handles kept open for `fdatasync`, one per file; see {@link createFileSyncer}. */
export interface FileSyncer {
  /** Opens `file` ahead, so a later sync never fails for want of a descriptor (EMFILE under load). */
  keep: (file: string) => Promise<void>;
  sync: SyncFile;
  /** Closes every handle (the store shares one syncer per file in the process: see sqlite.ts). */
  close: () => Promise<void>;
}

/**
 * File handles kept open for `fdatasync` (opening and closing a file at every sync was 3% of the
 * receive CPU). The store's connection keeps the WAL in use while it is open, and SQLite removes
 * or replaces a WAL only when its last connection closes, so a kept handle is the live file's.
 *
 * @example
 * const files = createFileSyncer();
 * await files.sync("/data/notifier.db-wal");
 * await files.close();
 */
export function createFileSyncer(): FileSyncer {
  const handles = new Map<string, Promise<FileHandle>>();
  const handleOf = (file: string): Promise<FileHandle> => {
    let handle = handles.get(file);
    if (!handle) {
      const opening = open(file, "r");
      handle = opening;
      handles.set(file, opening);
      // A file that cannot be opened is tried afresh next time.
      opening.catch(() => {
        if (handles.get(file) === opening) handles.delete(file);
      });
    }
    return handle;
  };
  return {
    async keep(file) {
      await handleOf(file);
    },
    async sync(file) {
      await (await handleOf(file)).datasync();
    },
    async close() {
      const open = [...handles.values()];
      handles.clear();
      await Promise.allSettled(open.map(async (handle) => (await handle).close()));
    },
  };
}

export interface Checkpointer {
  /**
   * A write transaction committed: checkpoint now if the last one started at least `everyMs`
   * ago and none is in flight, else as soon as that holds (a timer that keeps no process alive).
   */
  wrote(): void;
  /** Waits for a checkpoint in flight and closes the guard connection. */
  close(): Promise<void>;
}

/**
 * Turns SQLite's automatic checkpoint off on `connection` and checkpoints as described above.
 *
 * @example
 * const checkpointer = createCheckpointer({ connection, path, exclusive, syncFile, everyMs: 100, openGuard });
 * // after each write transaction:
 * checkpointer.wrote();
 */
export function createCheckpointer(params: {
  /** The store's connection (the only one of this process that writes the file). */
  connection: Database.Database;
  /** The database file; its WAL is `${path}-wal`. */
  path: string;
  /** Runs `fn` under the store's in-process lock, after whatever holds it now. */
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
  syncFile: SyncFile;
  /** Least time between two checkpoints' starts, in milliseconds (a checkpoint copies what came since). */
  everyMs: number;
  /** Opens the guard: a read-only connection to the same file. */
  openGuard: () => Database.Database;
  /** Told once, when a checkpoint fails: the error, and what the store does from then on. */
  onError: (error: unknown, whatNow: string) => void;
  /** Milliseconds; tests may move it. */
  nowMs?: () => number;
}): Checkpointer {
  const { connection, path, exclusive, syncFile, everyMs } = params;
  const nowMs = params.nowMs ?? Date.now;
  const walFile = `${path}-wal`;
  connection.pragma("wal_autocheckpoint = 0");
  let guard: Database.Database | null = null;
  // Any read of the schema opens the guard's read transaction (BEGIN alone is deferred).
  let beginRead: (() => void) | null = null;
  let lastStart = nowMs();
  let inFlight: Promise<void> | null = null;
  let failed = false;
  let closed = false;
  // A database sync failed after a copy: the guard is never released (see `pass`).
  let guardHeld = false;

  const guardConnection = (): { db: Database.Database; beginRead: () => void } => {
    if (!guard || !beginRead) {
      guard = params.openGuard();
      const read = guard.prepare("SELECT count(*) FROM sqlite_master");
      const db = guard;
      beginRead = () => {
        db.exec("BEGIN");
        read.get();
      };
    }
    return { db: guard, beginRead };
  };

  /** Copies the frames up to the guard's mark into the database file, SQLite's syncs left out. */
  const copy = () => {
    connection.pragma("synchronous = OFF");
    try {
      connection.pragma("wal_checkpoint(PASSIVE)");
    } finally {
      connection.pragma("synchronous = NORMAL");
    }
  };

  /**
   * One pass of the four steps; with `holdLock`, all under the store's lock, else only what
   * must be (opening the guard's snapshot, and the copy, which needs the connection with no
   * transaction open). Without the lock commits go on meanwhile, beyond the guard's mark.
   */
  const pass = async (holdLock: boolean): Promise<void> => {
    const { db: reader, beginRead: holdSnapshot } = guardConnection();
    const locked = <T>(fn: () => Promise<T>) => (holdLock ? fn() : exclusive(fn));
    let holding = false;
    let copied = false;
    try {
      await locked(async () => {
        holdSnapshot();
        holding = true;
      });
      await syncFile(walFile);
      await locked(async () => {
        copy();
        copied = true;
      });
      try {
        await syncFile(path);
      } catch (error) {
        // Pages are copied but maybe not on disk (and after a failed fsync the kernel may
        // have dropped them). The guard stays open for the life of the process: no writer
        // can restart the WAL, which still holds those frames for SQLite's recovery.
        if (copied) guardHeld = true;
        throw error;
      }
    } finally {
      if (holding && !guardHeld && reader.inTransaction) reader.exec("COMMIT");
    }
  };

  /** The two passes described above. */
  const checkpoint = async (): Promise<void> => {
    await pass(false);
    await exclusive(() => pass(true));
  };

  let dirty = false;
  let timer: NodeJS.Timeout | null = null;
  /** Starts a checkpoint if something was written and none ran within `everyMs`, else waits for that. */
  const schedule = (): void => {
    if (failed || closed || inFlight || timer || !dirty) return;
    const wait = lastStart + everyMs - nowMs();
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = null;
        schedule();
      }, wait);
      timer.unref();
      return;
    }
    dirty = false;
    lastStart = nowMs();
    inFlight = checkpoint()
      .catch((error: unknown) => {
        failed = true;
        try {
          // SQLite's own checkpoint (with its syncs, on the committing thread) takes over;
          // behind a held guard it copies nothing and the WAL grows until a restart.
          connection.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`);
          params.onError(
            error,
            guardHeld
              ? "the database file could not be synced after a checkpoint copied into it: the WAL is kept whole (it grows) so SQLite can recover those pages at the next start; check the disk and restart the app"
              : "SQLite's automatic checkpoint (inside commits) takes over",
          );
        } catch {
          // The connection is closing, or the report failed: nothing more to do here.
        }
      })
      .finally(() => {
        inFlight = null;
        // What was written meanwhile is copied by the next one.
        schedule();
      });
  };

  return {
    wrote() {
      dirty = true;
      schedule();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await inFlight;
      const open = guard;
      guard = null;
      beginRead = null;
      open?.close();
    },
  };
}
