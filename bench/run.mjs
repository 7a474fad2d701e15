#!/usr/bin/env node
/**
 * `npm run bench`: measures our built app against baselines measured in the same run and
 * prints every figure next to its baseline as a ratio. See BENCHMARKS.md.
 *
 *   BENCH_SECONDS=10 BENCH_WARMUP=2 BENCH_CONNECTIONS=50 BENCH_ACK_COUNT=200 BENCH_EVENTS=1000 BENCH_QUIET_WAIT=30 BENCH_RETRIES=1
 *   node bench/run.mjs [--only ingest,ack,api] [--json out.json] [--smoke]
 *
 * `--smoke` (CI, after the tests) runs every section for a few seconds per target and fails
 * unless the report printed every table and row; it judges no figure.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measureAckToSlack, measureRoundTrip } from "./lib/ack-latency.mjs";
import { measureApiCalls } from "./lib/api-calls.mjs";
import { startFakeGitHub } from "./lib/fake-github.mjs";
import { startFakeSlack } from "./lib/fake-slack.mjs";
import { measureIngest } from "./lib/ingest.mjs";
import { BODY_BYTES } from "./lib/payload.mjs";
import { generateAppKey, machine, pinSelf, waitForQuiet } from "./lib/processes.mjs";
import { missingFromReport, renderReport } from "./lib/report.mjs";
import { fixed } from "./lib/stats.mjs";
import { checkDurability, freshPostgres, freshSqlite } from "./lib/stores.mjs";
import { startBare, startOurApp, startProbotNoop } from "./lib/targets.mjs";

const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    json: { type: "string" },
    smoke: { type: "boolean", default: false },
  },
});
const sections = new Set((args.only ?? "ingest,ack,api").split(","));
for (const name of sections) {
  if (!["ingest", "ack", "api"].includes(name)) {
    console.error(`--only: unknown section "${name}" (known: ingest, ack, api)`);
    process.exit(2);
  }
}
/** The smoke's defaults: a few seconds per target, no waiting for a quiet machine. */
const defaults = args.smoke
  ? { seconds: 2, warmup: 1, connections: 10, ackCount: 20, events: 50, quietWait: 0, retries: 0 }
  : {
      seconds: 10,
      warmup: 2,
      connections: 50,
      ackCount: 200,
      events: 1000,
      quietWait: 30,
      retries: 1,
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
};
/** "other CPU" above this share of a core marks an ingest run as disturbed by other processes. */
const NOISY_OTHER_CPU = 0.25;
const TARGETS = {
  ingestShareOfProbot: 0.6,
  ingestP99Ms: 10,
  ackP50Ms: 20,
  ackP99Ms: 100,
  memoryShareOfProbot: 1.3,
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
  smoke: args.smoke,
  ingest: {},
  ack: null,
  api: null,
  errors: [],
};

const log = (text) =>
  console.error(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${text}`);
log(
  `${results.machine.pinning}; each delivery its own ${BODY_BYTES}-byte body; SLACK_PACE=0, BURST_SUMMARY_AFTER=0`,
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
    const figures = await measureIngest({ target, ...settings });
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
    return { ...figures, connections: settings.connections, durability };
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
    ingestRun({ label: "(c) ours, SQLite", makeStore: () => freshSqlite("ingest"), start: ours }),
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
    });
  });
}

if (sections.has("ack")) {
  results.ack = await section("ack -> Slack", async () => {
    log(`ack -> Slack: ${settings.ackCount} deliveries one at a time`);
    const store = freshSqlite("ack");
    const app = await startOurApp({ databaseUrl: store.databaseUrl, slackUrl });
    let figures;
    try {
      figures = await measureAckToSlack({
        baseUrl: app.baseUrl,
        slack,
        count: settings.ackCount,
        warmup: 20,
      });
    } finally {
      await app.proc.stop();
      await store.dispose();
    }
    // Context for the acknowledgement itself: the do-nothing Probot app's round trip, same pace.
    const probot = await startProbotNoop({ privateKey });
    try {
      figures.probotRoundTrip = await measureRoundTrip({
        baseUrl: probot.baseUrl,
        count: settings.ackCount,
        warmup: 20,
      });
    } finally {
      await probot.proc.stop();
    }
    return figures;
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
    allowSkipped: process.env.CI ? [] : ["(d) ours, PostgreSQL"],
  });
  if (missing.length > 0) {
    console.error(`bench smoke FAILED: the report lacks ${missing.join("; ")}`);
    process.exit(1);
  }
  console.error(
    `bench smoke passed: every table and row printed (${[...sections].join(", ")}, targets)`,
  );
}
