/**
 * The worker: runs in the app process, picks deliveries up as soon as any instance stores
 * one (the store's wake-up, not a fixed poll), routes them, and drains each channel's queue
 * at Slack's pace. Claims are leased, so work a crashed process held is taken over when its
 * lease expires.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "probot";
import type { DeliveryRecord, Store } from "../store/types.js";
import type { ChannelRegistry } from "../slack/channels.js";
import type { SlackPoster } from "../slack/poster.js";
import type { Metrics } from "../ops/metrics.js";
import { routeDelivery, type ConfigSource } from "./route-delivery.js";
import { drainChannel, type SendDeps } from "./send-channel.js";
import { createMuteCache, type ActiveMutes } from "./mutes.js";
import { withDeadline } from "../shared/deadline.js";
import { nextRetryDelay } from "../slack/retry-schedule.js";

export interface WorkerParams {
  store: Store;
  channels: ChannelRegistry;
  poster: SlackPoster;
  configs: ConfigSource;
  metrics: Metrics;
  log: Logger;
  slackPaceMs: number;
  burstSummaryAfter: number;
  /** Age after which delivered and skipped rows are pruned; 0 keeps them. */
  retentionMs: number;
  /** Lease on a claimed delivery or notification; long enough for one post with its timeout. */
  leaseMs?: number;
  /** Longest idle sleep: the fallback for a missed wake-up and for expired leases. */
  idlePollMs?: number;
  /** The clock: routing reads digest windows, quiet hours and mutes at it. */
  now?: () => Date;
  random?: () => number;
}

export interface Worker {
  /** Unique id of this process's claims. */
  readonly owner: string;
  start(): void;
  /** Wakes the routing loop now (work was just stored). */
  wake(): void;
  /** A delivery was just received and stored in this process: wakes the worker, and counts towards ingest pressure. */
  received(): void;
  /** Stops claiming, waits up to `graceMs` for posts under way, gives the rest back. */
  stop(graceMs?: number): Promise<void>;
}

const ROUTE_BATCH = 32;
/**
 * Receipt comes first: while deliveries arrive faster than this many per second, the worker
 * (which shares the process, and on SQLite its thread) pauses between batches and posts, so
 * acknowledgements are not slowed by routing and posting. The backlog drains when the burst ends.
 */
const PRESSURE_PER_SECOND = 500;
const PRESSURE_WINDOW_MS = 200;
const PRESSURE_PAUSE_MS = 100;
/** Longest one delivery's routing (config load, config check) may take before it is retried. */
const ROUTING_DEADLINE_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Sleep when work is already due but a drain holds it (e.g. waiting for its pace slot). */
const DUE_RECHECK_MS = 250;

/**
 * Creates the worker of one process.
 *
 * @example
 * const worker = createWorker({ store, channels, poster, configs, metrics, log, ... });
 * worker.start();
 */
export function createWorker(params: WorkerParams): Worker {
  const owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const now = params.now ?? (() => new Date());
  // Outlasts one Slack post with its 10 s timeout; a crashed holder's work is taken over after it.
  const leaseMs = params.leaseMs ?? 15_000;
  const idlePollMs = params.idlePollMs ?? 5_000;
  const { store, log } = params;
  const mutes = createMuteCache({ store, now });

  let running = false;
  let stopping = false;
  let wakeUp: (() => void) | null = null;
  let wakeRequested = false;
  let loop: Promise<void> | null = null;
  let lastPrune = 0;
  const drains = new Map<string, Promise<void>>();
  const sleepers = new Set<() => void>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });

  // Receipts counted over the current and the previous window.
  let windowStart = 0;
  let windowCount = 0;
  let previousWindowCount = 0;
  const underPressure = () => {
    const at = Date.now();
    if (at - windowStart >= PRESSURE_WINDOW_MS) {
      previousWindowCount = at - windowStart < 2 * PRESSURE_WINDOW_MS ? windowCount : 0;
      windowCount = 0;
      windowStart = at;
    }
    const threshold = (PRESSURE_PER_SECOND * PRESSURE_WINDOW_MS) / 1000;
    return Math.max(windowCount, previousWindowCount) >= threshold;
  };
  const yieldToIngest = async () => {
    if (underPressure()) await sleep(PRESSURE_PAUSE_MS);
  };

  const sendDeps: SendDeps = {
    store,
    poster: params.poster,
    metrics: params.metrics,
    log,
    owner,
    slackPaceMs: params.slackPaceMs,
    burstSummaryAfter: params.burstSummaryAfter,
    leaseMs,
    now,
    random: params.random ?? Math.random,
    sleep,
    yieldToIngest,
    stopped: () => stopping,
  };

  // A wake-up comes while a request is still being answered (its delivery was just stored):
  // resume after pending I/O, so the acknowledgement goes out before the worker's own store
  // work, which runs synchronously on SQLite.
  let wakeScheduled = false;
  const wake = () => {
    wakeRequested = true;
    if (wakeScheduled) return;
    wakeScheduled = true;
    setImmediate(() => {
      wakeScheduled = false;
      wakeUp?.();
    });
  };

  async function routeOne(delivery: DeliveryRecord, active: ActiveMutes): Promise<void> {
    const dlog = log.child({ deliveryId: delivery.id, event: delivery.event, action: delivery.action });
    try {
      // GitHub calls inside routing have their own timeouts, but a request stuck before it is
      // sent (throttling waiting on an unreachable Redis) would hold the whole batch.
      const outcome = await withDeadline(
        routeDelivery({
          delivery,
          configs: params.configs,
          channels: params.channels,
          mutes: active,
          now: now(),
        }),
        ROUTING_DEADLINE_MS,
        `routing took longer than ${ROUTING_DEADLINE_MS / 1000} s`,
      );
      const at = now();
      if (outcome.kind === "skip") {
        await store.finishRouting({ id: delivery.id, owner, notifications: [], reason: outcome.reason, now: at });
        await store.recordAttempt({ deliveryId: delivery.id, channel: null, at, outcome: "skipped", detail: outcome.reason });
        dlog.debug({ reason: outcome.reason }, "delivery skipped");
        return;
      }
      const held = await store.finishRouting({
        id: delivery.id,
        owner,
        notifications: outcome.notifications,
        reason: null,
        now: at,
      });
      if (!held) {
        dlog.warn("lease lost while routing; another worker has the delivery");
        return;
      }
      await store.recordAttempt({ deliveryId: delivery.id, channel: null, at, outcome: "routed", detail: outcome.detail });
      for (const dropped of outcome.dropped) {
        await store.recordAttempt({ deliveryId: delivery.id, channel: dropped.channel, at, outcome: "skipped", detail: dropped.reason });
      }
      dlog.info({ route: outcome.detail }, "delivery routed");
    } catch (error) {
      const message = (error as Error).message;
      // Routing follows Slack's retry schedule (1 s ... hourly, for 24 h), then gives up: a
      // GitHub outage is ridden out, a fault that never clears ends `dead` with its error.
      // `attempts` already counts this one; a ConfigUnavailableError may name a later time.
      const notBefore = (error as { retryAt?: unknown }).retryAt;
      const delay = nextRetryDelay({
        attempt: Math.max(1, delivery.attempts),
        random: sendDeps.random,
        retryAfterMs: notBefore instanceof Date ? notBefore.getTime() - now().getTime() : null,
      });
      const retryAt = delay === null ? null : new Date(now().getTime() + delay);
      await store.failDelivery({ id: delivery.id, owner, error: message, nextAttemptAt: retryAt, now: now() });
      await store.recordAttempt({
        deliveryId: delivery.id,
        channel: null,
        at: now(),
        outcome: retryAt ? "retry" : "dead",
        detail: message,
      });
      if (retryAt) dlog.warn({ error: message, retryAt }, "routing failed; will retry");
      else dlog.error({ error: message }, "routing failed for 24 hours; the delivery is dead");
    }
  }

  /** Starts a drain for each configured channel that has work and none yet. */
  async function startDrains(): Promise<void> {
    for (const name of params.channels.names()) {
      if (stopping || drains.has(name)) continue;
      const channel = params.channels.get(name);
      if (!channel) continue;
      if ((await store.countWaiting({ channel: name, now: now(), cap: 1 })) === 0) continue;
      if (drains.has(name)) continue;
      const drain = drainChannel({ deps: sendDeps, channel })
        .catch((error: unknown) => log.error({ err: error, channel: name }, "sending failed; will try again"))
        .finally(() => {
          drains.delete(name);
          // More may have arrived while this drain finished.
          wake();
        });
      drains.set(name, drain);
    }
  }

  async function pruneIfDue(): Promise<void> {
    if (params.retentionMs <= 0 || now().getTime() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now().getTime();
    const removed = await store.prune(new Date(now().getTime() - params.retentionMs));
    if (removed > 0) log.info({ removed }, "pruned finished deliveries past retention");
  }

  async function run(): Promise<void> {
    while (!stopping) {
      wakeRequested = false;
      let claimed: DeliveryRecord[] = [];
      try {
        // Read before claiming: a store that cannot answer leaves nothing claimed and stuck under a lease.
        const active = await mutes.current();
        claimed = await store.claimDeliveries({ owner, limit: ROUTE_BATCH, leaseMs, now: now() });
        await Promise.all(claimed.map((delivery) => routeOne(delivery, active)));
        await startDrains();
        await pruneIfDue();
        await yieldToIngest();
      } catch (error) {
        log.error({ err: error }, "worker loop failed; retrying shortly");
        await sleep(1_000);
        continue;
      }
      if (claimed.length === ROUTE_BATCH || wakeRequested || stopping) continue;

      const due = await store.nextDueAt().catch(() => null);
      // Already due means a drain has it or is about to: look again soon, but do not spin.
      const untilDue = due ? Math.max(DUE_RECHECK_MS, due.getTime() - now().getTime()) : idlePollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, Math.min(untilDue, idlePollMs));
        function finish() {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        }
        wakeUp = finish;
        if (wakeRequested || stopping) finish();
      });
    }
  }

  let unsubscribe: (() => void) | null = null;
  return {
    owner,
    wake,
    received() {
      underPressure();
      windowCount += 1;
      wake();
    },
    start() {
      if (running) return;
      running = true;
      unsubscribe = store.onWork(wake);
      loop = run();
    },
    async stop(graceMs = 10_000) {
      if (!running) return;
      stopping = true;
      unsubscribe?.();
      wakeUp?.();
      for (const wakeSleeper of [...sleepers]) wakeSleeper();
      const settled = Promise.all([loop, ...drains.values()]);
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, graceMs))]);
      await store.releaseAll(owner);
      running = false;
    },
  };
}
