/**
 * The load generator, run as its own process (pinned to its own core): autocannon against one
 * webhook URL, a warm-up, then the measured run. Every request is a different delivery, as on
 * GitHub: its own delivery id and its own body (the template with the request's sequence number
 * written in: issue number, node id, title and text) with its own signature. No body repeats
 * within a run, so no request is a replay, and no layer is flattered by seeing one body again.
 * Latency is also timed here per request with performance.now(), because autocannon's histogram
 * keeps whole milliseconds and the figures compared are a few ms.
 *
 * Usage: node bench/load.mjs <job.json>; prints one JSON result line; writes the delivery ids
 * answered 2xx (warm-up and measured) to `job.idsFile`, one a line, and, when the job names a
 * `latenciesFile`, the measured run's round trips (ms, sorted) as raw float64s.
 */
import { createHmac } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
// The template split where the sequence number goes; joining with a number makes one body.
const templateParts = readFileSync(job.templateFile, "utf8").split(job.sequenceMarker);
const acked = [];
/** Starts at a 7-digit number so every body has the same size (several load processes start apart). */
const sequenceStart = job.sequenceStart ?? 1_000_000;
let sequence = sequenceStart;

/** The body and signature of delivery `n`: about 10 µs for a 12 KiB body. */
function delivery(n) {
  const body = Buffer.from(templateParts.join(String(n)));
  const signature = `sha256=${createHmac("sha256", job.secret).update(body).digest("hex")}`;
  return { body, signature };
}

/** One autocannon run; `latencies` (ms) collects 2xx round trips when given. */
function run(params) {
  const requests = [
    {
      method: "POST",
      path: job.path,
      headers: job.headers,
      setupRequest(request, context) {
        // Pipelining is 1, so the context holds exactly the request in flight on this connection.
        sequence += 1;
        context.id = `${job.idPrefix}-${params.phase}-${sequence}`;
        const { body, signature } = delivery(sequence);
        request.body = body;
        request.headers["x-github-delivery"] = context.id;
        request.headers["x-hub-signature-256"] = signature;
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
// With several load processes (one per instance), the bench merges their latencies exactly.
if (job.latenciesFile)
  writeFileSync(job.latenciesFile, Buffer.from(Float64Array.from(latencies).buffer));
const total = process.cpuUsage();
console.log(
  JSON.stringify({
    /** Distinct bodies sent (each sequence number is used once). */
    bodiesMade: sequence - sequenceStart,
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
