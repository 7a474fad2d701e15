/**
 * Scale on paper: what one PostgreSQL can take, measured on this machine, and what one instance
 * of our app asks of it.
 *
 * - {@link measureCommits}: pgbench-style, N client connections each doing single-row INSERTs
 *   of a ~12 KB delivery into the app's own `deliveries` table (made by the built app's
 *   migrations), each in its own transaction, as the store's insert path writes them (the same
 *   columns, `ON CONFLICT DO NOTHING`, `pg_notify` per insert). Done in node with `pg` so it runs
 *   wherever the bench runs, `pgbench` installed or not.
 * - {@link pgSnapshot}: the database's commits and the cluster's WAL position and the server's
 *   CPU, read before and after a run of the app, so the bench can say what each delivery cost
 *   PostgreSQL.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { bodyFor, bodyTemplate } from "./payload.mjs";
import { postgresCpuSeconds, processCpuSeconds } from "./processes.mjs";
import { summarize } from "./stats.mjs";

/** The cluster's WAL syncs so far (`pg_stat_wal`, PostgreSQL 14+), or null. */
async function walSyncs(client) {
  try {
    const { rows } = await client.query("SELECT wal_sync::float8 AS syncs FROM pg_stat_wal");
    return rows[0]?.syncs ?? null;
  } catch {
    return null;
  }
}

/** Creates the app's tables in `store`'s schema with the built app's own migrations. */
export async function migrateLikeTheApp(store) {
  const { MIGRATIONS } = await import("../../lib/store/migrations.js");
  await store.query(`CREATE SCHEMA IF NOT EXISTS "${store.schema}"`);
  for (const migration of MIGRATIONS) {
    for (const statement of migration.postgres) await store.query(statement);
  }
}

/** Every row of every run its own id and body (the body hash is unique in `deliveries`). */
let sequence = 1_000_000;

const INSERT = `WITH inserted AS (
  INSERT INTO deliveries (id, event, action, installation_id, repository, payload, body_sha256, received_at, updated_at)
  VALUES ($1, 'issues', 'opened', 1, 'Codertocat/Hello-World', $2, $3, $4, $4)
  ON CONFLICT DO NOTHING RETURNING id
) SELECT id, pg_notify($5, '') AS announced FROM inserted`;

/**
 * `clients` connections, each inserting one ~12 KB delivery per transaction as fast as it can
 * for `seconds`. The store must have been migrated ({@link migrateLikeTheApp}).
 *
 * @example
 * const run = await measureCommits({ store, clients: 8, seconds: 3 });
 * run.commitsPerSec; run.latencyMs.p99; run.postgresCpuShare;
 */
export async function measureCommits({ store, clients, seconds }) {
  const template = bodyTemplate();
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client(store.clientConfig);
      await client.connect();
      return client;
    }),
  );
  const channel = `notifier_work_${store.schema}`;
  const latencies = [];
  let commits = 0;
  try {
    const syncsBefore = await walSyncs(connections[0]);
    const cpuBefore = postgresCpuSeconds();
    const startedAt = performance.now();
    const deadline = startedAt + seconds * 1000;
    await Promise.all(
      connections.map(async (client) => {
        while (performance.now() < deadline) {
          sequence += 1;
          const payload = bodyFor({ template, sequence });
          const hash = createHash("sha256").update(payload).digest("hex");
          const sentAt = performance.now();
          const result = await client.query({
            name: "bench_insert",
            text: INSERT,
            values: [`scale-${sequence}`, payload, hash, Date.now(), channel],
          });
          if (result.rowCount !== 1)
            throw new Error(`insert ${sequence} stored ${result.rowCount} rows`);
          latencies.push(performance.now() - sentAt);
          commits += 1;
        }
      }),
    );
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const cpuAfter = postgresCpuSeconds();
    const syncsAfter = await walSyncs(connections[0]);
    return {
      clients,
      seconds: wallSeconds,
      commits,
      commitsPerSec: commits / wallSeconds,
      /** WAL syncs (fsyncs) per second, the whole cluster's: group commit makes one cover several commits. */
      walSyncsPerSec:
        syncsBefore == null || syncsAfter == null ? null : (syncsAfter - syncsBefore) / wallSeconds,
      latencyMs: summarize(latencies),
      postgresCpuShare:
        cpuBefore == null || cpuAfter == null ? null : (cpuAfter - cpuBefore) / wallSeconds,
    };
  } finally {
    await Promise.all(connections.map((client) => client.end().catch(() => undefined)));
  }
}

/**
 * The database's commits so far (`pg_stat_database`: every client of the database counts, so
 * the bench gives the app a database of its own), the cluster's WAL position in bytes, the
 * server's CPU seconds (`postgresCpuSeconds`, every client counted) and, per backend connected
 * to this database, its CPU seconds (from `/proc`, when PostgreSQL runs on this machine). The
 * statistics are flushed by each backend within about a second: read the later snapshot after
 * the app has been idle a moment.
 *
 * @example
 * const before = await pgSnapshot(store); ... ; const after = await pgSnapshot(store);
 */
export async function pgSnapshot(store) {
  const client = new pg.Client(store.clientConfig);
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT xact_commit::float8 AS commits,
              pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS wal
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    const backends = await client.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    const backendCpu = new Map();
    for (const { pid } of backends.rows) {
      const cpu = processCpuSeconds(pid);
      if (cpu != null) backendCpu.set(pid, cpu);
    }
    return {
      commits: rows[0].commits,
      walBytes: rows[0].wal,
      walSyncs: await walSyncs(client),
      cpuSeconds: postgresCpuSeconds(),
      backendCpu: backends.rows.length > 0 && backendCpu.size === 0 ? null : backendCpu,
    };
  } finally {
    await client.end();
  }
}

/**
 * What PostgreSQL spent between two snapshots, per 1,000 of `deliveries`: commits, WAL, the CPU
 * of the backends serving this database (backends that closed in between are not counted; the
 * app's pool keeps its connections) and the whole server's CPU (every client counted).
 */
export function postgresCost({ before, after, deliveries, seconds }) {
  const per = (n) => (deliveries > 0 && n != null ? (1000 * n) / deliveries : null);
  const commits = after.commits - before.commits;
  const server =
    before.cpuSeconds == null || after.cpuSeconds == null
      ? null
      : after.cpuSeconds - before.cpuSeconds;
  let backends = null;
  if (before.backendCpu && after.backendCpu) {
    backends = 0;
    for (const [pid, cpu] of after.backendCpu) backends += cpu - (before.backendCpu.get(pid) ?? 0);
  }
  return {
    deliveries,
    seconds,
    commits,
    commitsPerSec: commits / seconds,
    commitsPerThousand: per(commits),
    walMiBPerThousand: per((after.walBytes - before.walBytes) / 2 ** 20),
    walSyncsPerThousand:
      before.walSyncs == null || after.walSyncs == null
        ? null
        : per(after.walSyncs - before.walSyncs),
    backendCpuSecondsPerThousand: per(backends),
    backendCpuShare: backends == null ? null : backends / seconds,
    serverCpuSecondsPerThousand: per(server),
    serverCpuShare: server == null ? null : server / seconds,
  };
}

/**
 * The model: how many instances like the measured one a PostgreSQL like this one carries at
 * full ingest, sustained (every delivery also routed and posted, so costs are end to end):
 * (1) the WAL syncs the sweep reached at its commit ceiling against the syncs one instance
 * needs per second (ingest rate x syncs per delivery): durable commits wait for these fsyncs;
 * (2) the cores against the PostgreSQL CPU one instance needs (ingest rate x backend CPU per
 * delivery). The lower bound wins. Transactions per delivery are reported, not used: read-only
 * ones count there but need no sync. `anchor` (two instances on one database) says whether the
 * per-delivery costs held when a second instance shared the database, which the linear model
 * assumes. Pure: figures in, figures out.
 *
 * @example
 * scaleModel({ sweep, one, two, postgresCores: 2 }).instances
 */
export function scaleModel({ sweep, one, two, postgresCores }) {
  const best = sweep.reduce(
    (top, run) => (run.commitsPerSec > (top?.commitsPerSec ?? 0) ? run : top),
    null,
  );
  // Where the curve flattens: the fewest clients that reach 90% of the best rate.
  const flat = sweep.find((run) => best && run.commitsPerSec >= 0.9 * best.commitsPerSec) ?? null;
  const syncCeiling = Math.max(0, ...sweep.map((run) => run.walSyncsPerSec ?? 0)) || null;
  const ingestRate = one?.requestsPerSec ?? null;
  const cost = one?.totalCost;
  const perDelivery = (perThousand) => (perThousand == null ? null : perThousand / 1000);
  const transactionsPerDelivery = perDelivery(cost?.commitsPerThousand);
  const syncsPerDelivery = perDelivery(cost?.walSyncsPerThousand);
  const cpuPerDelivery = perDelivery(cost?.backendCpuSecondsPerThousand);
  const times = (a, b) => (a == null || b == null ? null : a * b);
  const syncsPerInstance = times(ingestRate, syncsPerDelivery);
  const coresPerInstance = times(ingestRate, cpuPerDelivery);
  const bySyncs = syncCeiling && syncsPerInstance ? syncCeiling / syncsPerInstance : null;
  const byCpu = coresPerInstance ? postgresCores / coresPerInstance : null;
  const bounds = [bySyncs, byCpu].filter((n) => n != null);
  return {
    ceiling: best,
    flattensAt: flat,
    syncCeiling,
    ingestRate,
    transactionsPerDelivery,
    syncsPerDelivery,
    syncsPerInstance,
    cpuMsPerDelivery: cpuPerDelivery == null ? null : cpuPerDelivery * 1000,
    coresPerInstance,
    bySyncs,
    byCpu,
    postgresCores,
    drained: Boolean(one?.drained),
    instances: bounds.length ? Math.min(...bounds) : null,
    limitedBy:
      bounds.length === 0
        ? null
        : byCpu != null && byCpu <= (bySyncs ?? Infinity)
          ? "PostgreSQL CPU"
          : "WAL syncs",
    anchor:
      one && two
        ? {
            aggregateRatio: two.requestsPerSec / one.requestsPerSec,
            commitsPerThousand: [
              one.totalCost.commitsPerThousand,
              two.totalCost.commitsPerThousand,
            ],
            syncsPerThousand: [
              one.totalCost.walSyncsPerThousand,
              two.totalCost.walSyncsPerThousand,
            ],
            cpuPerThousand: [
              one.totalCost.backendCpuSecondsPerThousand,
              two.totalCost.backendCpuSecondsPerThousand,
            ],
          }
        : null,
  };
}
