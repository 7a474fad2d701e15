#!/usr/bin/env node
/**
 * How the databases plan the queue's claims once history piles up (issue 12: a backlog drained
 * at ~25 deliveries/s on PostgreSQL). Seeds a fresh store with N delivered deliveries (each with
 * a `sent` message on channel `eng`) and N pending ones (each with a `queued` message there),
 * optionally R routed deliveries still waiting for their post (a `queued` message each), then
 * runs the store's own claim and count statements (captured as the store runs them, from src/,
 * no build needed): prints each one's plan (PostgreSQL: EXPLAIN (ANALYZE, BUFFERS) in a
 * transaction rolled back; SQLite: EXPLAIN QUERY PLAN) and the mean time of a real call.
 * Runs no load; the machine stays quiet.
 *
 *   node bench/claim-plan.mjs [--sqlite] [--rows 20000] [--routed 0] [--limit 10] [--calls 20] [--plans] [--keep]
 *
 * `--keep` leaves the PostgreSQL schema in place (its name is printed) to try statements in psql.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { importHelper } from "./lib/typescript.mjs";

const { values: args } = parseArgs({
  options: {
    sqlite: { type: "boolean", default: false },
    rows: { type: "string", default: "20000" },
    routed: { type: "string", default: "0" },
    limit: { type: "string", default: "10" },
    calls: { type: "string", default: "20" },
    plans: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const [rows, routed, limit, calls] = [args.rows, args.routed, args.limit, args.calls].map(Number);

const { testSchema } = await importHelper("test-postgres.ts");
const src = (file) => import(new URL(`../src/store/${file}`, import.meta.url).href);
const { composeStore, parsePostgresUrl } = await src("create-store.ts");
const { openPostgres, toPositional } = await src("dialects/postgres.ts");
const { openSqlite } = await src("dialects/sqlite.ts");

/** The statements the store ran, to explain them as they were sent. */
const ran = [];
let backend;
let dispose;
/** PostgreSQL: a connection of its own for EXPLAIN, on the store's schema. */
let explainClient;
if (args.sqlite) {
  const dir = mkdtempSync(join(tmpdir(), "claim-plan-"));
  backend = openSqlite({ path: join(dir, "notifier.db") });
  // SQLite's claim runs its SELECT on the connection, not through the `Db` port.
  const prepare = backend.connection.prepare.bind(backend.connection);
  backend.connection.prepare = (sql) => (ran.push({ sql }), prepare(sql));
  dispose = async () => rmSync(dir, { recursive: true, force: true });
} else {
  const schema = testSchema("claim_plan");
  backend = openPostgres(parsePostgresUrl(schema.databaseUrl));
  dispose = async () => {
    if (args.keep) console.log(`\nkept schema ${schema.name}`);
    else await schema.drop();
  };
  explainClient = {
    connectionString: schema.databaseUrl.replace(/\?.*$/, ""),
    options: `-c search_path=${schema.name}`,
  };
}
for (const method of ["all", "get", "run"]) {
  const original = backend.db[method];
  backend.db[method] = (sql, values) => (ran.push({ sql, values }), original(sql, values));
}
const store = composeStore(backend);

/** Plan lines of `sql` with `values`, without leaving a trace. */
async function explain(sql, values) {
  if (args.sqlite) {
    const plan = backend.connection.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(values);
    return plan.map((row) => row.detail);
  }
  const client = new pg.Client(explainClient);
  await client.connect();
  try {
    const { text, names } = toPositional(sql);
    await client.query("BEGIN");
    const plan = await client.query(
      `EXPLAIN (ANALYZE, BUFFERS) ${text}`,
      names.map((n) => values[n]),
    );
    await client.query("ROLLBACK");
    return plan.rows.map((r) => r["QUERY PLAN"]);
  } finally {
    await client.end();
  }
}

try {
  await store.migrate();
  const t0 = Date.UTC(2026, 11, 1);
  // Delivered history first, then the backlog, then routed deliveries waiting for a post.
  const series = `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < @total)`;
  // A 1 KB body and a 256-byte message: small enough that PostgreSQL's synchronized scans
  // (tables over a quarter of shared_buffers) do not start a scan where the last one stopped.
  const seed = {
    t0,
    rows,
    total: 2 * rows + routed,
    body: "x".repeat(1024),
    message: "m".repeat(256),
  };
  await backend.db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO deliveries (id, event, action, installation_id, repository, payload,
        received_at, updated_at, status)
      ${series} SELECT 'd-' || i, 'issues', 'opened', 1, 'o/r', @body, CAST(@t0 AS BIGINT) + i,
        CAST(@t0 AS BIGINT) + i, CASE WHEN i <= @rows THEN 'delivered'
        WHEN i <= 2 * @rows THEN 'pending' ELSE 'processing' END FROM s`,
      seed,
    );
    await tx.run(
      `INSERT INTO notifications (delivery_id, channel, status, message, created_at)
      ${series} SELECT 'd-' || i, 'eng', CASE WHEN i <= @rows THEN 'sent' ELSE 'queued' END,
        @message, CAST(@t0 AS BIGINT) + i FROM s`,
      seed,
    );
  });
  for (const table of ["deliveries", "notifications"]) await backend.db.run(`ANALYZE ${table}`);

  const now = new Date(t0 + 10 * 60_000 + 3 * rows);
  const values = { now: now.getTime(), limit, channel: "eng", cap: 1, owner: "bench", until: 0 };
  const operations = {
    claimDeliveries: () => store.claimDeliveries({ owner: "bench", limit, leaseMs: 60_000, now }),
    claimNotifications: () =>
      store.claimNotifications({ channel: "eng", owner: "bench", limit, leaseMs: 60_000, now }),
    "countWaiting (cap 1)": () => store.countWaiting({ channel: "eng", now, cap: 1 }),
    "countWaiting (cap 50)": () => store.countWaiting({ channel: "eng", now, cap: 50 }),
  };
  console.log(
    `${args.sqlite ? "SQLite" : "PostgreSQL"}: ${rows} delivered + ${rows} pending + ${routed} routed, claims of ${limit}`,
  );
  for (const [name, operation] of Object.entries(operations)) {
    ran.length = 0;
    await operation();
    // The claim's or count's own statement: the one that reads the claimable union.
    const statement = ran.findLast((r) => r.sql.includes("UNION ALL")) ?? ran.at(-1);
    const cap = name.includes("cap 50") ? 50 : 1;
    const lines = await explain(statement.sql, statement.values ?? { ...values, cap });
    const started = performance.now();
    for (let i = 0; i < calls; i++) await operation();
    const ms = (performance.now() - started) / calls;
    const removed = lines
      .map((l) => /Rows Removed by Filter: (\d+)/.exec(l)?.[1])
      .filter(Boolean)
      .map(Number);
    const reads = args.sqlite
      ? lines.filter((l) => /^(SCAN|SEARCH) (deliveries|notifications)\b/.test(l))
      : lines
          .map((l) => /(Seq Scan on \w+|using \w+)/.exec(l)?.[1]?.replace("using ", ""))
          .filter(Boolean);
    const executed = args.sqlite ? "" : ` ${lines.at(-1).trim()};`;
    console.log(
      `\n${name}: ${ms.toFixed(2)} ms per call (mean of ${calls});${executed}` +
        ` reads ${reads.join(", ")}` +
        (args.sqlite ? "" : `; rows removed by filter ${removed.join(" + ") || 0}`),
    );
    if (args.plans) console.log(lines.map((l) => `  ${l}`).join("\n"));
  }
} finally {
  await store.close();
  await dispose();
}
