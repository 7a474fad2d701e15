/**
 * The ingest measurement: runs `bench/load.mjs` (autocannon) as its own process against one
 * target, and around it reads the server's peak memory and everyone's CPU from `/proc`, so the
 * report can tell whether the server, the load generator or something else set the pace.
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

/**
 * @example
 * const figures = await measureIngest({ target, connections: 50, warmupSeconds: 2, durationSeconds: 10 });
 * figures.measured.requestsPerSec; figures.peakRssMiB; figures.ackedIds;
 */
export async function measureIngest(params) {
  const { target, connections, warmupSeconds, durationSeconds } = params;
  const dir = mkdtempSync(join(tmpdir(), "notifier-bench-load-"));
  try {
    const templateFile = join(dir, "template.json");
    writeFileSync(templateFile, params.template ?? bodyTemplate());
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
      idPrefix: `bench-${process.pid}-${Date.now()}`,
      idsFile: join(dir, "ids.txt"),
      connections,
      warmupSeconds,
      durationSeconds,
    };
    const jobFile = join(dir, "job.json");
    writeFileSync(jobFile, JSON.stringify(job));

    const serverCpuBefore = processCpuSeconds(target.proc.pid);
    const machineBefore = machineCpuSeconds();
    const benchBefore = process.cpuUsage();
    const startedAt = performance.now();
    const load = startNode({ args: ["bench/load.mjs", jobFile], core: LOAD_CORE, cwd: ROOT });
    const { code } = await load.exited;
    const memory = memoryMiB(target.proc.pid);
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const serverCpuAfter = processCpuSeconds(target.proc.pid);
    const machineAfter = machineCpuSeconds();
    const bench = process.cpuUsage(benchBefore);
    if (code !== 0) throw new Error(`load generator exited ${code}: ${load.stderr().slice(-1500)}`);
    const result = JSON.parse(load.stdout().trim().split("\n").at(-1));

    const share = (seconds) => (seconds == null ? null : seconds / wallSeconds);
    const serverCpu =
      serverCpuBefore == null || serverCpuAfter == null ? null : serverCpuAfter - serverCpuBefore;
    let kernel = null;
    let other = null;
    if (machineBefore && machineAfter && serverCpu != null) {
      kernel = machineAfter.interrupts - machineBefore.interrupts;
      const benchSeconds = (bench.user + bench.system) / 1e6;
      const busy = machineAfter.busy - machineBefore.busy;
      other = busy - kernel - serverCpu - result.processCpuSeconds - benchSeconds;
    }
    const ackedIds = readFileSync(job.idsFile, "utf8").split("\n").filter(Boolean);
    return {
      warmup: result.warmup,
      measured: result.measured,
      bodiesMade: result.bodiesMade,
      distinctBodies: result.bodiesMade >= result.warmup.requests + result.measured.requests,
      peakRssMiB: memory.peak,
      rssAfterMiB: memory.now,
      serverCpuShare: share(serverCpu),
      loadCpuShare: result.measured.loadCpuShare,
      kernelCpuShare: share(kernel),
      otherCpuShare: share(other) ?? 0,
      ackedIds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
