/**
 * A memory cgroup the bench creates to run one process capped at a size, as a small container
 * caps it: cgroup v2 when `/sys/fs/cgroup` is a cgroup2 mount with the memory controller, else
 * v1 at `/sys/fs/cgroup/memory`. The cgroup is made inside the bench's own cgroup when it may
 * (a delegated subtree, or where the bench already runs), else at the hierarchy's root. It
 * needs root (or a delegated cgroup); where it cannot be made, {@link createMemoryCgroup} says
 * why and the bench skips the row with that reason. Swap is capped at 0 where the controller
 * allows it, so the cap is the memory the process can use, not memory plus swap.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, statfsSync, writeFileSync } from "node:fs";
import { platform } from "node:os";
import { join } from "node:path";
import { sleep } from "./processes.mjs";

const ROOT = "/sys/fs/cgroup";
const CGROUP2_SUPER_MAGIC = 0x63677270;

const read = (file) => readFileSync(file, "utf8");
const readNumber = (file) => {
  try {
    const text = read(file).trim();
    return text === "max" ? null : Number(text);
  } catch {
    return null;
  }
};
/** `key value` lines (memory.stat, memory.events, memory.oom_control) as numbers. */
const readKeyed = (file) => {
  try {
    return Object.fromEntries(
      read(file)
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [key, value] = line.split(/\s+/);
          return [key, Number(value)];
        }),
    );
  } catch {
    return {};
  }
};

/** The bench's own cgroup path in the hierarchy whose controllers list includes `controller` ("" for v2). */
function ownPath(controller) {
  try {
    for (const line of read("/proc/self/cgroup").split("\n")) {
      const [, controllers, path] = line.split(":");
      if (path === undefined) continue;
      if (controller === "" ? controllers === "" : controllers.split(",").includes(controller))
        return path;
    }
  } catch {
    // No /proc.
  }
  return null;
}

function isCgroup2() {
  try {
    return statfsSync(ROOT).type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/** Candidate parents: the bench's own cgroup first, then the root; duplicates dropped. */
function parents(root, own) {
  const list = own && own !== "/" ? [join(root, own), root] : [root];
  return [...new Set(list)];
}

/** Makes the child under the first parent that allows it; returns `{ dir }` or `{ reason }`. */
function makeChild({ candidates, name, prepareParent }) {
  const reasons = [];
  for (const parent of candidates) {
    const dir = join(parent, name);
    try {
      prepareParent?.(parent);
      mkdirSync(dir);
      return { dir, parent };
    } catch (error) {
      reasons.push(`${dir}: ${error.code ?? error.message}`);
    }
  }
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  return {
    reason: `cannot create a memory cgroup (${reasons.join("; ")})${root ? "" : "; the bench must run as root"}`,
  };
}

/**
 * Creates a memory cgroup capped at `limitBytes`, or says why it cannot.
 *
 * @example
 * const cgroup = createMemoryCgroup({ limitBytes: 256 * 2 ** 20, name: `notifier-bench-${process.pid}` });
 * if (cgroup.skipped) console.log(cgroup.skipped);
 * else startNode({ args, core, cgroupProcs: cgroup.procsFile });
 */
export function createMemoryCgroup({ limitBytes, name }) {
  if (platform() !== "linux") return { skipped: "skipped: not Linux (no memory cgroups)" };
  if (isCgroup2()) {
    const controllers = existsSync(join(ROOT, "cgroup.controllers"))
      ? read(join(ROOT, "cgroup.controllers")).split(/\s+/)
      : [];
    if (!controllers.includes("memory"))
      return {
        skipped: "skipped: /sys/fs/cgroup is cgroup2 without the memory controller",
      };
    const made = makeChild({
      candidates: parents(ROOT, ownPath("")),
      name,
      prepareParent(parent) {
        const control = join(parent, "cgroup.subtree_control");
        if (!read(control).split(/\s+/).includes("memory")) writeFileSync(control, "+memory");
      },
    });
    if (made.reason) return { skipped: `skipped: cgroup v2: ${made.reason}` };
    const { dir } = made;
    try {
      writeFileSync(join(dir, "memory.max"), String(limitBytes));
      if (existsSync(join(dir, "memory.swap.max")))
        writeFileSync(join(dir, "memory.swap.max"), "0");
    } catch (error) {
      rmdirSync(dir);
      return {
        skipped: `skipped: cgroup v2: cannot set memory.max (${error.code ?? error.message})`,
      };
    }
    return handle({
      version: "v2",
      dir,
      limitBytes,
      reading: () => {
        const stat = readKeyed(join(dir, "memory.stat"));
        const events = readKeyed(join(dir, "memory.events"));
        return {
          currentBytes: readNumber(join(dir, "memory.current")),
          peakBytes: readNumber(join(dir, "memory.peak")),
          anonBytes: stat.anon ?? null,
          fileBytes: stat.file ?? null,
          oomKills: events.oom_kill ?? 0,
          ooms: events.oom ?? 0,
          limitHits: events.max ?? 0,
        };
      },
    });
  }
  const v1 = join(ROOT, "memory");
  if (!existsSync(join(v1, "memory.limit_in_bytes")))
    return {
      skipped:
        "skipped: no memory cgroup (neither cgroup2 with the memory controller at /sys/fs/cgroup nor v1 at /sys/fs/cgroup/memory)",
    };
  const made = makeChild({ candidates: parents(v1, ownPath("memory")), name });
  if (made.reason) return { skipped: `skipped: cgroup v1: ${made.reason}` };
  const { dir } = made;
  try {
    writeFileSync(join(dir, "memory.limit_in_bytes"), String(limitBytes));
  } catch (error) {
    rmdirSync(dir);
    return {
      skipped: `skipped: cgroup v1: cannot set memory.limit_in_bytes (${error.code ?? error.message})`,
    };
  }
  try {
    // Memory plus swap capped at the same figure: no swap (absent without swap accounting).
    writeFileSync(join(dir, "memory.memsw.limit_in_bytes"), String(limitBytes));
  } catch {
    // No swap accounting on this kernel.
  }
  return handle({
    version: "v1",
    dir,
    limitBytes,
    reading: () => {
      const stat = readKeyed(join(dir, "memory.stat"));
      const oom = readKeyed(join(dir, "memory.oom_control"));
      return {
        currentBytes: readNumber(join(dir, "memory.usage_in_bytes")),
        peakBytes: readNumber(join(dir, "memory.max_usage_in_bytes")),
        anonBytes: stat.total_rss ?? stat.rss ?? null,
        fileBytes: stat.total_cache ?? stat.cache ?? null,
        oomKills: oom.oom_kill ?? 0,
        ooms: oom.under_oom ?? 0,
        limitHits: readNumber(join(dir, "memory.failcnt")) ?? 0,
      };
    },
  });
}

function handle({ version, dir, limitBytes, reading }) {
  let sampler = null;
  const sampled = { currentBytes: 0, anonBytes: 0 };
  return {
    version,
    dir,
    limitBytes,
    procsFile: join(dir, "cgroup.procs"),
    /** Where the cgroup is and how it caps, for the report. */
    description: `cgroup ${version} at ${dir}, ${version === "v2" ? "memory.max" : "memory.limit_in_bytes"} = ${limitBytes / 2 ** 20} MiB, no swap`,
    /** The cgroup's figures now; `sampledPeak*` are the highest seen by {@link startSampling}. */
    read() {
      const now = reading();
      return {
        ...now,
        sampledPeakBytes: Math.max(sampled.currentBytes, now.currentBytes ?? 0),
        sampledPeakAnonBytes: Math.max(sampled.anonBytes, now.anonBytes ?? 0),
      };
    },
    /** Samples usage every `intervalMs`, for the peak of anonymous memory (and where memory.peak is missing). */
    startSampling(intervalMs = 100) {
      sampler = setInterval(() => {
        const now = reading();
        sampled.currentBytes = Math.max(sampled.currentBytes, now.currentBytes ?? 0);
        sampled.anonBytes = Math.max(sampled.anonBytes, now.anonBytes ?? 0);
      }, intervalMs);
      sampler.unref();
    },
    /** What `node <nodeArgs>` sees in the cgroup: V8's heap limit and Node's constrained memory, in MiB. */
    nodeView(nodeArgs = []) {
      const probe = spawnSync(
        "/bin/sh",
        [
          "-c",
          'echo $$ > "$0" && exec "$@"',
          join(dir, "cgroup.procs"),
          process.execPath,
          ...nodeArgs,
          "-p",
          "JSON.stringify({ heap: require('v8').getHeapStatistics().heap_size_limit, constrained: process.constrainedMemory?.() ?? null })",
        ],
        { encoding: "utf8" },
      );
      try {
        const { heap, constrained } = JSON.parse(probe.stdout.trim());
        return {
          heapLimitMiB: heap / 2 ** 20,
          constrainedMiB: constrained ? constrained / 2 ** 20 : null,
        };
      } catch {
        return { heapLimitMiB: null, constrainedMiB: null };
      }
    },
    /** Removes the cgroup once its processes are gone (retries while the kernel frees it). */
    async dispose() {
      if (sampler) clearInterval(sampler);
      for (let attempt = 0; attempt < 50; attempt += 1) {
        try {
          rmdirSync(dir);
          return;
        } catch (error) {
          if (error.code === "ENOENT") return;
          await sleep(100);
        }
      }
    },
  };
}
