#!/usr/bin/env node
/**
 * Where our app spends its CPU under the ingest load: runs the built app (SQLite, or
 * PostgreSQL with --postgres) under `node --cpu-prof`, drives it with the same load as
 * `npm run bench`, and prints the functions and modules with the most self time.
 *
 *   BENCH_SECONDS=10 node bench/profile.mjs [--postgres] [--top 25]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { startFakeSlack } from "./lib/fake-slack.mjs";
import { measureIngest } from "./lib/ingest.mjs";
import { ROOT, pinSelf } from "./lib/processes.mjs";
import { fixed, table } from "./lib/stats.mjs";
import { freshPostgres, freshSqlite } from "./lib/stores.mjs";
import { startOurApp } from "./lib/targets.mjs";

const { values: args } = parseArgs({
  options: { postgres: { type: "boolean" }, top: { type: "string" } },
});
const top = Number(args.top ?? 25);
pinSelf();
const profileDir = mkdtempSync(join(tmpdir(), "notifier-bench-prof-"));
const slack = await startFakeSlack();
const store = args.postgres ? await freshPostgres("prof") : freshSqlite("prof");
if (!store) throw new Error("no PostgreSQL reachable");
const app = await startOurApp({
  databaseUrl: store.databaseUrl,
  slackUrl: `${slack.url}/services/T0/B0/prof`,
  nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
});
const figures = await measureIngest({
  target: app,
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 2),
  durationSeconds: Number(process.env.BENCH_SECONDS ?? 10),
});
// The profile is written when the process exits (SIGTERM -> graceful stop -> exit).
await app.proc.stop();
await slack.close();
await store.dispose();

const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
if (!file)
  throw new Error(
    `no profile written in ${profileDir}; app stderr: ${app.proc.stderr().slice(-1000)}`,
  );
const profile = JSON.parse(readFileSync(join(profileDir, file), "utf8"));
rmSync(profileDir, { recursive: true, force: true });

// Self time per node = its sample count times the mean sampling interval.
const interval = (profile.endTime - profile.startTime) / profile.samples.length / 1000;
const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const byFrame = new Map();
const byModule = new Map();
let totalMs = 0;
for (const node of profile.nodes) {
  const ms = (hits.get(node.id) ?? 0) * interval;
  if (ms === 0) continue;
  totalMs += ms;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = moduleOf(url);
  const frame = `${functionName || "(anonymous)"} ${where}${url ? `:${lineNumber + 1}` : ""}`;
  byFrame.set(frame, (byFrame.get(frame) ?? 0) + ms);
  byModule.set(where, (byModule.get(where) ?? 0) + ms);
}
const rows = (map) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => [fixed(ms, 0), `${fixed((100 * ms) / totalMs, 1)}%`, name]);

console.log(
  `Under load: ${fixed(figures.measured.requestsPerSec, 0)} req/s, p99 ${fixed(figures.measured.latencyMs.p99)} ms (${store.kind}); profile ${fixed(totalMs / 1000, 1)} s of samples\n`,
);
console.log(table(["self ms", "share", "frame"], rows(byFrame)));
console.log("");
console.log(table(["self ms", "share", "module"], rows(byModule)));

/** `node_modules/<package>`, our file under lib/, `node:<builtin>`, or V8's own (program, gc, idle). */
function moduleOf(url) {
  if (!url) return "(v8/native)";
  if (url.startsWith("node:")) return url;
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = path.slice(nm + "node_modules/".length).split("/");
    return `node_modules/${rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  return relative(ROOT, path);
}
