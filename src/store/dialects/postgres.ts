/**
 * PostgreSQL behind the store's `Db` port, for several instances sharing one database: claims
 * skip rows other transactions hold (`FOR UPDATE SKIP LOCKED`), a batch is one multi-row `VALUES`
 * statement, digests take advisory locks, and work is announced with NOTIFY. Tables live in
 * `schema` when given (its search_path), else `public`.
 */
import pg from "pg";
import { claimableUnion } from "../claimable.js";
import type {
  Backend,
  BatchInsert,
  ClaimableQuery,
  ClaimWrite,
  Db,
  Dialect,
  SqlParams,
} from "../db.js";
import { startListener, type NotifyListener } from "../postgres-listener.js";
import { createWorkListeners } from "../work-listeners.js";

export interface PostgresOptions {
  /** A `postgres://` URL without the `schema` option (see `parsePostgresUrl`). */
  connectionString: string;
  /** Schema holding the tables, created by `migrate()`; `null` for `public`. */
  schema: string | null;
  /** Pool size per instance. */
  poolMax?: number;
}

/** Positional SQL for a text with named parameters, and the name behind each `$n`. */
interface Compiled {
  text: string;
  names: string[];
}

const NAMED = /@([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Rewrites `@name` parameters to PostgreSQL's `$1, $2, ...` (one number per distinct name).
 *
 * @example
 * toPositional("SELECT @a, @b, @a") // => { text: "SELECT $1, $2, $1", names: ["a", "b"] }
 */
export function toPositional(sql: string): Compiled {
  const names: string[] = [];
  // A batch insert names thousands of parameters: a lookup, not a scan, per name.
  const numbers = new Map<string, number>();
  const text = sql.replace(NAMED, (_, name: string) => {
    let number = numbers.get(name);
    if (number === undefined) {
      number = names.push(name);
      numbers.set(name, number);
    }
    return `$${number}`;
  });
  return { text, names };
}

/**
 * Texts compiled and kept, at most, and the longest kept. The store's statements are a few
 * dozen, each under 2,000 characters; a batch insert's text differs with its number of rows
 * (up to 1,000 deliveries a batch: some 150 KB) and is compiled afresh each time (a lookup per
 * name, some 100 µs for the largest), so that batches of many sizes cannot fill the cache.
 */
const COMPILED_KEPT = 256;
const COMPILED_KEPT_LENGTH = 4_000;

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * In RETURNING: makes the commit of the statement's own transaction asynchronous (`SET LOCAL`
 * of that transaction) once it wrote a row; see `Dialect.asyncCommit`.
 */
const ASYNC_COMMIT = ", set_config('synchronous_commit', 'off', true) AS async_commit";

/** A `Db` over one pooled client (inside a transaction) or the pool (each statement on its own). */
function createDb(params: {
  on: pg.Pool | pg.PoolClient;
  compile: (sql: string) => Compiled;
  transaction: Db["transaction"];
  bookkeeping: Db["bookkeeping"];
}): Db {
  const query = async <R extends pg.QueryResultRow>(sql: string, values?: SqlParams) => {
    const { text, names } = params.compile(sql);
    const bound = names.map((name) => {
      const value = values?.[name];
      if (value === undefined) throw new Error(`SQL parameter @${name} has no value in: ${sql}`);
      return value;
    });
    return params.on.query<R>(text, bound);
  };
  const db: Db = {
    all: async <R>(sql: string, values?: SqlParams) =>
      (await query<pg.QueryResultRow>(sql, values)).rows as R[],
    get: async <R>(sql: string, values?: SqlParams) =>
      (await query<pg.QueryResultRow>(sql, values)).rows[0] as R | undefined,
    run: async (sql, values) => (await query(sql, values)).rowCount ?? 0,
    transaction: params.transaction,
    bookkeeping: params.bookkeeping,
    // Every commit is already synced (synchronous_commit = on).
    durably: (fn) => fn(db),
  };
  return db;
}

/** PostgreSQL locks the claimed rows and skips those another claimer holds; see `claimable.ts`. */
function claimableRows(query: ClaimableQuery): string {
  return claimableUnion(query, { lock: query.lock ? " FOR UPDATE SKIP LOCKED" : "" });
}

/**
 * Connects lazily to PostgreSQL. Call `migrate()` on the store composed from it before use.
 *
 * @example
 * const store = composeStore(openPostgres({ connectionString: "postgres://app@db/notifier", schema: null }));
 */
export function openPostgres(options: PostgresOptions): Backend {
  const { schema } = options;
  /** NOTIFY channel; per schema so isolated schemas in one database do not wake each other. */
  const channel = schema ? `notifier_work_${schema}` : "notifier_work";
  const clientConfig: pg.ClientConfig = {
    connectionString: options.connectionString,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolMax ?? 10 });
  pool.on("error", () => {
    // An idle connection died; the pool replaces it and the next query reports real trouble.
  });
  const compiled = new Map<string, Compiled>();
  const compile = (sql: string) => {
    let found = compiled.get(sql);
    if (!found) {
      found = toPositional(sql);
      if (compiled.size < COMPILED_KEPT && sql.length <= COMPILED_KEPT_LENGTH)
        compiled.set(sql, found);
    }
    return found;
  };

  /** A transaction; `begin` opens it (one round trip, with any `SET LOCAL` in the same text). */
  const run = async <T>(begin: string, fn: (tx: Db) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    const tx: Db = createDb({
      on: client,
      compile,
      transaction: (inner) => inner(tx),
      bookkeeping: (inner) => inner(tx),
    });
    try {
      await client.query(begin);
      const result = await fn(tx);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: Error) => {
        // The connection is unusable; the pool must not hand it out again.
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  };
  const db = createDb({
    on: pool,
    compile,
    transaction: (fn) => run("BEGIN", fn),
    // The worker redoes what a power cut undoes (leases): its commits need not wait for the sync.
    bookkeeping: (fn) => run("BEGIN; SET LOCAL synchronous_commit = off", fn),
  });

  const dialect: Dialect = {
    kind: "postgres",
    claimable: claimableRows,
    claim: <R>(on: Db, write: ClaimWrite, params: SqlParams): Promise<R[]> => {
      const key = write.key.join(", ");
      const keys = write.key.length === 1 ? key : `(${key})`;
      return on.all<R>(
        `UPDATE ${write.claimable.table} SET ${write.set}
        WHERE ${keys} IN (SELECT ${key} FROM (${claimableRows(write.claimable)}) AS claimable)
        RETURNING ${write.returning}${ASYNC_COMMIT}`,
        params,
      );
    },
    inList: (column, param) => `${column} = ANY(${param}::text[])`,
    asyncCommit: ASYNC_COMMIT,
    forUpdate: " FOR UPDATE",
    async insertMany<R>(on: Db, insert: BatchInsert): Promise<R[]> {
      if (insert.rows.length === 0) return [];
      const names = Object.keys(insert.columns);
      // One statement for the whole batch, one parameter per value: PostgreSQL takes each body
      // as it is. (Arrays through unnest made pg escape every quote of every JSON body into an
      // array literal, 8.5% of the app's CPU under ingest, and PostgreSQL parse it back.) The
      // text differs with the number of rows; past a few rows it is not kept (COMPILED_KEPT_LENGTH).
      // pg_notify runs per inserted row; PostgreSQL folds repeats within a transaction into one.
      const notify = insert.announce ? ", pg_notify(@work_channel, '') AS announced" : "";
      const values: Record<string, SqlParams[string]> = { work_channel: channel };
      const tuples = insert.rows.map((row, i) => {
        const cells = names.map((name, c) => {
          values[`v${i}_${c}`] = row[name] ?? null;
          return `@v${i}_${c}::${insert.columns[name]}`;
        });
        return `(${cells.join(", ")})`;
      });
      return on.all<R>(
        `WITH inserted AS (
          INSERT INTO ${insert.table} (${names.join(", ")})
          VALUES ${tuples.join(", ")}
          ${insert.onConflict} RETURNING ${insert.returning}
        ) SELECT *${notify} FROM inserted`,
        values,
      );
    },
    async tryLock(tx, [first, second]) {
      const lock = await tx.get<{ locked: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext(@first), hashtext(@second)) AS locked",
        { first: `${first}:${schema ?? "public"}`, second },
      );
      return lock?.locked === true;
    },
    // Delivered to listeners at commit, and only then.
    announce: async (on) => {
      await on.run("SELECT pg_notify(@work_channel, '')", { work_channel: channel });
    },
    async beforeMigrate(tx) {
      // Concurrent migrators queue here; the lock ends with the transaction.
      await tx.run("SELECT pg_advisory_xact_lock(hashtext(@name))", {
        name: `github-activity-notifier:migrate:${schema ?? "public"}`,
      });
      if (schema) await tx.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    },
  };

  const work = createWorkListeners();
  let listener: NotifyListener | null = null;
  let closed = false;

  return {
    db,
    dialect,
    onWork(onWork) {
      const remove = work.add(onWork);
      if (!listener && !closed) {
        listener = startListener({
          client: { ...clientConfig, application_name: `notifier-listener:${channel}` },
          channel,
          onNotify: work.emit,
        });
      }
      return () => {
        remove();
        if (work.size === 0 && listener) {
          void listener.stop();
          listener = null;
        }
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      work.clear();
      await listener?.stop();
      listener = null;
      await pool.end();
    },
  };
}
