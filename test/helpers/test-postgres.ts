/**
 * A real PostgreSQL for tests that run the app on it: a fresh schema per test in the shared
 * `test` database, dropped after. Same rule as the store's tests: without a reachable server
 * the tests are skipped and say so, except under CI, where that is a failure.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const HOW_TO_RUN =
  "Run them against a PostgreSQL at 127.0.0.1:5432 (user postgres, database test) or set TEST_DATABASE_URL.";

/**
 * Whether the PostgreSQL tests of `suite` can run: `true` when the server answers; `false`
 * (with a warning naming the suite) when it does not. Under CI an unreachable server throws.
 *
 * @example
 * const describeOnPostgres = (await postgresAvailable({ suite: "scale-out e2e" })) ? describe : describe.skip;
 */
export async function postgresAvailable(params: { suite: string }): Promise<boolean> {
  const client = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    connectionTimeoutMillis: 3000,
  });
  let unreachable: Error | null = null;
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    unreachable = error as Error;
  } finally {
    await client.end().catch(() => undefined);
  }
  if (unreachable === null) return true;
  const why = `${TEST_DATABASE_URL} is unreachable (${unreachable.message}). ${HOW_TO_RUN}`;
  if (process.env.CI) throw new Error(`${params.suite} cannot run under CI: ${why}`);
  console.warn(`\nSKIPPED: ${params.suite}, ${why}\n`);
  return false;
}

export interface TestSchema {
  name: string;
  /** `DATABASE_URL` for the app: the test database with `?schema=<name>`. */
  databaseUrl: string;
  /** Runs one query with the schema first on the search path. */
  query<T extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
  /** Drops the schema with everything in it and closes the test's connections. */
  drop(): Promise<void>;
}

/**
 * Names a fresh schema; the app's `migrate()` creates it.
 *
 * @example
 * const schema = testSchema("scale_out");
 * const app = await startApp({ env: { DATABASE_URL: schema.databaseUrl } });
 * await schema.query("SELECT status FROM deliveries");
 * await schema.drop();
 */
export function testSchema(prefix: string): TestSchema {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("schema", name);
  const pool = new pg.Pool({
    connectionString: TEST_DATABASE_URL,
    options: `-c search_path=${name}`,
    max: 2,
  });
  pool.on("error", () => {
    // An idle connection died; the next query reports real trouble.
  });
  return {
    name,
    databaseUrl: url.toString(),
    async query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) {
      return (await pool.query<T>(sql, values)).rows;
    },
    async drop() {
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}
