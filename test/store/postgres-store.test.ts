/**
 * The contract on a real PostgreSQL, each test in a fresh schema of the shared `test`
 * database (dropped after). Set TEST_DATABASE_URL to use another server. Without a
 * reachable server the tests are skipped, except under CI, where that is a failure.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { composeStore, createStore, parsePostgresUrl } from "../../src/store/create-store.js";
import type { Db, SqlParams } from "../../src/store/db.js";
import { openPostgres, toPositional } from "../../src/store/dialects/postgres.js";
import { defineStoreContract } from "./store-contract.js";
import { at, eventually, incoming, type StoreFixture } from "./store-fixtures.js";

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function reachable(): Promise<Error | null> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one query as the test database's superuser, outside any store. */
async function admin<T extends pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

function withSchema(schema: string): string {
  const url = new URL(DATABASE_URL);
  url.searchParams.set("schema", schema);
  return url.toString();
}

async function postgresFixture(): Promise<StoreFixture> {
  const schema = `store_test_${randomBytes(6).toString("hex")}`;
  return {
    open: () => createStore(withSchema(schema)),
    openBackend: () => openPostgres(parsePostgresUrl(withSchema(schema))),
    appliedVersions: async () =>
      (
        await admin<{ version: number }>(
          `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
        )
      ).map((r) => r.version),
    tables: async () =>
      (
        await admin<{ table_name: string }>(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
          [schema],
        )
      ).map((r) => r.table_name),
    dispose: async () => {
      await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

describe("named parameters", () => {
  it("rewrites each distinct @name to one $n, in order of first use", () => {
    expect(toPositional("SELECT @a, @b_2 WHERE x = @a AND y = @B")).toEqual({
      text: "SELECT $1, $2 WHERE x = $1 AND y = $3",
      names: ["a", "b_2", "B"],
    });
    expect(toPositional("SELECT 1")).toEqual({ text: "SELECT 1", names: [] });
  });
});

const unreachable = await reachable();
const howToRun = `Run them against a PostgreSQL at 127.0.0.1:5432 (user postgres, database test) or set TEST_DATABASE_URL.`;

if (unreachable && process.env.CI) {
  throw new Error(
    `PostgreSQL store tests cannot run under CI: ${DATABASE_URL} is unreachable (${unreachable.message}). ${howToRun}`,
  );
}

if (unreachable) {
  console.warn(
    `\nSKIPPED: PostgreSQL store tests, ${DATABASE_URL} is unreachable (${unreachable.message}). ${howToRun}\n`,
  );
  describe.skip(`postgres store (skipped: ${DATABASE_URL} unreachable; ${howToRun})`, () => {
    it("contract", () => undefined);
  });
} else {
  defineStoreContract({
    name: "postgres",
    createFixture: postgresFixture,
    crossInstanceWork: true,
  });

  describe("postgres store specifics", () => {
    let cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const step of cleanup.reverse()) await step();
      cleanup = [];
    });

    it("reconnects its LISTEN connection when the server drops it", async () => {
      const schema = `store_test_${randomBytes(6).toString("hex")}`;
      const listening = composeStore(openPostgres(parsePostgresUrl(withSchema(schema))));
      const inserting = createStore(withSchema(schema));
      expect([listening.kind, inserting.kind]).toEqual(["postgres", "postgres"]);
      cleanup.push(
        () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined),
        () => listening.close(),
        () => inserting.close(),
      );
      await listening.migrate();
      let calls = 0;
      listening.onWork(() => calls++);
      await eventually({ what: "the LISTEN connection is up", check: () => calls > 0 });

      const killed = await admin<{ killed: boolean }>(
        "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1",
        [`notifier-listener:notifier_work_${schema}`],
      );
      expect(killed).toEqual([{ killed: true }]);
      const before = calls;
      await eventually({
        what: "a new LISTEN connection replaces the killed one",
        check: () => calls > before,
      });
      const reconnected = calls;
      let n = 0;
      await eventually({
        what: "an insert reaches the reconnected listener",
        act: () => inserting.insertDelivery(incoming(`after-reconnect-${n++}`)),
        check: () => calls > reconnected,
      });
    });

    it("stores bodies and queued messages lz4-compressed where the server has lz4, and the rows read back whole", async () => {
      const schema = `store_test_${randomBytes(6).toString("hex")}`;
      const store = createStore(withSchema(schema));
      cleanup.push(
        () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined),
        () => store.close(),
      );
      await store.migrate();
      const columns = await admin<{ column: string; compression: string }>(
        `SELECT c.relname || '.' || a.attname AS column, a.attcompression AS compression
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND (c.relname, a.attname) IN (('deliveries', 'payload'), ('notifications', 'message'))
         ORDER BY 1`,
        [schema],
      );
      // This machine's PostgreSQL (15, Debian's build) has lz4: 'l'.
      expect(columns).toEqual([
        { column: "deliveries.payload", compression: "l" },
        { column: "notifications.message", compression: "l" },
      ]);
      const big = incoming("lz4-1", {
        payload: JSON.stringify({ action: "opened", filler: "x".repeat(20_000) }),
      });
      expect(await store.insertDelivery(big)).toBe("stored");
      expect((await store.getDelivery("lz4-1"))?.payload).toBe(big.payload);
      const [stored] = await admin<{ method: string | null }>(
        `SELECT pg_column_compression(payload) AS method FROM "${schema}".deliveries WHERE id = 'lz4-1'`,
      );
      expect(stored).toEqual({ method: "lz4" });
    });

    it("claims the oldest free deliveries past those another transaction holds", async () => {
      // Each branch of the claim locks up to the limit skipping held rows, then the branches
      // are merged: candidates limited before locking would come back empty here.
      const schema = `store_test_${randomBytes(6).toString("hex")}`;
      const store = createStore(withSchema(schema));
      const holder = new pg.Client({ connectionString: DATABASE_URL });
      cleanup.push(
        () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined),
        () => store.close(),
        () => holder.end(),
      );
      await store.migrate();
      for (let i = 1; i <= 5; i += 1) {
        await store.insertDelivery(incoming(`held-${i}`, { receivedAt: at(i * 100) }));
      }
      await holder.connect();
      await holder.query("BEGIN");
      await holder.query(
        `SELECT id FROM "${schema}".deliveries WHERE id IN ('held-1', 'held-2') FOR UPDATE`,
      );
      const claimed = await store.claimDeliveries({
        owner: "w",
        limit: 2,
        leaseMs: 60_000,
        now: at(1000),
      });
      expect(claimed.map((d) => d.id)).toEqual(["held-3", "held-4"]);
      await holder.query("ROLLBACK");
      const rest = await store.claimDeliveries({
        owner: "w",
        limit: 10,
        leaseMs: 60_000,
        now: at(1000),
      });
      expect(rest.map((d) => d.id)).toEqual(["held-1", "held-2", "held-5"]);
    });

    /**
     * A migrated store on a schema of its own holding what a burst leaves: 5,000 routed
     * deliveries, each with a queued message on `default` created at `createdAt` (SQL of the
     * series' `i`), with the statistics of the empty tables when `analyzeFirst`. The store's
     * statements that `record` picks are kept, to explain them as they were sent.
     */
    async function afterBurst(params: {
      record: (sql: string) => boolean;
      createdAt: string;
      analyzeFirst?: boolean;
    }) {
      const schema = `store_test_${randomBytes(6).toString("hex")}`;
      const backend = openPostgres(parsePostgresUrl(withSchema(schema)));
      const statements: { sql: string; params: SqlParams }[] = [];
      const recording: Db = {
        ...backend.db,
        all: (sql, values) => {
          if (params.record(sql)) statements.push({ sql, params: values ?? {} });
          return backend.db.all(sql, values);
        },
      };
      const store = composeStore({ ...backend, db: recording });
      cleanup.push(
        () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined),
        () => store.close(),
      );
      await store.migrate();
      if (params.analyzeFirst)
        await admin(`ANALYZE "${schema}".notifications; ANALYZE "${schema}".deliveries`);
      await admin(
        `INSERT INTO "${schema}".deliveries (id, event, payload, received_at, updated_at, status)
         SELECT 'd' || i, 'issues', '{}', i, i, 'processing' FROM generate_series(1, 5000) AS i;
         INSERT INTO "${schema}".notifications (delivery_id, channel, message, created_at, status)
         SELECT 'd' || i, 'default', '{}', ${params.createdAt}, 'queued' FROM generate_series(1, 5000) AS i`,
      );
      /** The plan of the one statement recorded, as `explain` (e.g. `EXPLAIN (ANALYZE)`) prints it, rolled back. */
      const planOfRecorded = async (explain: string): Promise<string> => {
        expect(statements).toHaveLength(1);
        const { text, names } = toPositional(statements[0]!.sql);
        const values = names.map((name) => statements[0]!.params[name]);
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        try {
          await client.query(`SET search_path = "${schema}"`);
          await client.query("BEGIN");
          const plan = await client.query<{ "QUERY PLAN": string }>(`${explain} ${text}`, values);
          await client.query("ROLLBACK");
          return plan.rows.map((row) => row["QUERY PLAN"]).join("\n");
        } finally {
          await client.end();
        }
      };
      return { store, planOfRecorded };
    }

    it("looks for a channel's due digest through the digest rows' index, whatever the statistics", async () => {
      // After a burst the statistics are of an almost empty table: planned with the claimable
      // branches, the lookup read every queued row of the channel to find no digest key.
      const { store, planOfRecorded } = await afterBurst({
        record: (sql) => sql.includes("digest_key IS NOT NULL"),
        createdAt: "i",
      });
      expect(
        await store.claimDigest({
          channel: "default",
          owner: "w",
          leaseMs: 1_000,
          now: new Date(),
        }),
      ).toEqual([]);
      const plan = await planOfRecorded("EXPLAIN");
      expect(plan).toContain("notifications_digest_rows");
      expect(plan).not.toContain("notifications_queue");
    });

    it("claims a channel's next notification in index order, reading no more rows than it claims, whatever the statistics", async () => {
      // After a burst the statistics are of an almost empty table: with the tie on delivery_id
      // left to a sort, each claim of one read every queued row of the channel first.
      const { store, planOfRecorded } = await afterBurst({
        record: (sql) => sql.startsWith("UPDATE notifications"),
        // Statistics of the empty tables, as before a burst; then the burst's rows.
        analyzeFirst: true,
        // Ten rows a millisecond: ties for delivery_id to break.
        createdAt: "i / 10",
      });
      const claimed = await store.claimNotifications({
        channel: "default",
        owner: "w",
        limit: 1,
        leaseMs: 1_000,
        now: new Date(),
      });
      // created_at ties (ten rows a millisecond) are broken by delivery_id.
      expect(claimed.map((n) => n.deliveryId)).toEqual(["d1"]);
      const plan = await planOfRecorded("EXPLAIN (ANALYZE)");
      expect(plan).toContain("notifications_queue");
      // The queued branch's index scan stops after the rows it needs (1 claimed, at most a
      // few skipped), not after the channel's 4,999 other queued rows.
      const scanned = [
        ...plan.matchAll(/Index Scan using notifications_queue[^\n]*rows=(\d+)/g),
      ].map((m) => Number(m[1]));
      expect(scanned.length).toBeGreaterThan(0);
      expect(Math.max(...scanned)).toBeLessThan(10);
    });

    it("finds a thread parent by its primary key and prunes parents by the updated_at index", async () => {
      const schema = `store_test_${randomBytes(6).toString("hex")}`;
      const backend = openPostgres(parsePostgresUrl(withSchema(schema)));
      // The store's own statements, recorded on their way to the database.
      const statements: { sql: string; params: SqlParams }[] = [];
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
      cleanup.push(
        () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined),
        () => store.close(),
      );
      await store.migrate();
      statements.length = 0;
      await store.findParent({ repository: "acme/api", number: 7, channel: "default" });
      await store.prune(new Date());
      expect(statements).toHaveLength(2);
      // An empty table is cheapest to scan: ask whether the index serves, not whether it wins.
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        await client.query(`SET search_path = "${schema}"`);
        await client.query("SET enable_seqscan = off");
        const plans: string[] = [];
        for (const { sql, params } of statements) {
          const { text, names } = toPositional(sql);
          const rows = await client.query<{ "QUERY PLAN": string }>(
            `EXPLAIN ${text}`,
            names.map((name) => params[name]),
          );
          plans.push(rows.rows.map((row) => row["QUERY PLAN"]).join("\n"));
        }
        expect(plans[0]).toMatch(/Index Scan using thread_parents_pkey/);
        expect(plans[1]).toMatch(/thread_parents_updated/);
      } finally {
        await client.end();
      }
    });

    it("commits the worker's bookkeeping without waiting for its WAL sync, and nothing else", async () => {
      const schema = `store_test_${randomBytes(6).toString("hex")}`;
      // One connection: a SET LOCAL that outlived its transaction would show on the next statement.
      const backend = openPostgres({ ...parsePostgresUrl(withSchema(schema)), poolMax: 1 });
      const store = composeStore(backend);
      cleanup.push(
        () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined),
        () => store.close(),
      );
      await store.migrate();
      const setting = (db: Db) =>
        db
          .get<{ synchronous_commit: string }>("SHOW synchronous_commit")
          .then((r) => r?.synchronous_commit);
      const server = await setting(backend.db);
      expect(server).toBe("on");
      expect(await backend.db.bookkeeping(setting)).toBe("off");
      expect(await backend.db.transaction(setting)).toBe(server);
      expect(await backend.db.durably(setting)).toBe(server);
      expect(await setting(backend.db)).toBe(server);

      // A claim on its own sets it for its own transaction once it wrote a row.
      await store.insertDelivery(incoming("async-1"));
      const claimed = await backend.dialect.claim<{ id: string; async_commit: string }>(
        backend.db,
        {
          claimable: { table: "deliveries", columns: "id", limit: "1", lock: true },
          key: ["id"],
          set: "status = 'processing', lease_owner = 'w', lease_until = 0",
          returning: "id",
        },
        { now: Date.now() },
      );
      expect(claimed).toEqual([{ id: "async-1", async_commit: "off" }]);
      expect(await setting(backend.db)).toBe(server);
    });

    it("refuses a statement whose named parameter has no value, naming it", async () => {
      const backend = openPostgres(parsePostgresUrl(DATABASE_URL));
      cleanup.push(() => backend.close());
      await expect(
        backend.db.get("SELECT @present AS a, @missing AS b", { present: 1 }),
      ).rejects.toThrow(
        "SQL parameter @missing has no value in: SELECT @present AS a, @missing AS b",
      );
    });

    it("reads the schema option off the URL and refuses unsafe names", () => {
      expect(
        parsePostgresUrl("postgresql://u:p%40ss@db:5433/app?schema=run_1&sslmode=require"),
      ).toEqual({
        connectionString: "postgresql://u:p%40ss@db:5433/app?sslmode=require",
        schema: "run_1",
      });
      expect(parsePostgresUrl("postgres://u@db/app")).toEqual({
        connectionString: "postgres://u@db/app",
        schema: null,
      });
      expect(() =>
        parsePostgresUrl('postgres://u@db/app?schema=x";drop'),
      ).toThrowErrorMatchingInlineSnapshot(
        `[Error: DATABASE_URL: schema "x";drop" is not allowed; use 1-40 characters of a-z, 0-9 and _, not starting with a digit]`,
      );
    });
  });
}
