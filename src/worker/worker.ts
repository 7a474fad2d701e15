/**
 * The worker: runs in the app process, picks deliveries up as soon as any instance stores
 * one (the store's wake-up, not a fixed poll), routes them, and drains each channel's queue
 * at Slack's pace. Claims are leased, so work a crashed process held is taken over when its
 * lease expires.
 *
 * Every repository is a stranger: deliveries are routed one by one in a bounded pool
 * (`routing-pool.ts`), claimed as slots free up, so an installation whose config read hangs
 * holds only its own slots; each channel drains on its own, so a Slack outage on one webhook
 * holds only that channel.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "probot";
import type {
  DeliveryHistory,
  DeliveryQueue,
  DeliveryRecord,
  MuteStore,
  NotificationQueue,
  Pacing,
} from "../store/types.js";
import type { ChannelRegistry } from "../slack/channels.js";
import type { SlackPoster } from "../slack/poster.js";
import type { Metrics } from "../ops/metrics.js";
import { routeDelivery, type ConfigSource } from "./route-delivery.js";
import { drainChannel, type SendDeps } from "./send-channel.js";
import { createMuteCache, type ActiveMutes } from "./mutes.js";
import { DeadlineExceededError, withDeadline } from "../shared/deadline.js";
import { nextRetryDelay } from "../slack/retry-schedule.js";
import { createRoutingPool, type Overdue } from "./routing-pool.js";
import { afterMissedDeadline, missedDeadline, routingDeadlineMessage } from "./routing-deadline.js";

export interface WorkerParams {
  /** Claims and routes deliveries, sends notifications (paced), appends history and prunes, reads mutes. */
  store: Omit<DeliveryQueue, "insertDelivery" | "requeueDelivery"> &
    NotificationQueue &
    Pacing &
    Pick<DeliveryHistory, "recordAttempt" | "prune"> &
    Pick<MuteStore, "listMutes">;
  channels: ChannelRegistry;
  poster: SlackPoster;
  configs: ConfigSource;
  metrics: Metrics;
  log: Logger;
  slackPaceMs: number;
  burstSummaryAfter: number;
  /** Age after which delivered and skipped rows are pruned; 0 keeps them. */
  retentionMs: number;
  /**
   * Lease on a claimed delivery or notification; long enough for one post with its timeout.
   * Deliveries being routed (or held behind their installation) have their lease renewed every
   * third of it, so a routing that waits for GitHub up to its deadline keeps its delivery, and
   * a crashed process's deliveries are taken over within one lease.
   */
  leaseMs?: number;
  /**
   * Longest one delivery's routing (config reads, config check) is waited for; 60 s when
   * absent. A miss retries the delivery; the second miss in a row ends it `dead`.
   */
  routingDeadlineMs?: number;
  /** Most deliveries routed at once; 32 when absent. */
  routingConcurrency?: number;
  /** Most deliveries of one installation (or owner, without one) routed at once; 4 when absent. */
  routingPerInstallation?: number;
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

const ROUTING_CONCURRENCY = 32;
const ROUTING_PER_INSTALLATION = 4;
/** Deliveries held behind their installation, per routing slot: a bound on memory. */
const HOLD_PER_SLOT = 4;
/** An installation at its bound whose oldest routing runs this long is stalled (or half the deadline, if shorter). */
const STALL_MS = 5_000;
/**
 * Receipt comes first: while deliveries arrive faster than this many per second, the worker
 * (which shares the process, and on SQLite its thread) pauses between batches and posts, so
 * acknowledgements are not slowed by routing and posting. The backlog drains when the burst ends.
 */
const PRESSURE_PER_SECOND = 500;
const PRESSURE_WINDOW_MS = 200;
const PRESSURE_PAUSE_MS = 100;
/** Longest one delivery's routing (config load, config check) is waited for before it is retried. */
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
  const routingDeadlineMs = params.routingDeadlineMs ?? ROUTING_DEADLINE_MS;
  const stallMs = Math.min(STALL_MS, routingDeadlineMs / 2);
  const routingConcurrency = params.routingConcurrency ?? ROUTING_CONCURRENCY;
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
    mayUse: (channel, repositoryOwner) => params.channels.mayUse(channel, repositoryOwner),
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

  async function routeOne(delivery: DeliveryRecord): Promise<void> {
    const dlog = log.child({
      deliveryId: delivery.id,
      event: delivery.event,
      action: delivery.action,
    });
    try {
      // GitHub calls inside routing have their own timeouts, but a request stuck before it is
      // sent (throttling waiting on an unreachable Redis) would hold its slot for ever.
      const outcome = await withDeadline(
        mutes.current().then((active: ActiveMutes) =>
          routeDelivery({
            delivery,
            configs: params.configs,
            channels: params.channels,
            mutes: active,
            now: now(),
          }),
        ),
        routingDeadlineMs,
        routingDeadlineMessage(routingDeadlineMs),
      );
      const at = now();
      if (outcome.kind === "skip") {
        await store.finishRouting({
          id: delivery.id,
          owner,
          notifications: [],
          reason: outcome.reason,
          now: at,
        });
        await store.recordAttempt({
          deliveryId: delivery.id,
          channel: null,
          at,
          outcome: "skipped",
          detail: outcome.reason,
        });
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
      await store.recordAttempt({
        deliveryId: delivery.id,
        channel: null,
        at,
        outcome: "routed",
        detail: outcome.detail,
      });
      for (const dropped of outcome.dropped) {
        await store.recordAttempt({
          deliveryId: delivery.id,
          channel: dropped.channel,
          at,
          outcome: "skipped",
          detail: dropped.reason,
        });
      }
      dlog.info({ route: outcome.detail }, "delivery routed");
    } catch (error) {
      // A missed deadline twice in a row is a routing that will not end: give up on it now.
      const missed =
        error instanceof DeadlineExceededError
          ? afterMissedDeadline({ previousError: delivery.error, deadlineMs: routingDeadlineMs })
          : null;
      const message = missed?.error ?? (error as Error).message;
      // Routing follows Slack's retry schedule (1 s ... hourly, for 24 h), then gives up: a
      // GitHub outage is ridden out, a fault that never clears ends `dead` with its error.
      // `attempts` already counts this one; a ConfigUnavailableError may name a later time.
      const notBefore = (error as { retryAt?: unknown }).retryAt;
      const retryAt =
        missed?.kind === "dead"
          ? null
          : retryTime({
              attempt: delivery.attempts,
              retryAfterMs:
                notBefore instanceof Date ? notBefore.getTime() - now().getTime() : null,
            });
      await store.failDelivery({
        id: delivery.id,
        owner,
        error: message,
        nextAttemptAt: retryAt,
        now: now(),
      });
      await store.recordAttempt({
        deliveryId: delivery.id,
        channel: null,
        at: now(),
        outcome: retryAt ? "retry" : "dead",
        detail: message,
      });
      if (retryAt) dlog.warn({ error: message, retryAt }, "routing failed; will retry");
      else if (missed)
        dlog.error({ error: message }, "routing missed its deadline twice; the delivery is dead");
      else dlog.error({ error: message }, "routing failed for 24 hours; the delivery is dead");
    }
  }

  /** When a delivery whose routing failed (or was put off) is due again; null when its day of retries is over. */
  function retryTime(p: { attempt: number; retryAfterMs: number | null }): Date | null {
    const delay = nextRetryDelay({
      attempt: Math.max(1, p.attempt),
      random: sendDeps.random,
      retryAfterMs: p.retryAfterMs,
    });
    return delay === null ? null : new Date(now().getTime() + delay);
  }

  // Each delivery is routed on its own, bounded overall and per installation.
  const pool = createRoutingPool<DeliveryRecord>({
    globalBound: routingConcurrency,
    perKeyBound: params.routingPerInstallation ?? ROUTING_PER_INSTALLATION,
    holdCap: routingConcurrency * HOLD_PER_SLOT,
    keyOf: installationKey,
    idOf: (delivery) => delivery.id,
    run: routeOne,
    // A slot is free and a message may be queued: claim more and start the drains.
    onSettled: wake,
    now: () => Date.now(),
  });

  /**
   * Gives back what waited too long behind its installation. Behind a stalled installation,
   * the delivery is retried on the routing schedule (that installation is failing now); one
   * held so long its claim may lapse before routing could end is due again at once. A
   * delivery that missed its deadline before keeps that error, so the next miss still counts
   * as the second.
   */
  async function deferOverdue(overdue: Overdue<DeliveryRecord>[]): Promise<void> {
    for (const { item: delivery, key, why } of overdue) {
      const note =
        why === "stalled"
          ? `put off: ${key} has ${pool.inFlightOf(key)} deliveries routing for over ${stallMs / 1000} s`
          : `put off: waited behind ${key} for over ${leaseMs / 1000} s; claimed again`;
      const retryAt =
        why === "stalled" ? retryTime({ attempt: delivery.attempts, retryAfterMs: null }) : now();
      const error = missedDeadline(delivery.error) ? (delivery.error as string) : note;
      await store.failDelivery({
        id: delivery.id,
        owner,
        error,
        nextAttemptAt: retryAt,
        now: now(),
      });
      await store.recordAttempt({
        deliveryId: delivery.id,
        channel: null,
        at: now(),
        outcome: retryAt ? "retry" : "dead",
        detail: note,
      });
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
        .catch((error: unknown) =>
          log.error({ err: error, channel: name }, "sending failed; will try again"),
        )
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
      let limit = 0;
      let claimed: DeliveryRecord[] = [];
      try {
        // Read before claiming: a store that cannot answer leaves nothing claimed and stuck under a lease.
        await mutes.current();
        // Only as many as there are free slots: nothing claimed waits for someone else's routing.
        limit = pool.claimLimit();
        if (limit > 0) {
          claimed = await store.claimDeliveries({
            owner,
            limit,
            leaseMs,
            now: now(),
          });
        }
        for (const delivery of claimed) pool.admit(delivery);
        await deferOverdue(pool.takeOverdue({ stallMs, maxHoldMs: leaseMs }));
        await startDrains();
        await pruneIfDue();
        await yieldToIngest();
      } catch (error) {
        log.error({ err: error }, "worker loop failed; retrying shortly");
        await sleep(1_000);
        continue;
      }
      if ((limit > 0 && claimed.length === limit) || wakeRequested || stopping) continue;

      const due = await store.nextDueAt().catch(() => null);
      // Already due means a drain has it or is about to: look again soon, but do not spin.
      const untilDue = due ? Math.max(DUE_RECHECK_MS, due.getTime() - now().getTime()) : idlePollMs;
      // Held deliveries are looked at again once an installation could have stalled.
      const untilHeldDue = pool.held() > 0 ? stallMs : idlePollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, Math.min(untilDue, untilHeldDue, idlePollMs));
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

  // The heartbeat of routing under way: claims stay short, and stay held while this process lives.
  let heartbeat: NodeJS.Timeout | null = null;
  const renewClaims = () => {
    const ids = pool.ids();
    if (ids.length === 0) return;
    store.renewDeliveryLeases({ owner, ids, leaseMs, now: now() }).catch((error: unknown) => {
      log.warn(
        { err: error },
        "could not renew routing claims; another instance may take them over",
      );
    });
  };

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
      heartbeat = setInterval(renewClaims, Math.max(1, Math.floor(leaseMs / 3)));
      heartbeat.unref();
      loop = run();
    },
    async stop(graceMs = 10_000) {
      if (!running) return;
      stopping = true;
      pool.close();
      unsubscribe?.();
      wakeUp?.();
      for (const wakeSleeper of [...sleepers]) wakeSleeper();
      // Routings under way are waited for like posts; held deliveries are given back below.
      const settled = Promise.all([loop, pool.idle(), ...drains.values()]);
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, graceMs))]);
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = null;
      await store.releaseAll(owner);
      running = false;
    },
  };
}

/** Whose routing slots a delivery takes: its installation's, else its repository owner's. */
function installationKey(delivery: DeliveryRecord): string {
  if (delivery.installationId !== null) return `installation ${delivery.installationId}`;
  const owner = delivery.repository?.split("/")[0]?.toLowerCase();
  return owner ? `owner ${owner}` : "no installation";
}
