/**
 * The ingest measurement: runs `bench/load.mjs` (autocannon) as its own process against one
 * target, and around it reads the server's peak memory and everyone's CPU from `/proc`, so the
 * report can tell whether the server, the load generator or something else set the pace. With
 * `targets` (several instances of one app) the connections are split between them, one load
 * process per instance, all started together; the figures are the sums, latencies merged.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bodyTemplate, SECRET, SEQUENCE } from "./payload.mjs";
import {
  LOAD_CORE,
  machineCpuSeconds,
  memoryMiB,
  processCpuSeconds,
  ROOT,
  startNode,
} from "./processes.mjs";
import { percentile } from "./stats.mjs";

/** `total` connections split over `parts` as evenly as whole numbers allow. */
export function splitConnections(total, parts) {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  );
}

const sumOf = (values) => values.reduce((sum, n) => sum + n, 0);

/** Adds the per-phase counts of several load processes. */
function addPhases(phases) {
  const keys = ["requests", "2xx", "non2xx", "errors", "timeouts"];
  return Object.fromEntries(keys.map((key) => [key, sumOf(phases.map((phase) => phase[key]))]));
}

/**
 * @example
 * const figures = await measureIngest({ target, connections: 50, warmupSeconds: 2, durationSeconds: 10 });
 * figures.measured.requestsPerSec; figures.peakRssMiB; figures.ackedIds;
 */
export async function measureIngest(params) {
  const { connections, warmupSeconds, durationSeconds } = params;
  const targets = params.targets ?? [params.target];
  const dir = mkdtempSync(join(tmpdir(), "notifier-bench-load-"));
  try {
    const templateFile = join(dir, "template.json");
    writeFileSync(templateFile, params.template ?? bodyTemplate());
    const shares = splitConnections(connections, targets.length);
    const jobs = targets.map((target, i) => {
      const job = {
        url: target.webhookUrl,
        path: new URL(target.webhookUrl).pathname,
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/bench",
          "x-github-event": "issues",
        },
        templateFile,
        sequenceMarker: SEQUENCE,
        secret: SECRET,
        // Load processes start their sequence numbers apart so no two bodies are the same.
        sequenceStart: 1_000_000 + i * 1_000_000,
        idPrefix: `bench-${process.pid}-${Date.now()}-${i}`,
        idsFile: join(dir, `ids-${i}.txt`),
        latenciesFile: join(dir, `latencies-${i}.bin`),
        connections: shares[i],
        warmupSeconds,
        durationSeconds,
      };
      const jobFile = join(dir, `job-${i}.json`);
      writeFileSync(jobFile, JSON.stringify(job));
      return { job, jobFile };
    });

    const serverCpuBefore = targets.map((target) => processCpuSeconds(target.proc.pid));
    const machineBefore = machineCpuSeconds();
    const benchBefore = process.cpuUsage();
    const startedAt = performance.now();
    const loads = jobs.map(({ jobFile }) =>
      startNode({ args: ["bench/load.mjs", jobFile], core: LOAD_CORE, cwd: ROOT }),
    );
    const exits = await Promise.all(loads.map((load) => load.exited));
    const memories = targets.map((target) => memoryMiB(target.proc.pid));
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const serverCpuAfter = targets.map((target) => processCpuSeconds(target.proc.pid));
    const machineAfter = machineCpuSeconds();
    const bench = process.cpuUsage(benchBefore);
    exits.forEach(({ code }, i) => {
      if (code !== 0)
        throw new Error(`load generator exited ${code}: ${loads[i].stderr().slice(-1500)}`);
    });
    const results = loads.map((load) => JSON.parse(load.stdout().trim().split("\n").at(-1)));

    const share = (seconds) => (seconds == null ? null : seconds / wallSeconds);
    const serverCpus = targets.map((_, i) =>
      serverCpuBefore[i] == null || serverCpuAfter[i] == null
        ? null
        : serverCpuAfter[i] - serverCpuBefore[i],
    );
    const serverCpu = serverCpus.includes(null) ? null : sumOf(serverCpus);
    const loadCpu = sumOf(results.map((r) => r.processCpuSeconds));
    let kernel = null;
    let other = null;
    if (machineBefore && machineAfter && serverCpu != null) {
      kernel = machineAfter.interrupts - machineBefore.interrupts;
      const benchSeconds = (bench.user + bench.system) / 1e6;
      const busy = machineAfter.busy - machineBefore.busy;
      other = busy - kernel - serverCpu - loadCpu - benchSeconds;
    }
    const ackedIds = jobs.flatMap(({ job }) =>
      readFileSync(job.idsFile, "utf8").split("\n").filter(Boolean),
    );
    const latencies = jobs
      .flatMap(({ job }) => {
        const bytes = readFileSync(job.latenciesFile);
        return [...new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)];
      })
      .sort((a, b) => a - b);
    const measuredSums = addPhases(results.map((r) => r.measured));
    const requestsPerSec = sumOf(results.map((r) => r.measured.requestsPerSec));
    const bodiesMade = sumOf(results.map((r) => r.bodiesMade));
    const warmup = addPhases(results.map((r) => r.warmup));
    return {
      warmup,
      measured: {
        ...measuredSums,
        seconds: durationSeconds,
        loadCpuShare: sumOf(results.map((r) => r.measured.loadCpuShare)),
        requestsPerSec,
        latencyMs: {
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          max: latencies.at(-1) ?? null,
        },
        autocannonLatencyMs: results.length === 1 ? results[0].measured.autocannonLatencyMs : null,
      },
      bodiesMade,
      distinctBodies: bodiesMade >= warmup.requests + measuredSums.requests,
      peakRssMiB: Math.max(...memories.map((m) => m.peak ?? 0)) || null,
      rssAfterMiB: memories[0].now,
      serverCpuShare: share(serverCpu),
      loadCpuShare: sumOf(results.map((r) => r.measured.loadCpuShare)),
      kernelCpuShare: share(kernel),
      otherCpuShare: share(other) ?? 0,
      wallSeconds,
      /** Per instance, when there are several. */
      instances: targets.map((_, i) => ({
        connections: shares[i],
        requestsPerSec: results[i].measured.requestsPerSec,
        peakRssMiB: memories[i].peak,
        serverCpuShare: share(serverCpus[i]),
      })),
      ackedIds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
