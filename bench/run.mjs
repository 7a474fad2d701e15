#!/usr/bin/env node
/**
 * `npm run bench`: measures our built app against baselines measured in the same run and
 * prints every figure next to its baseline as a ratio. See BENCHMARKS.md.
 *
 *   BENCH_SECONDS=10 BENCH_WARMUP=2 BENCH_CONNECTIONS=50 BENCH_ACK_COUNT=200 BENCH_EVENTS=1000 BENCH_QUIET_WAIT=30 BENCH_RETRIES=1
 *   BENCH_SETTLE_SECONDS=30 BENCH_CONTAINER_MIB=256 BENCH_CONTAINER_NODE_ARGS= BENCH_SCALE_CLIENTS=1,2,4,8,16,32 BENCH_SCALE_SECONDS=3 BENCH_DRAIN_SECONDS=90
 *   node bench/run.mjs [--only ingest,ack,api,container,scale] [--json out.json] [--smoke]
 *
 * `--smoke` (CI, after the tests) runs every section for a few seconds per target and fails
 * unless the report printed every table and row; it judges no figure.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measureAckToSlack, measureRoundTrip } from "./lib/ack-latency.mjs";
import { measureApiCalls } from "./lib/api-calls.mjs";
import { createMemoryCgroup } from "./lib/cgroup.mjs";
import { startFakeGitHub } from "./lib/fake-github.mjs";
import { startFakeSlack } from "./lib/fake-slack.mjs";
import { startFakeSlackApi } from "./lib/fake-slack-api.mjs";
import { measureIngest } from "./lib/ingest.mjs";
import { BODY_BYTES } from "./lib/payload.mjs";
import {
  generateAppKey,
  machine,
  memoryMiB,
  pinSelf,
  sleep,
  waitForQuiet,
  waitForSettle,
} from "./lib/processes.mjs";
import { missingFromReport, renderReport, SECTIONS } from "./lib/report.mjs";
import {
  measureCommits,
  migrateLikeTheApp,
  pgSnapshot,
  postgresCost,
  scaleModel,
} from "./lib/scale.mjs";
import { fixed } from "./lib/stats.mjs";
import {
  checkDurability,
  freshPostgres,
  freshPostgresDatabase,
  freshSqlite,
} from "./lib/stores.mjs";
import { START_NODE_FLAGS, startBare, startOurApp, startProbotNoop } from "./lib/targets.mjs";

const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    json: { type: "string" },
    smoke: { type: "boolean", default: false },
  },
});
const sections = new Set((args.only ?? SECTIONS.join(",")).split(","));
for (const name of sections) {
  if (!SECTIONS.includes(name)) {
    console.error(`--only: unknown section "${name}" (known: ${SECTIONS.join(", ")})`);
    process.exit(2);
  }
}
/** The smoke's defaults: a few seconds per target, no waiting for a quiet machine. */
const defaults = args.smoke
  ? {
      seconds: 2,
      warmup: 1,
      connections: 10,
      ackCount: 20,
      events: 50,
      quietWait: 0,
      retries: 0,
      settle: 2,
      idle: 0.5,
      scaleClients: "1,8",
      scaleSeconds: 1,
      drain: 3,
    }
  : {
      seconds: 10,
      warmup: 2,
      connections: 50,
      ackCount: 200,
      events: 1000,
      quietWait: 30,
      retries: 1,
      settle: 30,
      idle: 2,
      scaleClients: "1,2,4,8,16,32",
      scaleSeconds: 3,
      drain: 90,
    };
const settings = {
  durationSeconds: Number(process.env.BENCH_SECONDS ?? defaults.seconds),
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? defaults.warmup),
  connections: Number(process.env.BENCH_CONNECTIONS ?? defaults.connections),
  ackCount: Number(process.env.BENCH_ACK_COUNT ?? defaults.ackCount),
  events: Number(process.env.BENCH_EVENTS ?? defaults.events),
  /** Longest wait for a quiet machine before each ingest run; 0 never waits. */
  quietWaitSeconds: Number(process.env.BENCH_QUIET_WAIT ?? defaults.quietWait),
  /** How many times an ingest run disturbed by other processes is measured again. */
  retries: Number(process.env.BENCH_RETRIES ?? defaults.retries),
  /** How long after the load our app's RSS is watched for settling back near its idle figure. */
  settleSeconds: Number(process.env.BENCH_SETTLE_SECONDS ?? defaults.settle),
  /** How long our app idles after start-up before its idle RSS is read. */
  idleSeconds: defaults.idle,
  /** The container's memory cap, and the Node flags the app runs with under it. */
  containerMiB: Number(process.env.BENCH_CONTAINER_MIB ?? 256),
  containerNodeArgs: (process.env.BENCH_CONTAINER_NODE_ARGS ?? "").split(" ").filter(Boolean),
  /** The pgbench-style sweep: client counts and seconds per count. */
  scaleClients: (process.env.BENCH_SCALE_CLIENTS ?? defaults.scaleClients).split(",").map(Number),
  scaleSeconds: Number(process.env.BENCH_SCALE_SECONDS ?? defaults.scaleSeconds),
  /** Longest wait, after a scale run's load, for the worker to post every stored delivery. */
  drainSeconds: Number(process.env.BENCH_DRAIN_SECONDS ?? defaults.drain),
};
/** "other CPU" above this share of a core marks an ingest run as disturbed by other processes. */
const NOISY_OTHER_CPU = 0.25;
/** Issue 12's targets, each a ratio to the do-nothing Probot app of the same run or a bound. */
const TARGETS = {
  memoryShareOfProbot: 1.3,
  ingestShareWithMemory: 0.8,
  settleShareOfIdle: 1.2,
  settleWithinSeconds: 30,
  p99ShareOfProbot: 1.25,
  postgresShareOfProbot: 0.6,
  ackP50Ms: 20,
  ackP99Ms: 100,
  containerMiB: settings.containerMiB,
};

pinSelf();
const startedAt = Date.now();
const scratch = mkdtempSync(join(tmpdir(), "notifier-bench-"));
const privateKey = generateAppKey();
const keyPath = join(scratch, "app.pem");
writeFileSync(keyPath, privateKey, { mode: 0o600 });
const slack = await startFakeSlack();
const slackUrl = `${slack.url}/services/T0/B0/bench`;
const results = {
  machine: machine(),
  settings,
  startNodeFlags: START_NODE_FLAGS,
  smoke: args.smoke,
  ingest: {},
  ack: null,
  api: null,
  container: null,
  scale: null,
  errors: [],
};

const log = (text) =>
  console.error(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${text}`);
log(
  `${results.machine.pinning}; each delivery its own ${BODY_BYTES}-byte body; SLACK_PACE=0, BURST_SUMMARY_AFTER=0; ours runs with npm start's Node flags: ${START_NODE_FLAGS.join(" ") || "none"}`,
);

/** Runs one section; a failure is reported in the table, the other sections still run. */
async function section(name, work) {
  try {
    return await work();
  } catch (error) {
    log(`${name} failed: ${error.stack ?? error}`);
    results.errors.push(
      `${name}: ${String(error.message ?? error)
        .split("\n")
        .slice(0, 6)
        .join(" | ")}`,
    );
    return null;
  }
}

/**
 * One ingest measurement, repeated (up to BENCH_RETRIES times) when other processes disturbed
 * it; `makeStore` gives each attempt a fresh store.
 */
async function ingestRun(params) {
  for (let attempt = 1; ; attempt += 1) {
    const result = await ingestOnce(params);
    const disturbed = params.judgeNoise !== false && result.otherCpuShare > NOISY_OTHER_CPU;
    if (!disturbed || attempt > settings.retries) return { ...result, attempts: attempt };
    log(
      `  disturbed (other processes used ${fixed(100 * result.otherCpuShare, 0)}% of a core); measuring again`,
    );
  }
}

async function ingestOnce(params) {
  if (settings.quietWaitSeconds > 0) {
    const busy = await waitForQuiet({ busyShare: 0.1, maxSeconds: settings.quietWaitSeconds });
    if (busy >= 0.1)
      log(
        `machine still ${fixed(100 * busy, 0)}% busy after ${settings.quietWaitSeconds} s; measuring anyway`,
      );
  }
  log(`ingest: ${params.label}`);
  const store = (await params.makeStore?.()) ?? null;
  const target = await params.start(store);
  try {
    let idleRssMiB = null;
    if (params.settle) {
      // Idle: started, migrated, nothing received yet.
      await sleep(settings.idleSeconds * 1000);
      idleRssMiB = memoryMiB(target.proc.pid).now;
    }
    const figures = await measureIngest({ target, ...settings });
    let settle = null;
    if (params.settle && idleRssMiB != null) {
      settle = await waitForSettle({
        pid: target.proc.pid,
        idleMiB: idleRssMiB,
        factor: TARGETS.settleShareOfIdle,
        maxSeconds: settings.settleSeconds,
        probeUrl: `${target.baseUrl}/healthz`,
      });
      // SQLite: how long the WAL grew (the store checkpoints it itself; an unchecked WAL once
      // grew to 3 GB while the backlog drained).
      const wal = store?.kind === "SQLite" ? `${store.databaseUrl}-wal` : null;
      settle.walMiB = wal && existsSync(wal) ? statSync(wal).size / 1024 / 1024 : null;
      log(
        `  RSS ${settle.settled ? "settled" : "did not settle"}: ${fixed(settle.rssMiB, 0)} MiB ${fixed(settle.seconds, 1)} s after the load (idle ${fixed(idleRssMiB, 0)} MiB); /healthz answered within ${fixed(settle.probeMaxMs, 0)} ms`,
      );
    }
    let durability = null;
    if (store) {
      // Requests taken in at the cut-off finish within moments; then count what was stored.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      durability = checkDurability({
        ackedIds: figures.ackedIds,
        storedIds: await store.ids(),
        connections: settings.connections,
        // Warm-up and measured run each end with requests in flight.
        phases: 2,
      });
      log(`  store check: ${durability.text}`);
    }
    delete figures.ackedIds;
    log(
      `  ${fixed(figures.measured.requestsPerSec, 0)} req/s, p99 ${fixed(figures.measured.latencyMs.p99)} ms, other CPU ${fixed(100 * figures.otherCpuShare, 0)}%`,
    );
    return {
      ...figures,
      connections: settings.connections,
      durability,
      idleRssMiB,
      settle,
    };
  } finally {
    await target.proc.stop();
    await store?.dispose();
    // Our app posted every delivery; the next run starts with an empty fake Slack.
    slack.reset();
  }
}

if (sections.has("ingest")) {
  const ours = (store) => startOurApp({ databaseUrl: store.databaseUrl, slackUrl });
  results.ingest.bare = await section("ingest (a) bare", () =>
    ingestRun({ label: "(a) bare node:http", start: startBare }),
  );
  results.ingest.probot = await section("ingest (b) probot", () =>
    ingestRun({ label: "(b) do-nothing Probot app", start: () => startProbotNoop({ privateKey }) }),
  );
  results.ingest.sqlite = await section("ingest (c) ours/sqlite", () =>
    ingestRun({
      label: "(c) ours, SQLite",
      makeStore: () => freshSqlite("ingest"),
      start: ours,
      settle: true,
    }),
  );
  results.ingest.postgres = await section("ingest (d) ours/postgres", async () => {
    const probe = await freshPostgres("probe");
    if (!probe) {
      log("skipped: no PostgreSQL");
      return { skipped: "skipped: no PostgreSQL" };
    }
    await probe.dispose();
    // PostgreSQL's own work counts as "other CPU" here, so it cannot tell a disturbed run.
    return ingestRun({
      label: "(d) ours, PostgreSQL",
      makeStore: () => freshPostgres("ingest"),
      start: ours,
      judgeNoise: false,
      settle: true,
    });
  });
}

/** One ack -> Slack measurement on a fresh store: webhook (`slack`) or bot channel (`api`). */
async function ackRun({ store, api }) {
  const app = await startOurApp({
    databaseUrl: store.databaseUrl,
    slackUrl: api ? null : slackUrl,
    extraEnv: api
      ? { SLACK_BOT_TOKEN: api.token, SLACK_CHANNEL_ID: api.channelId, SLACK_API_URL: api.url }
      : {},
  });
  try {
    return await measureAckToSlack({
      baseUrl: app.baseUrl,
      slack: api ? undefined : slack,
      api,
      count: settings.ackCount,
      warmup: 20,
    });
  } finally {
    await app.proc.stop();
    await store.dispose();
  }
}

if (sections.has("ack")) {
  results.ack = {};
  results.ack.sqlite = await section("ack -> Slack (SQLite)", async () => {
    log(`ack -> Slack: ${settings.ackCount} deliveries one at a time, SQLite, webhook`);
    return ackRun({ store: freshSqlite("ack") });
  });
  results.ack.postgres = await section("ack -> Slack (PostgreSQL)", async () => {
    const store = await freshPostgres("ack");
    if (!store) {
      log("ack -> Slack, PostgreSQL: skipped: no PostgreSQL");
      return { skipped: "skipped: no PostgreSQL" };
    }
    log(`ack -> Slack: ${settings.ackCount} deliveries one at a time, PostgreSQL, webhook`);
    return ackRun({ store });
  });
  results.ack.bot = await section("ack -> Slack (bot channel)", async () => {
    log(`ack -> Slack: ${settings.ackCount} deliveries one at a time, SQLite, bot channel`);
    const api = await startFakeSlackApi();
    try {
      return await ackRun({ store: freshSqlite("ack-bot"), api });
    } finally {
      await api.close();
    }
  });
  // Context for the acknowledgement itself: the do-nothing Probot app's round trip, same pace.
  results.ack.probotRoundTrip = await section("ack -> Slack (Probot round trip)", async () => {
    const probot = await startProbotNoop({ privateKey });
    try {
      return await measureRoundTrip({
        baseUrl: probot.baseUrl,
        count: settings.ackCount,
        warmup: 20,
      });
    } finally {
      await probot.proc.stop();
    }
  });
}

if (sections.has("container")) {
  results.container = await section("container", async () => {
    const limitBytes = settings.containerMiB * 2 ** 20;
    const cgroup = createMemoryCgroup({ limitBytes, name: `notifier-bench-${process.pid}` });
    if (cgroup.skipped) {
      log(`container: ${cgroup.skipped}`);
      return { skipped: cgroup.skipped };
    }
    log(`container: ours, SQLite, under the ingest load in a ${cgroup.description}`);
    const nodeArgs = settings.containerNodeArgs;
    const nodeView = cgroup.nodeView(nodeArgs);
    const store = freshSqlite("container");
    let app = null;
    try {
      app = await startOurApp({
        databaseUrl: store.databaseUrl,
        slackUrl,
        nodeArgs,
        cgroupProcs: cgroup.procsFile,
      });
      cgroup.startSampling(100);
      const figures = await measureIngest({ target: app, ...settings });
      await sleep(1_000);
      const alive = !app.proc.hasExited();
      const durability = checkDurability({
        ackedIds: figures.ackedIds,
        storedIds: await store.ids(),
        connections: settings.connections,
        phases: 2,
      });
      delete figures.ackedIds;
      const memory = cgroup.read();
      const exit = alive ? null : await app.proc.exited;
      log(
        `  ${fixed(figures.measured.requestsPerSec, 0)} req/s; cgroup peak ${fixed((memory.peakBytes ?? memory.sampledPeakBytes) / 2 ** 20, 0)} MiB; OOM kills ${memory.oomKills}; store check: ${durability.text}`,
      );
      return {
        ...figures,
        version: cgroup.version,
        description: cgroup.description,
        limitMiB: settings.containerMiB,
        nodeArgs,
        nodeView,
        alive,
        exit,
        memory,
        durability,
        appStderr: alive ? null : app.proc.stderr().slice(-800),
      };
    } finally {
      await app?.proc.stop();
      await store.dispose();
      slack.reset();
      await cgroup.dispose();
    }
  });
}

/** Our app on PostgreSQL (`instances` of it on one schema) under the ingest load, with what PostgreSQL spent. */
async function scaleRun({ instances }) {
  const store = await freshPostgresDatabase("scale");
  const apps = [];
  try {
    for (let i = 0; i < instances; i += 1)
      apps.push(await startOurApp({ databaseUrl: store.databaseUrl, slackUrl }));
    await sleep(1_000);
    const before = await pgSnapshot(store);
    const startedAt = performance.now();
    const figures = await measureIngest({
      targets: apps,
      ...settings,
      connections: settings.connections,
    });
    // Each backend flushes its statistics within about a second of going idle.
    const atLoadEnd = performance.now();
    await sleep(1_500);
    const afterIngest = await pgSnapshot(store);
    const stored = (await store.ids()).length;
    const ingestCost = postgresCost({
      before,
      after: afterIngest,
      deliveries: stored,
      seconds: (atLoadEnd - startedAt) / 1000,
    });
    // Then the worker posts the backlog; what PostgreSQL spent until every delivery was posted.
    let drained = true;
    try {
      await slack.waitForAccepted(stored, settings.drainSeconds * 1000);
    } catch {
      drained = false;
    }
    const posted = slack.accepted().length;
    await sleep(1_500);
    const afterDrain = await pgSnapshot(store);
    const totalCost = postgresCost({
      before,
      after: afterDrain,
      // Every stored delivery's ingest is in the figures; divided by the posted ones only, an
      // undrained backlog made each delivery look as costly as many (the model then said 0.0).
      deliveries: stored,
      seconds: (performance.now() - startedAt) / 1000,
    });
    delete figures.ackedIds;
    log(
      `  ${instances} instance(s): ${fixed(figures.measured.requestsPerSec, 0)} req/s; ${fixed(ingestCost.commitsPerThousand, 0)} commits per 1,000 deliveries; ${drained ? "drained" : `not drained: ${posted} of ${stored} posted`}`,
    );
    return {
      instances,
      sharedDatabase: store.shared,
      requestsPerSec: figures.measured.requestsPerSec,
      latencyMs: figures.measured.latencyMs,
      non2xx: figures.warmup.non2xx + figures.measured.non2xx,
      perInstance: figures.instances,
      otherCpuShare: figures.otherCpuShare,
      stored,
      posted,
      drained,
      ingestCost,
      totalCost,
    };
  } finally {
    for (const app of apps) await app.proc.stop();
    await store.dispose();
    slack.reset();
  }
}

if (sections.has("scale")) {
  results.scale = await section("scale", async () => {
    const probe = await freshPostgresDatabase("sweep");
    if (!probe) {
      log("scale: skipped: no PostgreSQL");
      return { skipped: "skipped: no PostgreSQL" };
    }
    const sweep = [];
    try {
      await migrateLikeTheApp(probe);
      for (const clients of settings.scaleClients) {
        log(
          `scale: ${clients} client(s), single-row ~12 KB INSERT per transaction, ${settings.scaleSeconds} s`,
        );
        const run = await measureCommits({ store: probe, clients, seconds: settings.scaleSeconds });
        log(`  ${fixed(run.commitsPerSec, 0)} commits/s, p99 ${fixed(run.latencyMs.p99)} ms`);
        sweep.push(run);
      }
    } finally {
      await probe.dispose();
    }
    log(`scale: one instance of ours on PostgreSQL, ${settings.connections} connections`);
    const one = await scaleRun({ instances: 1 });
    log(
      `scale: two instances of ours on one PostgreSQL schema, ${settings.connections} connections split`,
    );
    const two = await scaleRun({ instances: 2 });
    // PostgreSQL is not pinned: it has every core of the machine.
    return {
      sweep,
      one,
      two,
      model: scaleModel({ sweep, one, two, postgresCores: results.machine.cores }),
    };
  });
}

if (sections.has("api")) {
  results.api = await section("GitHub API calls", async () => {
    log(`GitHub API calls: ${settings.events} events for one repository`);
    const github = await startFakeGitHub({ owner: "Codertocat", repo: "Hello-World" });
    const store = freshSqlite("api");
    const app = await startOurApp({
      databaseUrl: store.databaseUrl,
      slackUrl,
      extraEnv: {
        APP_ID: "1",
        PRIVATE_KEY_PATH: keyPath,
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
      },
    });
    try {
      const figures = await measureApiCalls({
        baseUrl: app.baseUrl,
        slack,
        github,
        events: settings.events,
      });
      figures.statuses = store.statuses();
      figures.appLog = app.proc.stdout().split("\n").filter(Boolean).slice(0, 5);
      return figures;
    } finally {
      await app.proc.stop();
      await store.dispose();
      await github.close();
    }
  });
}

await slack.close();
rmSync(scratch, { recursive: true, force: true });
results.seconds = (Date.now() - startedAt) / 1000;
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
const report = renderReport({
  results,
  sections,
  bodyBytes: BODY_BYTES,
  targets: TARGETS,
  noisyOtherCpu: NOISY_OTHER_CPU,
});
console.log(report);
if (args.smoke) {
  // Without PostgreSQL the (d) row may say skipped, except under CI, where it must run.
  const missing = missingFromReport({
    report,
    sections,
    skippedPostgresAllowed: !process.env.CI,
  });
  if (missing.length > 0) {
    console.error(`bench smoke FAILED: the report lacks ${missing.join("; ")}`);
    process.exit(1);
  }
  console.error(
    `bench smoke passed in ${fixed(results.seconds, 0)} s: every table and row printed (${[...sections].join(", ")}, targets)`,
  );
}
