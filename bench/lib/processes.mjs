/**
 * Processes and the machine: starting each server and the load generator as its own process,
 * pinned to its own core with `taskset` when the machine allows it, and reading memory and CPU
 * from `/proc` (Linux). Without `taskset`, with one core or without `/proc`, nothing is pinned
 * or the figure is missing, and the report says so.
 */
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism, cpus, platform, release } from "node:os";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The core servers under test run on; the bench, its fakes and the load generator use core 0. */
export const SERVER_CORE = 1;
export const LOAD_CORE = 0;
const CLOCK_TICKS = 100;

const canPin =
  platform() === "linux" &&
  availableParallelism() >= 2 &&
  spawnSync("taskset", ["-V"], { stdio: "ignore" }).status === 0;

/** What the report says about the machine and the pinning. */
export function machine() {
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown CPU",
    // All cores, not this process's affinity (the bench pins itself to one).
    cores: cpus().length,
    node: process.version,
    os: `${platform()} ${release()}`,
    pinned: canPin,
    pinning: canPin
      ? `taskset: servers on core ${SERVER_CORE}, load generator and bench fakes on core ${LOAD_CORE}`
      : "not pinned (no taskset, or one core): servers, load and fakes share the cores",
  };
}

/** Pins the bench process (all its threads) to the load core. */
export function pinSelf() {
  if (canPin)
    spawnSync("taskset", ["-a", "-p", "-c", String(LOAD_CORE), String(process.pid)], {
      stdio: "ignore",
    });
}

/** A fresh RSA key for the App, as GitHub hands one out (PKCS#1 PEM). */
export function generateAppKey() {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
}

/**
 * Starts `node <args>` pinned to `core`; collects its output. With `cgroupProcs` (a cgroup's
 * `cgroup.procs` file) the process joins that cgroup before node starts, so everything it ever
 * allocates is charged there.
 *
 * @example
 * const proc = startNode({ args: ["bench/servers/bare.mjs"], env, core: SERVER_CORE });
 * await proc.stop();
 */
export function startNode({ args, env = process.env, core, cwd = ROOT, cgroupProcs }) {
  const pinned = canPin && core !== undefined;
  let command = pinned ? "taskset" : process.execPath;
  let argv = pinned ? ["-c", String(core), process.execPath, ...args] : args;
  if (cgroupProcs) {
    // The shell writes its own pid into the cgroup, then execs the rest: same pid throughout.
    argv = ["-c", 'echo $$ > "$0" && exec "$@"', cgroupProcs, command, ...argv];
    command = "/bin/sh";
  }
  // taskset execs node, so the child's pid is node's.
  const child = spawn(command, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  let exitedNow = false;
  void exited.then(() => (exitedNow = true));
  return {
    pid: child.pid,
    child,
    exited,
    hasExited: () => exitedNow,
    stdout: () => stdout,
    stderr: () => stderr,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
    async stop(graceMs = 15_000) {
      if (exitedNow) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Waits for the first stdout line that parses as JSON with a `port`, as the baselines print. */
export async function waitForPort(proc, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of proc.stdout().split("\n")) {
      try {
        const parsed = JSON.parse(line);
        if (typeof parsed.port === "number") return parsed.port;
      } catch {
        // Not the line we wait for.
      }
    }
    if (proc.hasExited()) break;
    await sleep(20);
  }
  throw new Error(
    `server printed no port within ${timeoutMs} ms; stderr: ${proc.stderr().slice(-1500)}`,
  );
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `VmHWM` (peak resident) and `VmRSS` of `pid` in MiB, or nulls without `/proc`. */
export function memoryMiB(pid) {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return { peak: null, now: null };
  const status = readFileSync(path, "utf8");
  const kib = (field) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match ? Number(match[1]) / 1024 : null;
  };
  return { peak: kib("VmHWM"), now: kib("VmRSS") };
}

/** CPU seconds (user + system, all threads) `pid` has used, or null without `/proc`. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces; fields after it are space separated.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * CPU seconds the PostgreSQL server on this machine has used so far: every process named
 * `postgres` (user + system), plus the postmaster's reaped children (backends that already
 * exited), so the difference of two readings is the server's CPU in between. Null without
 * `/proc` or without a local PostgreSQL.
 */
export function postgresCpuSeconds() {
  let pids;
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const procs = new Map();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (name !== "postgres" && name !== "postmaster") continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      procs.set(pid, {
        ppid: fields[1],
        own: Number(fields[11]) + Number(fields[12]),
        children: Number(fields[13]) + Number(fields[14]),
      });
    } catch {
      // Gone meanwhile.
    }
  }
  if (procs.size === 0) return null;
  let ticks = 0;
  for (const proc of procs.values()) {
    ticks += proc.own;
    // The postmaster (its parent is not a postgres process) carries its exited backends.
    if (!procs.has(proc.ppid)) ticks += proc.children;
  }
  return ticks / CLOCK_TICKS;
}

/** The machine's CPU seconds so far: busy (all but idle and iowait) and interrupts, or null. */
export function machineCpuSeconds() {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return {
      busy: (user + nice + system + irq + softirq + steal) / CLOCK_TICKS,
      interrupts: (irq + softirq) / CLOCK_TICKS,
      idle: (idle + iowait) / CLOCK_TICKS,
    };
  } catch {
    return null;
  }
}

/**
 * Waits until the whole machine is less than `busyShare` busy over one second, for at most
 * `maxSeconds`; resolves with the last busy share measured (0 without `/proc`).
 */
export async function waitForQuiet({ busyShare, maxSeconds }) {
  const deadline = Date.now() + maxSeconds * 1000;
  let busy = 0;
  do {
    const before = machineCpuSeconds();
    await sleep(1000);
    const after = machineCpuSeconds();
    if (!before || !after) return 0;
    const total = after.busy + after.idle - before.busy - before.idle;
    busy = total > 0 ? (after.busy - before.busy) / total : 0;
    if (busy < busyShare) return busy;
  } while (Date.now() < deadline);
  return busy;
}

/** Longest a probe of `probeUrl` is waited for; a probe that takes longer counts as this. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * Milliseconds until `url` answers (its body read), or PROBE_TIMEOUT_MS if it does not answer
 * 2xx in that time.
 */
async function probe(url) {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.arrayBuffer();
    return response.ok ? performance.now() - started : PROBE_TIMEOUT_MS;
  } catch {
    return PROBE_TIMEOUT_MS;
  }
}

/**
 * After a load: samples `pid`'s resident memory every `intervalMs` until it is back within
 * `factor` times `idleMiB` or `maxSeconds` have passed. Resolves with whether and when it
 * settled, the last reading and the lowest seen. With `probeUrl` (the app's `/healthz`), each
 * sample also times a GET of it: `probeMaxMs` is the longest answer while the backlog drained
 * (an app that routes its backlog on the event loop without letting go answers late).
 *
 * @example
 * const settle = await waitForSettle({ pid, idleMiB: 80, factor: 1.2, maxSeconds: 30, probeUrl });
 * settle.settled; settle.seconds; settle.rssMiB; settle.probeMaxMs;
 */
export async function waitForSettle({
  pid,
  idleMiB,
  factor,
  maxSeconds,
  intervalMs = 500,
  probeUrl = null,
}) {
  const started = performance.now();
  const bound = idleMiB * factor;
  let lowest = Infinity;
  let probeMaxMs = null;
  for (;;) {
    const seconds = (performance.now() - started) / 1000;
    const rss = memoryMiB(pid).now;
    if (rss == null)
      return {
        settled: false,
        seconds,
        rssMiB: null,
        lowestMiB: null,
        maxSeconds,
        probeMaxMs,
        gone: true,
      };
    lowest = Math.min(lowest, rss);
    if (rss <= bound)
      return { settled: true, seconds, rssMiB: rss, lowestMiB: lowest, maxSeconds, probeMaxMs };
    if (seconds >= maxSeconds)
      return { settled: false, seconds, rssMiB: rss, lowestMiB: lowest, maxSeconds, probeMaxMs };
    if (probeUrl) probeMaxMs = Math.max(probeMaxMs ?? 0, await probe(probeUrl));
    await sleep(intervalMs);
  }
}
