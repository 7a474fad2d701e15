/**
 * A store backend that counts what the store asks of its database: statements, transactions,
 * and which of them write. A statement outside a transaction is a transaction of its own (on
 * PostgreSQL an autocommit; one that writes waits for its own WAL sync), so the write
 * transactions are what a delivery costs PostgreSQL's disk with `synchronous_commit = on`.
 * The dialect is wrapped too, so its fast paths still see the backend's own objects.
 */
import type { Backend, Db, Dialect, SqlParams } from "../../src/store/db.js";

/** One transaction the store ran: a block, or a statement on its own. */
export interface CountedTransaction {
  /** The first words of each statement, e.g. `UPDATE notifications`, `insertMany deliveries`. */
  statements: string[];
  /** Whether any statement changed a row (INSERT, UPDATE, DELETE, a claim that took one, a NOTIFY). */
  writes: boolean;
  /** Whether it is a `transaction`/`durably`/`bookkeeping` block (on PostgreSQL: BEGIN and COMMIT round trips too). */
  block: boolean;
  /**
   * Whether its commit is bookkeeping (a `bookkeeping` block, a claim, a statement with the
   * dialect's `asyncCommit`): on PostgreSQL it does not wait for a WAL sync.
   */
  bookkeeping: boolean;
  /**
   * Whether its commit, when it writes, waits for its WAL sync: SQLite syncs only `durably`
   * blocks; PostgreSQL (`synchronous_commit = on`) all but bookkeeping.
   */
  synced: boolean;
}

/** What was counted since the last {@link StoreCounter.reset}. */
export interface StoreCounts {
  transactions: number;
  /** Transactions that write. */
  writeTransactions: number;
  /** Transactions that write and wait for their commit's WAL sync (see {@link CountedTransaction.synced}). */
  syncedCommits: number;
  statements: number;
  /** Round trips to PostgreSQL: the statements, plus BEGIN and COMMIT of each block. */
  roundTrips: number;
  /** Every transaction in order, for a breakdown. */
  log: CountedTransaction[];
}

export interface StoreCounter {
  /** The backend to compose the store over. */
  backend: Backend;
  counts(): StoreCounts;
  reset(): void;
}

/**
 * Whether a write statement changed a row (a claim or an update that matched nothing writes
 * nothing: PostgreSQL assigns it no transaction id and syncs no commit for it).
 */
function changed(result: unknown): boolean {
  if (typeof result === "number") return result > 0;
  if (Array.isArray(result)) return result.length > 0;
  return result !== undefined;
}

const WRITE = /^\s*(?:WITH[\s\S]*?\b)?(INSERT|UPDATE|DELETE)\b|pg_notify/i;

function label(sql: string): string {
  return sql.trim().split(/\s+/).slice(0, 3).join(" ");
}

/**
 * Wraps `inner` so every statement and transaction of the store is counted.
 *
 * @example
 * const counter = countedBackend(openSqlite({ path: ":memory:" }));
 * const store = composeStore(counter.backend);
 * counter.reset(); await store.nextDueAt(); counter.counts().transactions; // 1
 */
export function countedBackend(inner: Backend): StoreCounter {
  let log: CountedTransaction[] = [];
  /** Wrapped transaction views to the backend's own, for the dialect's identity checks. */
  const real = new WeakMap<Db, Db>();
  const unwrap = (db: Db) => real.get(db) ?? db;
  const openOf = new WeakMap<Db, CountedTransaction | null>();
  const sqlite = inner.dialect.kind === "sqlite";

  const note = (
    open: CountedTransaction | null,
    what: string,
    writes: boolean,
    bookkeeping: boolean,
  ) => {
    if (open) {
      open.statements.push(what);
      open.writes ||= writes;
    } else {
      log.push({
        statements: [what],
        writes,
        block: false,
        bookkeeping,
        synced: !sqlite && !bookkeeping,
      });
    }
  };
  const async = (sql: string) =>
    inner.dialect.asyncCommit !== "" && sql.includes(inner.dialect.asyncCommit);

  const wrap = (db: Db, open: CountedTransaction | null): Db => {
    const statement =
      <T>(run: (sql: string, params?: SqlParams) => Promise<T>) =>
      async (sql: string, params?: SqlParams) => {
        const result = await run(sql, params);
        note(open, label(sql), WRITE.test(sql) && changed(result), async(sql));
        return result;
      };
    const block =
      (kind: "transaction" | "durably" | "bookkeeping") =>
      <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
        // A nested block joins the open transaction.
        if (open) return db[kind]((tx) => fn(wrap(tx, open)));
        const counted: CountedTransaction = {
          statements: [],
          writes: false,
          block: true,
          bookkeeping: kind === "bookkeeping",
          synced: sqlite ? kind === "durably" : kind !== "bookkeeping",
        };
        log.push(counted);
        return db[kind]((tx) => fn(wrap(tx, counted)));
      };
    const wrapped: Db = {
      all: statement((sql, params) => db.all(sql, params)),
      get: statement((sql, params) => db.get(sql, params)),
      run: statement((sql, params) => db.run(sql, params)),
      transaction: block("transaction"),
      durably: block("durably"),
      bookkeeping: block("bookkeeping"),
    };
    real.set(wrapped, db);
    openOf.set(wrapped, open);
    return wrapped;
  };

  const top = wrap(inner.db, null);
  /** The block a wrapped view belongs to (null: the top level, each statement on its own). */
  const openFor = (on: Db): CountedTransaction | null => openOf.get(on) ?? null;

  const dialect: Dialect = {
    ...inner.dialect,
    claim: async (on, write, params) => {
      const claimed = await inner.dialect.claim(unwrap(on), write, params);
      note(openFor(on), `claim ${write.claimable.table}`, claimed.length > 0, true);
      return claimed as never;
    },
    insertMany: async (on, insert) => {
      const inserted = await inner.dialect.insertMany(unwrap(on), insert);
      note(openFor(on), `insertMany ${insert.table}`, inserted.length > 0, false);
      return inserted as never;
    },
    tryLock: (tx, key) => {
      note(openFor(tx), "tryLock", false, false);
      return inner.dialect.tryLock(unwrap(tx), key);
    },
    announce: (on) => {
      note(openFor(on), "announce", true, false);
      return inner.dialect.announce(unwrap(on));
    },
    beforeMigrate: (tx) => inner.dialect.beforeMigrate(unwrap(tx)),
  };

  return {
    backend: { ...inner, db: top, dialect },
    counts() {
      const statements = log.reduce((n, t) => n + t.statements.length, 0);
      return {
        transactions: log.length,
        writeTransactions: log.filter((t) => t.writes).length,
        syncedCommits: log.filter((t) => t.writes && t.synced).length,
        statements,
        roundTrips: statements + 2 * log.filter((t) => t.block).length,
        log: [...log],
      };
    },
    reset() {
      log = [];
    },
  };
}
