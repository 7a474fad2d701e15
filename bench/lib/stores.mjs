/**
 * A fresh store per run, for the app to migrate and use: a SQLite file in a temporary directory
 * or a PostgreSQL schema (the tests' `test-postgres.ts`; `BENCH_PG_URL` or `TEST_DATABASE_URL`
 * chooses the server). After a run the bench reads the store directly to check that every
 * delivery answered 2xx was stored.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { importHelper } from "./typescript.mjs";

if (process.env.BENCH_PG_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_PG_URL;
const { testSchema, TEST_DATABASE_URL } = await importHelper("test-postgres.ts");

/** A fresh SQLite file; `statuses()` counts deliveries by status. */
export function freshSqlite(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `notifier-bench-${prefix}-`));
  const databaseUrl = join(dir, "notifier.db");
  const read = (work) => {
    const db = new Database(databaseUrl, { readonly: true, fileMustExist: true });
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    kind: "SQLite",
    databaseUrl,
    ids: async () => read((db) => db.prepare("SELECT id FROM deliveries").pluck().all()),
    statuses: () =>
      Object.fromEntries(
        read((db) =>
          db.prepare("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status").raw().all(),
        ),
      ),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh PostgreSQL schema, or null when no server answers within 3 s. */
export async function freshPostgres(prefix) {
  const probe = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    connectionTimeoutMillis: 3000,
  });
  try {
    await probe.connect();
    await probe.query("SELECT 1");
  } catch {
    return null;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const schema = testSchema(`bench_${prefix}`);
  return {
    kind: "PostgreSQL",
    databaseUrl: schema.databaseUrl,
    /** The schema's name, and a `pg` client configuration with it first on the search path. */
    schema: schema.name,
    clientConfig: { connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema.name}` },
    query: (sql, values) => schema.query(sql, values),
    ids: async () => (await schema.query("SELECT id FROM deliveries")).map((row) => row.id),
    dispose: () => schema.drop(),
  };
}

/**
 * A PostgreSQL database of its own (created on the server of {@link freshPostgres}, dropped by
 * `dispose`), so the server's per-database statistics count our app only; falls back to a fresh
 * schema in the shared database (`shared: true`) where the bench may not create databases. Null
 * when no server answers.
 */
export async function freshPostgresDatabase(prefix) {
  const probe = await freshPostgres(prefix);
  if (!probe) return null;
  const name = `notifier_bench_${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
  } catch {
    return { ...probe, shared: true };
  } finally {
    await admin.end().catch(() => undefined);
  }
  await probe.dispose();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on("error", () => undefined);
  return {
    kind: "PostgreSQL",
    shared: false,
    database: name,
    databaseUrl: url.toString(),
    schema: "public",
    clientConfig: { connectionString: url.toString() },
    query: async (sql, values) => (await pool.query(sql, values)).rows,
    ids: async () => (await pool.query("SELECT id FROM deliveries")).rows.map((row) => row.id),
    async dispose() {
      await pool.end();
      const drop = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await drop.connect();
      try {
        await drop.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await drop.end();
      }
    },
  };
}

/**
 * Whether every delivery answered 2xx is stored. The store may hold up to one extra delivery per
 * connection per phase: requests taken in as a phase ended, whose answers the load no longer
 * waited for.
 */
export function checkDurability({ ackedIds, storedIds, connections, phases }) {
  const stored = new Set(storedIds);
  const missing = ackedIds.filter((id) => !stored.has(id));
  const extra = stored.size - (ackedIds.length - missing.length);
  const allowedExtra = connections * phases;
  const ok = missing.length === 0 && extra <= allowedExtra;
  const text =
    `${ackedIds.length.toLocaleString("en-US")} answered 2xx, ${stored.size.toLocaleString("en-US")} stored, ` +
    (missing.length === 0
      ? "none missing"
      : `${missing.length} MISSING (e.g. ${missing.slice(0, 3).join(", ")})`) +
    (extra > allowedExtra ? `, ${extra} extra (more than ${allowedExtra} in flight)` : "");
  return {
    ok,
    answered: ackedIds.length,
    stored: stored.size,
    missing: missing.length,
    extra,
    text,
  };
}
