/**
 * The load generator, run as its own process (pinned to its own core): autocannon against one
 * webhook URL with a fixed signed body, a fresh delivery id per request, a warm-up, then the
 * measured run. Latency is also timed here per request with performance.now(), because
 * autocannon's histogram keeps whole milliseconds and the figures compared are a few ms.
 *
 * Usage: node bench/load.mjs <job.json>; prints one JSON result line; writes the delivery ids
 * answered 2xx (warm-up and measured) to `job.idsFile`, one a line.
 */
import { readFileSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const body = readFileSync(job.bodyFile);
const acked = [];
let sequence = 0;

/** One autocannon run; `latencies` (ms) collects 2xx round trips when given. */
function run(params) {
  const requests = [
    {
      method: "POST",
      path: job.path,
      headers: job.headers,
      body,
      setupRequest(request, context) {
        // Pipelining is 1, so the context holds exactly the request in flight on this connection.
        context.id = `${job.idPrefix}-${params.phase}-${++sequence}`;
        request.headers["x-github-delivery"] = context.id;
        context.sentAt = performance.now();
        return request;
      },
      onResponse(status, _body, context) {
        if (status < 200 || status > 299) return;
        acked.push(context.id);
        params.latencies?.push(performance.now() - context.sentAt);
      },
    },
  ];
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: job.url,
        connections: job.connections,
        pipelining: 1,
        duration: params.seconds,
        timeout: 10,
        requests,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(result) {
  return {
    requests: result.requests.total,
    "2xx": result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

const warmup = await run({ phase: "w", seconds: job.warmupSeconds });
const latencies = [];
const cpuBefore = process.cpuUsage();
const measured = await run({ phase: "m", seconds: job.durationSeconds, latencies });
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
writeFileSync(job.idsFile, acked.join("\n"));
const total = process.cpuUsage();
console.log(
  JSON.stringify({
    /** CPU seconds this whole process used, so the bench can tell other load on the machine apart. */
    processCpuSeconds: (total.user + total.system) / 1e6,
    warmup: summary(warmup),
    measured: {
      ...summary(measured),
      seconds: job.durationSeconds,
      /** Share of one core the load generator used: near 100% means it, not the server, set the pace. */
      loadCpuShare: (cpu.user + cpu.system) / 1e6 / measured.duration,
      requestsPerSec: measured["2xx"] / measured.duration,
      latencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? null,
      },
      autocannonLatencyMs: { p50: measured.latency.p50, p99: measured.latency.p99 },
    },
  }),
);
