#!/usr/bin/env node
/**
 * How PostgreSQL plans the queue's claims once history piles up (issue 12: a backlog drained
 * at ~25 deliveries/s). Seeds a fresh schema with N delivered deliveries (each with a `sent`
 * message on channel `eng`) and N pending ones (each with a `queued` message there), optionally
 * R routed deliveries still waiting for their post, then runs the store's own claim and count
 * statements (captured from the store as it runs them, from src/, no build needed): prints
 * each one's EXPLAIN (ANALYZE, BUFFERS), in a transaction rolled back, and the mean time of a
 * real call. Runs no load; the machine stays quiet.
 *
 *   node bench/claim-plan.mjs [--rows 20000] [--routed 0] [--limit 10] [--calls 20] [--plans] [--keep]
 *
 * `--keep` leaves the schema in place (its name is printed) to try statements by hand in psql.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { importHelper } from "./lib/typescript.mjs";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "20000" },
    routed: { type: "string", default: "0" },
    limit: { type: "string", default: "10" },
    calls: { type: "string", default: "20" },
    plans: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const rows = Number(args.rows);
const routed = Number(args.routed);
const limit = Number(args.limit);
const calls = Number(args.calls);

const { testSchema } = await importHelper("test-postgres.ts");
const src = (file) => import(new URL(`../src/store/${file}`, import.meta.url).href);
const { composeStore, parsePostgresUrl } = await src("create-store.ts");
const { openPostgres, toPositional } = await src("dialects/postgres.ts");

const schema = testSchema("claim_plan");
const backend = openPostgres(parsePostgresUrl(schema.databaseUrl));
/** The last statement the store ran, to explain it as it was sent. */
let last = null;
const { db } = backend;
for (const method of ["all", "get", "run"]) {
  const original = db[method];
  db[method] = (sql, values) => {
    last = { sql, values };
    return original(sql, values);
  };
}
const store = composeStore(backend);

try {
  await store.migrate();
  const t0 = Date.UTC(2026, 11, 1);
  // Delivered history first, then the backlog, then routed deliveries waiting for a post.
  await schema.query(
    `INSERT INTO deliveries (id, event, action, installation_id, repository, payload,
      received_at, updated_at, status, lease_owner)
    SELECT 'd-' || i, 'issues', 'opened', 1, 'o/r', repeat(md5(i::text), 32), $1::bigint + i, $1::bigint + i,
      CASE WHEN i <= $2 THEN 'delivered' WHEN i <= 2 * $2 THEN 'pending' ELSE 'processing' END,
      NULL
    FROM generate_series(1, 2 * $2 + $3) AS i`,
    [t0, rows, routed],
  );
  await schema.query(
    `INSERT INTO notifications (delivery_id, channel, status, message, created_at, sent_at)
    SELECT 'd-' || i, 'eng', CASE WHEN i <= $2 THEN 'sent' ELSE 'queued' END,
      repeat(md5(i::text), 8), $1::bigint + i, CASE WHEN i <= $2 THEN $1::bigint + i END
    FROM generate_series(1, 2 * $2 + $3) AS i`,
    [t0, rows, routed],
  );
  await schema.query("ANALYZE deliveries; ANALYZE notifications");

  const now = new Date(t0 + 10 * 60_000 + 3 * rows);
  const operations = {
    claimDeliveries: () => store.claimDeliveries({ owner: "bench", limit, leaseMs: 60_000, now }),
    claimNotifications: () =>
      store.claimNotifications({ channel: "eng", owner: "bench", limit, leaseMs: 60_000, now }),
    "countWaiting (cap 1)": () => store.countWaiting({ channel: "eng", now, cap: 1 }),
    "countWaiting (cap 50)": () => store.countWaiting({ channel: "eng", now, cap: 50 }),
  };
  const client = new pg.Client({
    connectionString: schema.databaseUrl.replace(/\?.*$/, ""),
    options: `-c search_path=${schema.name}`,
  });
  await client.connect();
  console.log(`${rows} delivered + ${rows} pending + ${routed} routed, claims of ${limit}`);
  try {
    for (const [name, operation] of Object.entries(operations)) {
      await operation();
      const { sql, values } = last;
      const { text, names } = toPositional(sql);
      await client.query("BEGIN");
      const plan = await client.query(
        `EXPLAIN (ANALYZE, BUFFERS) ${text}`,
        names.map((n) => values[n]),
      );
      await client.query("ROLLBACK");
      const lines = plan.rows.map((r) => r["QUERY PLAN"]);
      const started = performance.now();
      for (let i = 0; i < calls; i++) await operation();
      const ms = (performance.now() - started) / calls;
      const removed = lines
        .map((l) => /Rows Removed by Filter: (\d+)/.exec(l)?.[1])
        .filter(Boolean)
        .map(Number);
      const scans = lines
        .map((l) => /(Seq Scan on \w+|using \w+)/.exec(l)?.[1]?.replace("using ", ""))
        .filter(Boolean);
      console.log(
        `\n${name}: ${ms.toFixed(2)} ms per call (mean of ${calls}); ${lines.at(-1).trim()};` +
          ` reads ${scans.join(", ")}; rows removed by filter ${removed.join(" + ") || 0}`,
      );
      if (args.plans) console.log(lines.map((l) => `  ${l}`).join("\n"));
    }
  } finally {
    await client.end();
  }
} finally {
  await store.close();
  if (args.keep) console.log(`\nkept schema ${schema.name}`);
  else await schema.drop();
}
