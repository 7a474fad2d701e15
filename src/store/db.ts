/**
 * The port every store operation is written against, once: a `Db` runs SQL text with named
 * parameters (`@name`), and a `Dialect` supplies the few fragments SQLite and PostgreSQL
 * really write differently (claims, row locks, batch inserts, array parameters, wake-ups).
 * `dialects/sqlite.ts` and `dialects/postgres.ts` implement both; the operation modules
 * (`deliveries.ts`, `notifications.ts`, ...) never ask which database they talk to.
 */

/** A value bound to a named parameter; an array is one parameter (see {@link Dialect.inList}). */
export type SqlValue = string | number | null | readonly (string | number | null)[];

/** Named parameters: `@name` in the SQL text takes `params.name`. */
export type SqlParams = Readonly<Record<string, SqlValue>>;

export interface Db {
  /** Every row the statement returns. */
  all<R>(sql: string, params?: SqlParams): Promise<R[]>;
  /** The first row, or `undefined`. */
  get<R>(sql: string, params?: SqlParams): Promise<R | undefined>;
  /** Runs a write; resolves with how many rows it changed. */
  run(sql: string, params?: SqlParams): Promise<number>;
  /**
   * Runs `fn` in one transaction that takes the write lock before its first statement
   * (SQLite `BEGIN IMMEDIATE`, serialised with every other statement of this process on the
   * file; PostgreSQL `BEGIN` on a connection of its own). Commits when `fn` resolves, rolls
   * back when it throws. Inside, use only `tx`. Nested calls join the open transaction.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Runs writes whose commit must be on disk before this resolves (an acknowledged delivery).
   * SQLite: one `transaction`, then (WAL mode) the `-wal` file synced off the event loop
   * before this resolves, so a batch costs one fsync and blocks no other request meanwhile.
   * PostgreSQL: every statement already commits durably; `fn` runs as is.
   */
  durably<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * A `transaction` of the worker's bookkeeping (ending a routing or a post, claiming a digest,
   * giving claims back): a power cut may undo its commit, and the worker then redoes the step
   * (the lease expires, the row is claimed again). PostgreSQL commits it with
   * `synchronous_commit = off` (no wait for its WAL sync; later commits stay in order after
   * it); SQLite runs `transaction`, whose commits already wait for no sync of their own.
   */
  bookkeeping<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
}

export type StoreKind = "sqlite" | "postgres";

/** A PostgreSQL array element type, for batch inserts. */
export type ColumnType = "text" | "bigint";

/** Rows to insert in one go; `rows[i]` holds one value per column name. */
export interface BatchInsert {
  table: string;
  /** Column names and their types. */
  columns: Readonly<Record<string, ColumnType>>;
  rows: readonly SqlParams[];
  /** What follows the rows, e.g. `ON CONFLICT DO NOTHING`. */
  onConflict: string;
  /** The columns to return of each inserted row. */
  returning: string;
  /** Wake every instance's `onWork` when a row was inserted (at commit). */
  announce: boolean;
}

/** The claimable rows of a table in the order a claim takes them; see `claimable.ts`. */
export interface ClaimableQuery {
  table: "deliveries" | "notifications";
  /** Columns to select; must include those of `orderBy`. */
  columns: string;
  /** More conditions, ANDed. */
  where?: string;
  orderBy?: string;
  /** A parameter (e.g. `@limit`) or number. */
  limit: string;
  /** Locks the rows for the surrounding write and skips those another claimer holds. */
  lock: boolean;
}

/** A claim: `set` applied to the rows a {@link ClaimableQuery} selects, each returned. */
export interface ClaimWrite {
  /** Which rows; its `columns` must include `key`. */
  claimable: ClaimableQuery;
  /** The columns that name one row, e.g. `["id"]` or `["delivery_id", "channel"]`. */
  key: readonly string[];
  /** The SET clause. */
  set: string;
  /** What to return of each claimed row. */
  returning: string;
}

/** The SQL each database writes its own way. Everything else is written once. */
export interface Dialect {
  readonly kind: StoreKind;
  /** A SELECT of the claimable rows: SQLite as a UNION ALL of index ranges, PostgreSQL with SKIP LOCKED. */
  claimable(query: ClaimableQuery): string;
  /**
   * Claims rows in one atomic step; resolves with the claimed rows in no particular order.
   * PostgreSQL: one `UPDATE ... WHERE key IN (claimable ... SKIP LOCKED)`. SQLite: the
   * claimable keys, then an update by key each, in one synchronous transaction (SQLite runs a
   * multi-row `UPDATE ... IN (subquery) RETURNING` markedly slower than that). A claim is
   * bookkeeping: on its own, it commits as {@link Dialect.asyncCommit} says (each row returned
   * may carry an extra `async_commit` column).
   */
  claim<R>(db: Db, write: ClaimWrite, params: SqlParams): Promise<R[]>;
  /** A condition: `column` is one of the array parameter `param` (`json_each` or `ANY`). */
  inList(column: string, param: string): string;
  /**
   * Appended to the RETURNING list of a bookkeeping write run on its own (a pacing turn): on
   * PostgreSQL `, set_config('synchronous_commit', 'off', true)`, evaluated for each row the
   * statement wrote, so a statement that wrote a row commits (its own transaction) without
   * waiting for its WAL sync. Empty on SQLite. In RETURNING, not WHERE: a volatile condition
   * next to a claim's `IN (... LIMIT ... SKIP LOCKED)` changes the plan, and the limit with it.
   */
  readonly asyncCommit: string;
  /** Appended to a read that a write in the same transaction depends on (`FOR UPDATE`, or nothing under SQLite's lock). */
  readonly forUpdate: string;
  /** Inserts rows (one prepared statement a row, or one multi-row `VALUES` statement); resolves with the returned rows. */
  insertMany<R>(db: Db, insert: BatchInsert): Promise<R[]>;
  /**
   * Takes a lock on `key` until the transaction ends, or answers false when another holds it
   * (a PostgreSQL advisory lock; always true under SQLite's write lock).
   */
  tryLock(tx: Db, key: readonly [string, string]): Promise<boolean>;
  /** Wakes every instance's `onWork` listeners (inside a transaction: at its commit). */
  announce(db: Db): Promise<void>;
  /** Runs first in the migration transaction: serialises concurrent migrators, creates the schema. */
  beforeMigrate(tx: Db): Promise<void>;
}

/** An open database: the port, its dialect, and the parts that are not SQL. */
export interface Backend {
  db: Db;
  dialect: Dialect;
  /** See `Store.onWork`. */
  onWork(listener: () => void): () => void;
  /** Closes the connections; idempotent. */
  close(): Promise<void>;
}
