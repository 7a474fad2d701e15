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
const HEADINGS = {
  ingest: "## ingest",
  ack: "## ack -> Slack",
  api: "## GitHub API calls",
  targets: "## targets",
};
const ACK_ROWS = [
  "ours: 2xx back -> fake Slack has it",
  "baseline: direct POST to fake Slack",
  "(context) ours: delivery sent -> 2xx back",
  "(context) (b) Probot: delivery sent -> 2xx back",
  "(context) ours: delivery sent -> fake Slack has it",
];
const API_ROWS = ["priming event (and start-up)", "per 1,000 events after priming"];

const int = (n) => fixed(n, 0);
const verdict = (ok) => (ok ? "PASS" : "**FAIL**");

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

function ackTable(ack) {
  const row = (label, s) => [label, fixed(s.p50), fixed(s.p99), fixed(s.max)];
  const rows = [
    row(ACK_ROWS[0], ack.ackToSlack),
    row(`${ACK_ROWS[1]} (${int(ack.directBytes)} B)`, ack.direct),
    [
      "ratio ours / baseline",
      ratio(ack.ackToSlack.p50, ack.direct.p50),
      ratio(ack.ackToSlack.p99, ack.direct.p99),
      "",
    ],
    row(ACK_ROWS[2], ack.sentToAck),
    ack.probotRoundTrip ? row(ACK_ROWS[3], ack.probotRoundTrip) : [ACK_ROWS[3], "-", "-", "-"],
    [
      "ratio ours / (b), sent -> 2xx back",
      ratio(ack.sentToAck.p50, ack.probotRoundTrip?.p50),
      ratio(ack.sentToAck.p99, ack.probotRoundTrip?.p99),
      "",
    ],
    row(ACK_ROWS[4], ack.sentToSlack),
  ];
  return table(
    [`ack -> Slack, ${int(ack.ackToSlack.count)} one at a time`, "p50 ms", "p99 ms", "max ms"],
    rows,
  );
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

function targetsTable({ results, targets }) {
  const rows = [];
  const { probot, sqlite, postgres } = results.ingest;
  if (probot?.measured && sqlite?.measured) {
    const share = sqlite.measured.requestsPerSec / probot.measured.requestsPerSec;
    rows.push([
      `durable ingest (SQLite) >= ${targets.ingestShareOfProbot}x Probot`,
      `${verdict(share >= targets.ingestShareOfProbot)}: ${fixed(share)}x (${int(sqlite.measured.requestsPerSec)} vs ${int(probot.measured.requestsPerSec)} req/s)`,
    ]);
    rows.push([
      `... with p99 < ${targets.ingestP99Ms} ms at ${sqlite.connections} connections`,
      `${verdict(sqlite.measured.latencyMs.p99 < targets.ingestP99Ms)}: p99 ${fixed(sqlite.measured.latencyMs.p99, 1)} ms (Probot's own: ${fixed(probot.measured.latencyMs.p99, 1)} ms)`,
    ]);
    const memory = sqlite.peakRssMiB / probot.peakRssMiB;
    rows.push([
      `peak memory (SQLite) <= ${targets.memoryShareOfProbot}x Probot`,
      `${verdict(memory <= targets.memoryShareOfProbot)}: ${fixed(memory)}x (${int(sqlite.peakRssMiB)} vs ${int(probot.peakRssMiB)} MiB)`,
    ]);
  }
  if (probot?.measured && postgres?.measured) {
    const share = postgres.measured.requestsPerSec / probot.measured.requestsPerSec;
    rows.push([
      `(info) ingest (PostgreSQL) vs Probot`,
      `${fixed(share)}x (${int(postgres.measured.requestsPerSec)} req/s)`,
    ]);
  }
  const measuredRows = INGEST_ROWS.map(([key]) => results.ingest[key]).filter(
    (row) => row?.measured,
  );
  if (measuredRows.length) {
    const non2xx = measuredRows.reduce(
      (sum, row) => sum + row.warmup.non2xx + row.measured.non2xx,
      0,
    );
    rows.push(["no non-2xx answers", non2xx === 0 ? "PASS" : `**FAIL**: ${int(non2xx)}`]);
    const checked = measuredRows.filter((row) => row.durability);
    if (checked.length) {
      rows.push([
        "every acknowledged delivery stored",
        checked.every((row) => row.durability.ok) ? "PASS" : "**FAIL** (see the store checks)",
      ]);
    }
  }
  if (results.ack) {
    const { p50, p99 } = results.ack.ackToSlack;
    rows.push([
      `ack -> Slack p50 < ${targets.ackP50Ms} ms, p99 < ${targets.ackP99Ms} ms`,
      `${verdict(p50 < targets.ackP50Ms && p99 < targets.ackP99Ms)}: p50 ${fixed(p50, 1)} ms, p99 ${fixed(p99, 1)} ms`,
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
  if (sections.has("ingest"))
    parts.push(`${HEADINGS.ingest}\n\n${ingestTable(results.ingest, noisyOtherCpu)}`);
  if (sections.has("ack"))
    parts.push(
      `${HEADINGS.ack}\n\n${results.ack ? ackTable(results.ack) : "not run (see errors)"}`,
    );
  if (sections.has("api"))
    parts.push(
      `${HEADINGS.api}\n\n${results.api ? apiTable(results.api) : "not run (see errors)"}`,
    );
  parts.push(`${HEADINGS.targets}\n\n${targetsTable({ results, targets })}`);
  if (results.errors.length)
    parts.push(`## errors\n\n${results.errors.map((e) => `- ${e}`).join("\n")}`);
  return parts.join("\n\n");
}

/**
 * What a complete report of `sections` lacks: each heading, and each row with its figures (a
 * row that only says "not run" or "skipped" counts as missing, unless `allowSkipped` names it).
 * Figures themselves are not judged.
 */
export function missingFromReport({ report, sections, allowSkipped = [] }) {
  const missing = [];
  const lines = report.split("\n");
  const rowHasFigures = (label) =>
    lines.some((line) => line.startsWith(`| ${label}`) && /\|\s*[\d.,]+x?\s*\|/.test(line));
  const rowSkipped = (label) =>
    lines.some((line) => line.startsWith(`| ${label}`) && /skipped/.test(line));
  const expect = (label) => {
    if (rowHasFigures(label)) return;
    if (allowSkipped.includes(label) && rowSkipped(label)) return;
    missing.push(`row "${label}"`);
  };
  for (const name of [...sections, "targets"]) {
    if (!lines.includes(HEADINGS[name])) missing.push(`heading "${HEADINGS[name]}"`);
  }
  if (sections.has("ingest")) for (const [, label] of INGEST_ROWS) expect(label);
  if (sections.has("ack")) for (const label of ACK_ROWS) expect(label);
  if (sections.has("api")) for (const label of API_ROWS) expect(label);
  if (!lines.some((line) => line.startsWith("| target ") || line.startsWith("| target|")))
    missing.push("targets table");
  if (/^## errors$/m.test(report)) missing.push("no errors (the report lists some)");
  return missing;
}
