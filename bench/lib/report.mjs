/**
 * The printed report: one table per section, each figure next to its baseline from the same run
 * as a ratio, then the targets with met/missed. Pure: takes the results, returns text. The smoke
 * run checks the text with {@link missingFromReport}, so a section that silently stopped printing
 * fails CI.
 */
import { fixed, percent, ratio, table } from "./stats.mjs";

export const INGEST_ROWS = [
  ["bare", "(a) bare node:http"],
  ["probot", "(b) Probot, do-nothing"],
  ["sqlite", "(c) ours, SQLite"],
  ["postgres", "(d) ours, PostgreSQL"],
];
/** The report's sections, in order; `--only` takes any of them. */
export const SECTIONS = ["ingest", "ack", "api", "container", "scale"];
const HEADINGS = {
  ingest: "## ingest",
  ack: "## ack -> Slack",
  api: "## GitHub API calls",
  container: "## container",
  scale: "## scale on paper",
  targets: "## targets",
};
const MEMORY_HEADING = "## memory after the load";
/**
 * A health check (or a webhook: GitHub waits 10 s) answered later than this while the backlog
 * drains means the worker held the event loop.
 */
const PROBE_LIMIT_MS = 1_000;
const ACK_ROWS = [
  "ours, SQLite: 2xx back -> fake Slack has it",
  "ours, PostgreSQL: 2xx back -> fake Slack has it",
  "ours, bot channel (SQLite): 2xx back -> fake Web API has it",
  "baseline: direct POST to fake Slack",
  "baseline: direct chat.postMessage to fake Web API",
  "(context) ours, SQLite: delivery sent -> 2xx back",
  "(context) ours, PostgreSQL: delivery sent -> 2xx back",
  "(context) (b) Probot: delivery sent -> 2xx back",
  "(context) ours, SQLite: delivery sent -> fake Slack has it",
];
/** Ack rows that say "skipped" without PostgreSQL. */
const ACK_POSTGRES_ROWS = [ACK_ROWS[1], ACK_ROWS[6]];
const API_ROWS = ["priming event (and start-up)", "per 1,000 events after priming"];
const CONTAINER_ROW = "ours, SQLite, capped by a memory cgroup";
const MEMORY_ROWS = ["RSS of (c) ours, SQLite", "RSS of (d) ours, PostgreSQL"];
const SCALE_ROWS = ["one instance of ours", "two instances of ours, one schema"];
/**
 * The targets table's rows by section, as label prefixes: each must print with met or missed
 * (or skipped, where allowed). `postgres` marks rows that say skipped without PostgreSQL.
 */
const TARGET_ROWS = {
  ingest: [
    { label: "peak RSS under the ingest load (SQLite)" },
    { label: "... with SQLite ingest" },
    { label: "RSS back within" },
    { label: "p99 at " },
    { label: "PostgreSQL ingest", postgres: true },
    { label: "no non-2xx answers" },
    { label: "/healthz answered within" },
    { label: "every acknowledged delivery stored" },
  ],
  ack: [
    { label: "ack -> Slack (SQLite)" },
    { label: "ack -> Slack (PostgreSQL)", postgres: true },
    { label: "ack -> Slack (bot channel, SQLite)" },
  ],
  container: [{ label: "MiB container (SQLite)", container: true }],
  scale: [{ label: "(info) one PostgreSQL carries", postgres: true }],
};

const int = (n) => fixed(n, 0);
const verdict = (ok) => (ok ? "met" : "**missed**");
const mib = (bytes) => (bytes == null ? null : bytes / 2 ** 20);

function ingestTable(ingest, noisyOtherCpu) {
  const a = ingest.bare?.measured;
  const b = ingest.probot;
  const rows = INGEST_ROWS.map(([key, label]) => {
    const row = ingest[key];
    if (!row) return [label, "not run (see errors)"];
    if (row.skipped) return [label, row.skipped];
    const m = row.measured;
    return [
      label,
      int(m.requestsPerSec),
      fixed(m.latencyMs.p50),
      fixed(m.latencyMs.p99),
      int(row.warmup.non2xx + m.non2xx),
      int(row.warmup.errors + row.warmup.timeouts + m.errors + m.timeouts),
      fixed(row.peakRssMiB, 1),
      percent(row.serverCpuShare),
      percent(row.loadCpuShare),
      percent(row.kernelCpuShare),
      percent(row.otherCpuShare) +
        (key !== "postgres" && row.otherCpuShare > noisyOtherCpu ? " (!)" : ""),
      ratio(m.requestsPerSec, a?.requestsPerSec),
      ratio(m.requestsPerSec, b?.measured.requestsPerSec),
      ratio(m.latencyMs.p99, b?.measured.latencyMs.p99),
      ratio(row.peakRssMiB, b?.peakRssMiB),
    ];
  });
  const headers = [
    "ingest",
    "req/s",
    "p50 ms",
    "p99 ms",
    "non-2xx",
    "err+t/o",
    "peak RSS MiB",
    "server CPU",
    "load CPU",
    "kernel CPU",
    "other CPU",
    "req/s vs (a)",
    "req/s vs (b)",
    "p99 vs (b)",
    "RSS vs (b)",
  ];
  const notes = [];
  const floors = ["probot", "sqlite"]
    .filter((key) => ingest[key]?.measured)
    .map(
      (key) =>
        `${key === "probot" ? "(b)" : "(c)"} ${fixed((ingest[key].connections / ingest[key].measured.requestsPerSec) * 1000)} ms`,
    );
  if (floors.length)
    notes.push(
      `Closed-loop floor of the mean latency (connections / req/s): ${floors.join(", ")}.`,
    );
  for (const [key, label] of INGEST_ROWS) {
    const row = ingest[key];
    if (!row?.measured) continue;
    notes.push(
      `${label}: ${int(row.bodiesMade)} distinct bodies made for ${int(row.warmup.requests + row.measured.requests)} requests` +
        (row.attempts > 1 ? `; measured ${row.attempts} times (disturbed)` : "") +
        (row.durability ? `; store check: ${row.durability.text}` : ""),
    );
    // PostgreSQL's own work counts as other CPU in (d), so there it cannot tell a disturbed run.
    if (key !== "postgres" && row.otherCpuShare > noisyOtherCpu) {
      notes.push(
        `WARNING: ${label} was disturbed: other processes used ${percent(row.otherCpuShare)} of a core.`,
      );
    }
  }
  return `${table(headers, rows)}\n\n${notes.join("\n")}`;
}

/** Our app's RSS idle, at its peak, and after the load (c, d). */
function memoryTable(ingest, targets) {
  const rows = MEMORY_ROWS.map((label, i) => {
    const row = ingest[i === 0 ? "sqlite" : "postgres"];
    if (!row) return [label, "not run (see errors)"];
    if (row.skipped) return [label, row.skipped];
    const { settle } = row;
    return [
      label,
      fixed(row.idleRssMiB, 1),
      fixed(row.peakRssMiB, 1),
      ratio(row.peakRssMiB, row.idleRssMiB),
      fixed(settle?.rssMiB, 1),
      ratio(settle?.rssMiB, row.idleRssMiB),
      settle == null
        ? "-"
        : settle.settled
          ? `${fixed(settle.seconds, 1)} s`
          : `not within ${fixed(settle.maxSeconds, 0)} s (lowest ${fixed(settle.lowestMiB, 1)} MiB)`,
      fixed(settle?.probeMaxMs, 0),
      fixed(settle?.walMiB, 1),
    ];
  });
  return `${table(
    [
      "ours",
      "idle RSS MiB",
      "peak RSS MiB",
      "peak vs idle",
      "RSS after MiB",
      "after vs idle",
      `back within ${targets.settleShareOfIdle}x idle after`,
      "longest /healthz ms",
      "WAL MiB",
    ],
    rows,
  )}\n\nIdle: started, migrated, nothing received, read after a moment's rest. After: sampled every 0.5 s from the end of the load until within ${targets.settleShareOfIdle}x of idle (the figure and time shown) or the watch ended (the last figure shown); the worker is still posting the backlog meanwhile. Longest /healthz: each sample also times a GET /healthz while the backlog drains (the slowest answer; ${PROBE_LIMIT_MS / 1000} s or more fails the check below). WAL: the size of SQLite's -wal file when the watch ended.`;
}

function ackTable(ack) {
  const row = (label, s) => [label, fixed(s.p50), fixed(s.p99), fixed(s.max)];
  const missing = (label, run) => [label, run?.skipped ?? "not run (see errors)", "", ""];
  const { sqlite, postgres, bot, probotRoundTrip } = ack;
  const ok = (run) => run && !run.skipped;
  const rows = [
    ok(sqlite) ? row(ACK_ROWS[0], sqlite.ackToSlack) : missing(ACK_ROWS[0], sqlite),
    ok(postgres) ? row(ACK_ROWS[1], postgres.ackToSlack) : missing(ACK_ROWS[1], postgres),
    ok(bot) ? row(ACK_ROWS[2], bot.ackToSlack) : missing(ACK_ROWS[2], bot),
    ok(sqlite)
      ? row(`${ACK_ROWS[3]} (${int(sqlite.directBytes)} B)`, sqlite.direct)
      : missing(ACK_ROWS[3], sqlite),
    ok(bot)
      ? row(`${ACK_ROWS[4]} (${int(bot.directBytes)} B)`, bot.direct)
      : missing(ACK_ROWS[4], bot),
    [
      "ratio ours, SQLite / its baseline",
      ratio(sqlite?.ackToSlack?.p50, sqlite?.direct?.p50),
      ratio(sqlite?.ackToSlack?.p99, sqlite?.direct?.p99),
      "",
    ],
    [
      "ratio ours, bot channel / its baseline",
      ratio(bot?.ackToSlack?.p50, bot?.direct?.p50),
      ratio(bot?.ackToSlack?.p99, bot?.direct?.p99),
      "",
    ],
    ok(sqlite) ? row(ACK_ROWS[5], sqlite.sentToAck) : missing(ACK_ROWS[5], sqlite),
    ok(postgres) ? row(ACK_ROWS[6], postgres.sentToAck) : missing(ACK_ROWS[6], postgres),
    probotRoundTrip ? row(ACK_ROWS[7], probotRoundTrip) : missing(ACK_ROWS[7], null),
    [
      "ratio ours, SQLite / (b), sent -> 2xx back",
      ratio(sqlite?.sentToAck?.p50, probotRoundTrip?.p50),
      ratio(sqlite?.sentToAck?.p99, probotRoundTrip?.p99),
      "",
    ],
    ok(sqlite) ? row(ACK_ROWS[8], sqlite.sentToSlack) : missing(ACK_ROWS[8], sqlite),
  ];
  const count = sqlite?.ackToSlack?.count ?? bot?.ackToSlack?.count ?? 0;
  const negative = [sqlite, postgres, bot].some((run) => run?.ackToSlack?.p50 < 0);
  const raceNote = negative
    ? " A negative figure: Slack had the message before the sender had the 2xx back (the app answers and posts at once; both reach the bench process, which reads them in either order)."
    : "";
  return `${table([`ack -> Slack, ${int(count)} one at a time`, "p50 ms", "p99 ms", "max ms"], rows)}\n\nEach on an idle app with a fresh store. Webhook rows: SLACK_WEBHOOK_URL at the loopback fake Slack. Bot channel: SLACK_BOT_TOKEN, SLACK_CHANNEL_ID and SLACK_API_URL at the tests' fake Web API; each delivery opens an issue of its own, so each is a new thread's parent (one chat.postMessage), timed when that call has fully arrived.${raceNote}`;
}

/** Our app (SQLite) under the ingest load in a memory cgroup. */
function containerTable(container) {
  const headers = [
    "container",
    "req/s",
    "p99 ms",
    "non-2xx",
    "err+t/o",
    "store check",
    "OOM kills",
    "app alive",
    "cgroup peak MiB",
    "peak anon MiB",
    "VmHWM MiB",
    "Node heap limit MiB",
  ];
  if (!container) return table(headers, [[CONTAINER_ROW, "not run (see errors)"]]);
  if (container.skipped) return table(headers, [[CONTAINER_ROW, container.skipped]]);
  const c = container;
  const m = c.measured;
  const row = [
    `${CONTAINER_ROW} at ${int(c.limitMiB)} MiB`,
    int(m.requestsPerSec),
    fixed(m.latencyMs.p99),
    int(c.warmup.non2xx + m.non2xx),
    int(c.warmup.errors + c.warmup.timeouts + m.errors + m.timeouts),
    c.durability.ok
      ? `ok, ${int(c.durability.missing)} missing`
      : `${int(c.durability.missing)} MISSING`,
    int(c.memory.oomKills),
    c.alive ? "yes" : `no (${c.exit?.signal ?? c.exit?.code})`,
    fixed(mib(c.memory.peakBytes ?? c.memory.sampledPeakBytes), 1),
    fixed(mib(c.memory.sampledPeakAnonBytes), 1),
    fixed(c.peakRssMiB, 1),
    fixed(c.nodeView?.heapLimitMiB, 0),
  ];
  const notes = [
    `${c.description}; the app ran ${c.nodeArgs.length ? `with \`${c.nodeArgs.join(" ")}\`` : "without Node flags"}; Node saw ${fixed(c.nodeView?.constrainedMiB, 0)} MiB of constrained memory and set its heap limit to ${fixed(c.nodeView?.heapLimitMiB, 0)} MiB.`,
    `cgroup peak counts the page cache too (the SQLite file's pages, reclaimable); peak anon (sampled every 0.1 s) is the process's own memory. Store check: ${c.durability.text}. Times the cgroup hit its limit: ${int(c.memory.limitHits)}.`,
  ];
  if (c.appStderr)
    notes.push(`The app's last words: ${c.appStderr.replace(/\s+/g, " ").slice(-300)}`);
  return `${table(headers, [row])}\n\n${notes.join("\n")}`;
}

/** The pgbench-style sweep, our app on one and two instances, and the model. */
function scaleTables(scale) {
  if (!scale)
    return table(
      ["scale", "result"],
      [
        [SCALE_ROWS[0], "not run (see errors)"],
        [SCALE_ROWS[1], "not run (see errors)"],
      ],
    );
  if (scale.skipped)
    return table(
      ["scale", "result"],
      SCALE_ROWS.map((label) => [label, scale.skipped]),
    );
  const sweep = table(
    [
      "PostgreSQL, single-row ~12 KB INSERT per transaction",
      "commits/s",
      "WAL syncs/s",
      "p50 ms",
      "p99 ms",
      "PostgreSQL CPU",
    ],
    scale.sweep.map((run) => [
      `${run.clients} client${run.clients === 1 ? "" : "s"}`,
      int(run.commitsPerSec),
      int(run.walSyncsPerSec),
      fixed(run.latencyMs.p50),
      fixed(run.latencyMs.p99),
      percent(run.postgresCpuShare),
    ]),
  );
  const appRow = (label, run) => [
    label,
    int(run.requestsPerSec),
    fixed(run.latencyMs.p99),
    run.perInstance.map((i) => int(i.requestsPerSec)).join(" + "),
    int(run.ingestCost.commitsPerSec),
    percent(run.ingestCost.serverCpuShare),
    fixed(run.totalCost.commitsPerThousand / 1000, 2),
    fixed(run.totalCost.walSyncsPerThousand / 1000, 3),
    fixed(run.totalCost.walMiBPerThousand, 1),
    fixed(run.totalCost.backendCpuSecondsPerThousand, 2),
    run.drained
      ? `yes, ${fixed(run.totalCost.seconds, 0)} s`
      : `no (${int(run.posted)} of ${int(run.stored)})`,
  ];
  const apps = table(
    [
      "ours on PostgreSQL",
      "req/s",
      "p99 ms",
      "per instance",
      "commits/s under load",
      "PG server CPU under load",
      "transactions per delivery",
      "WAL syncs per delivery",
      "WAL MiB per 1,000",
      "PG backend CPU ms per delivery",
      "all posted",
    ],
    [appRow(SCALE_ROWS[0], scale.one), appRow(SCALE_ROWS[1], scale.two)],
  );
  const m = scale.model;
  const shared = scale.one.sharedDatabase || scale.two.sharedDatabase;
  const lines = [
    `Under load: from the load's start to its end (warm-up included), the worker pausing while deliveries arrive fast. Per delivery and per 1,000: end to end, from the load's start until the worker had posted every stored delivery (or the watch ended), divided by the deliveries stored. Commits and transactions: the app's database's own count${shared ? " (**a shared database: other clients counted too**)" : " (a database of its own)"}, read-only transactions included; WAL syncs: the cluster's (pg_stat_wal); backend CPU: the PostgreSQL backends serving it (background writers left out); PG server CPU: every PostgreSQL process.`,
  ];
  if (m.ceiling)
    lines.push(
      `Model: the commit ceiling here is ${int(m.ceiling.commitsPerSec)} single-row commits/s (at ${m.ceiling.clients} clients; within 90% of it from ${m.flattensAt?.clients ?? "-"} clients), with up to ${int(m.syncCeiling)} WAL syncs/s. One instance ingests ${int(m.ingestRate)} req/s and, sustained, needs ${fixed(m.syncsPerDelivery, 3)} WAL syncs and ${fixed(m.cpuMsPerDelivery, 2)} ms of backend CPU per delivery (${fixed(m.transactionsPerDelivery, 1)} transactions): ${int(m.syncsPerInstance)} syncs/s (the sync ceiling allows about ${fixed(m.bySyncs, 1)} instances) and ${fixed(m.coresPerInstance, 2)} cores (${m.postgresCores} cores allow about ${fixed(m.byCpu, 1)}). **One PostgreSQL like this one carries about ${fixed(m.instances, 1)} instances at full ingest** (bound by ${m.limitedBy ?? "-"}${m.drained ? "" : "; the backlog was not fully posted, so the per-delivery costs are low and this is an upper bound"}).`,
    );
  if (m.anchor)
    lines.push(
      `Anchor: two instances on one database reached ${fixed(m.anchor.aggregateRatio)}x one instance's req/s (both on the one server core, so the app's CPU did not double); transactions per 1,000 deliveries ${fixed(m.anchor.commitsPerThousand[0], 0)} -> ${fixed(m.anchor.commitsPerThousand[1], 0)}, WAL syncs per 1,000 ${fixed(m.anchor.syncsPerThousand[0], 0)} -> ${fixed(m.anchor.syncsPerThousand[1], 0)}, backend CPU s per 1,000 ${fixed(m.anchor.cpuPerThousand[0], 2)} -> ${fixed(m.anchor.cpuPerThousand[1], 2)}.`,
    );
  return `${sweep}\n\n${apps}\n\n${lines.join("\n")}`;
}

function apiTable(api) {
  const describe = (calls) =>
    Object.entries(calls)
      .map(([route, n]) => `${n} ${route}`)
      .join("; ") || "none";
  const sum = (calls) => Object.values(calls).reduce((s, n) => s + n, 0);
  const rows = [
    [API_ROWS[0], int(sum(api.primingCalls)), describe(api.primingCalls)],
    [
      API_ROWS[1],
      fixed(api.perThousand, 1),
      `${int(sum(api.calls))} calls for ${int(api.events)} events: ${describe(api.calls)}`,
    ],
  ];
  const statuses = api.statuses
    ? Object.entries(api.statuses)
        .map(([status, n]) => `${int(n)} ${status}`)
        .join(", ")
    : "-";
  return `${table(["GitHub API calls", "calls", "which"], rows)}\n\nPosted to Slack: ${int(api.posted)} of ${int(api.events + 1)}; deliveries by status: ${statuses}. Baseline: a do-nothing app makes no calls.`;
}

/** The ack target for one run of the ack section. */
function ackTarget(label, run, targets) {
  const bound = `p50 < ${targets.ackP50Ms} ms, p99 < ${targets.ackP99Ms} ms`;
  if (!run) return [`${label} ${bound}`, "not run (see errors)"];
  if (run.skipped) return [`${label} ${bound}`, run.skipped];
  const { p50, p99 } = run.ackToSlack;
  return [
    `${label} ${bound}`,
    `${verdict(p50 < targets.ackP50Ms && p99 < targets.ackP99Ms)}: p50 ${fixed(p50, 1)} ms, p99 ${fixed(p99, 1)} ms`,
  ];
}

function targetsTable({ results, targets, sections, noisyOtherCpu }) {
  const rows = [];
  const { probot, sqlite, postgres } = results.ingest;
  const notRun = "not run (see errors)";
  // A ratio to a disturbed run is no verdict: say so beside it.
  const disturbed = (...runs) =>
    runs.some((run) => run?.measured && run.otherCpuShare > noisyOtherCpu)
      ? " (a disturbed run: measure again on a quiet machine)"
      : "";
  if (sections.has("ingest")) {
    const both = probot?.measured && sqlite?.measured;
    const rps = (row) => row.measured.requestsPerSec;
    const memory = both ? sqlite.peakRssMiB / probot.peakRssMiB : null;
    rows.push([
      `peak RSS under the ingest load (SQLite) <= ${targets.memoryShareOfProbot}x Probot's`,
      both
        ? `${verdict(memory <= targets.memoryShareOfProbot)}: ${fixed(memory)}x (${int(sqlite.peakRssMiB)} vs ${int(probot.peakRssMiB)} MiB)${disturbed(sqlite, probot)}`
        : notRun,
    ]);
    const share = both ? rps(sqlite) / rps(probot) : null;
    rows.push([
      `... with SQLite ingest >= ${targets.ingestShareWithMemory}x Probot's req/s`,
      both
        ? `${verdict(share >= targets.ingestShareWithMemory)}: ${fixed(share)}x (${int(rps(sqlite))} vs ${int(rps(probot))} req/s)${disturbed(sqlite, probot)}`
        : notRun,
    ]);
    const settle = sqlite?.settle;
    const settleOk = settle?.settled === true && settle.seconds <= targets.settleWithinSeconds;
    rows.push([
      `RSS back within ${targets.settleShareOfIdle}x of idle within ${targets.settleWithinSeconds} s after the load (SQLite)`,
      settle
        ? `${verdict(settleOk)}: ${settle.settled ? `${fixed(settle.rssMiB / sqlite.idleRssMiB)}x of idle (${int(settle.rssMiB)} vs ${int(sqlite.idleRssMiB)} MiB) after ${fixed(settle.seconds, 1)} s` : `${fixed(settle.rssMiB / sqlite.idleRssMiB)}x of idle (${int(settle.rssMiB)} vs ${int(sqlite.idleRssMiB)} MiB) when the watch ended after ${fixed(settle.seconds, 0)} s`}`
        : notRun,
    ]);
    const p99 = both ? sqlite.measured.latencyMs.p99 / probot.measured.latencyMs.p99 : null;
    rows.push([
      `p99 at ${sqlite?.connections ?? probot?.connections ?? "-"} connections (SQLite) <= ${targets.p99ShareOfProbot}x Probot's`,
      both
        ? `${verdict(p99 <= targets.p99ShareOfProbot)}: ${fixed(p99)}x (${fixed(sqlite.measured.latencyMs.p99, 1)} vs ${fixed(probot.measured.latencyMs.p99, 1)} ms)${disturbed(sqlite, probot)}`
        : notRun,
    ]);
    const pgShare = postgres?.measured && probot?.measured ? rps(postgres) / rps(probot) : null;
    rows.push([
      `PostgreSQL ingest >= ${targets.postgresShareOfProbot}x Probot's req/s`,
      postgres?.skipped
        ? postgres.skipped
        : pgShare == null
          ? notRun
          : `${verdict(pgShare >= targets.postgresShareOfProbot)}: ${fixed(pgShare)}x (${int(rps(postgres))} vs ${int(rps(probot))} req/s)${disturbed(probot)}`,
    ]);
    const measuredRows = INGEST_ROWS.map(([key]) => results.ingest[key]).filter(
      (row) => row?.measured,
    );
    const non2xx = measuredRows.reduce(
      (sum, row) => sum + row.warmup.non2xx + row.measured.non2xx,
      0,
    );
    rows.push([
      "no non-2xx answers (ingest)",
      measuredRows.length === 0 ? notRun : non2xx === 0 ? "met" : `**missed**: ${int(non2xx)}`,
    ]);
    const probed = measuredRows.filter((row) => row.settle?.probeMaxMs != null);
    const slowest = Math.max(...probed.map((row) => row.settle.probeMaxMs));
    rows.push([
      `/healthz answered within ${PROBE_LIMIT_MS / 1000} s while the backlog drains (ingest)`,
      probed.length === 0
        ? notRun
        : slowest < PROBE_LIMIT_MS
          ? `met: ${int(slowest)} ms at most`
          : `**missed**: ${int(slowest)} ms`,
    ]);
    const checked = measuredRows.filter((row) => row.durability);
    rows.push([
      "every acknowledged delivery stored (ingest)",
      checked.length === 0
        ? notRun
        : checked.every((row) => row.durability.ok)
          ? "met"
          : "**missed** (see the store checks)",
    ]);
  }
  if (sections.has("ack")) {
    rows.push(ackTarget("ack -> Slack (SQLite)", results.ack?.sqlite, targets));
    rows.push(ackTarget("ack -> Slack (PostgreSQL)", results.ack?.postgres, targets));
    rows.push(ackTarget("ack -> Slack (bot channel, SQLite)", results.ack?.bot, targets));
  }
  if (sections.has("container")) {
    const c = results.container;
    const label = `${targets.containerMiB} MiB container (SQLite): every request acknowledged, nothing lost, not OOM-killed`;
    if (!c) rows.push([label, notRun]);
    else if (c.skipped) rows.push([label, c.skipped]);
    else {
      const non2xx = c.warmup.non2xx + c.measured.non2xx;
      const errors = c.warmup.errors + c.warmup.timeouts + c.measured.errors + c.measured.timeouts;
      const ok =
        non2xx === 0 && errors === 0 && c.durability.ok && c.memory.oomKills === 0 && c.alive;
      rows.push([
        label,
        `${verdict(ok)}: ${int(non2xx)} non-2xx, ${int(errors)} errors, ${int(c.durability.missing)} missing, ${int(c.memory.oomKills)} OOM kills, app ${c.alive ? "alive" : "gone"}; cgroup peak ${int(mib(c.memory.peakBytes ?? c.memory.sampledPeakBytes))} MiB${c.nodeArgs.length ? ` (${c.nodeArgs.join(" ")})` : ""}`,
      ]);
    }
  }
  if (sections.has("scale")) {
    const scale = results.scale;
    const label = "(info) one PostgreSQL carries (scale model)";
    if (!scale) rows.push([label, notRun]);
    else if (scale.skipped) rows.push([label, scale.skipped]);
    else
      rows.push([
        label,
        `about ${fixed(scale.model.instances, 1)} instances at full ingest (bound by ${scale.model.limitedBy}; ${int(scale.model.ceiling?.commitsPerSec)} commits/s, ${int(scale.model.syncCeiling)} WAL syncs/s ceiling)`,
      ]);
  }
  return table(
    ["target", "result"],
    rows.length ? rows : [["(no section with a target ran)", "-"]],
  );
}

/**
 * @example
 * console.log(renderReport({ results, sections, bodyBytes, targets: TARGETS, noisyOtherCpu: 0.25 }));
 */
export function renderReport({ results, sections, bodyBytes, targets, noisyOtherCpu }) {
  const { machine, settings } = results;
  const parts = [
    `# notifier bench${results.smoke ? " (smoke: figures are not comparable)" : ""}, ${new Date().toUTCString()}`,
    `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.os}; ${machine.pinning}.`,
    `${fixed(results.seconds, 0)} s; ${settings.connections} connections, ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured; ` +
      `each delivery its own ${int(bodyBytes)}-byte body and signature; SLACK_PACE=0, BURST_SUMMARY_AFTER=0.`,
  ];
  const notRun = "not run (see errors)";
  if (sections.has("ingest")) {
    parts.push(`${HEADINGS.ingest}\n\n${ingestTable(results.ingest, noisyOtherCpu)}`);
    parts.push(`${MEMORY_HEADING}\n\n${memoryTable(results.ingest, targets)}`);
  }
  if (sections.has("ack"))
    parts.push(`${HEADINGS.ack}\n\n${results.ack ? ackTable(results.ack) : notRun}`);
  if (sections.has("api"))
    parts.push(`${HEADINGS.api}\n\n${results.api ? apiTable(results.api) : notRun}`);
  if (sections.has("container"))
    parts.push(`${HEADINGS.container}\n\n${containerTable(results.container)}`);
  if (sections.has("scale")) parts.push(`${HEADINGS.scale}\n\n${scaleTables(results.scale)}`);
  parts.push(
    `${HEADINGS.targets}\n\n${targetsTable({ results, targets, sections, noisyOtherCpu })}`,
  );
  if (results.errors.length)
    parts.push(`## errors\n\n${results.errors.map((e) => `- ${e}`).join("\n")}`);
  return parts.join("\n\n");
}

/**
 * What a complete report of `sections` lacks: each heading, each row with its figures, and each
 * target with met or missed. A row that only says "not run" counts as missing; one that says
 * "skipped" counts as missing too, except the container's (it needs root and a memory cgroup)
 * and, when `skippedPostgresAllowed`, the PostgreSQL ones. Figures themselves are not judged.
 */
export function missingFromReport({ report, sections, skippedPostgresAllowed = false }) {
  const missing = [];
  const lines = report.split("\n");
  const rowsOf = (label) => lines.filter((line) => line.startsWith(`| ${label}`));
  const rowHasFigures = (label) => rowsOf(label).some((line) => /\|\s*-?[\d.,]+x?\s*\|/.test(line));
  const rowSkipped = (label) => rowsOf(label).some((line) => /skipped/.test(line));
  const expect = (label, { postgres = false, container = false } = {}) => {
    if (rowHasFigures(label)) return;
    if (rowSkipped(label) && (container || (postgres && skippedPostgresAllowed))) return;
    missing.push(`row "${label}"`);
  };
  for (const name of [...sections, "targets"]) {
    if (!lines.includes(HEADINGS[name])) missing.push(`heading "${HEADINGS[name]}"`);
  }
  if (sections.has("ingest")) {
    for (const [key, label] of INGEST_ROWS) expect(label, { postgres: key === "postgres" });
    if (!lines.includes(MEMORY_HEADING)) missing.push(`heading "${MEMORY_HEADING}"`);
    for (const label of MEMORY_ROWS) expect(label, { postgres: label.includes("PostgreSQL") });
  }
  if (sections.has("ack"))
    for (const label of ACK_ROWS) expect(label, { postgres: ACK_POSTGRES_ROWS.includes(label) });
  if (sections.has("api")) for (const label of API_ROWS) expect(label);
  if (sections.has("container")) expect(CONTAINER_ROW, { container: true });
  if (sections.has("scale")) {
    for (const label of SCALE_ROWS) expect(label, { postgres: true });
    if (
      !/^\| PostgreSQL, single-row/m.test(report) &&
      !(skippedPostgresAllowed && rowSkipped(SCALE_ROWS[0]))
    )
      missing.push("the pgbench-style sweep");
  }
  if (!lines.some((line) => line.startsWith("| target ") || line.startsWith("| target|")))
    missing.push("targets table");
  for (const name of sections) {
    for (const target of TARGET_ROWS[name] ?? []) {
      const found = rowsOf(target.label).concat(
        // The container's label starts with its size.
        target.container ? lines.filter((line) => line.includes(target.label)) : [],
      );
      const judged = found.some((line) => /\| (met|\*\*missed\*\*)(:|\s*\|)/.test(line));
      const info = found.some((line) => /\| about [\d.,]+ instances/.test(line));
      const skipped = found.some((line) => /\| skipped/.test(line));
      if (judged || info) continue;
      if (skipped && (target.container || (target.postgres && skippedPostgresAllowed))) continue;
      missing.push(`target "${target.label}"`);
    }
  }
  if (/^## errors$/m.test(report)) missing.push("no errors (the report lists some)");
  return missing;
}
