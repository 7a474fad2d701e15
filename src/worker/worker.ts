/**
 * The worker: runs in the app process, picks deliveries up as soon as any instance stores
 * one (the store's wake-up, not a fixed poll), routes them, and drains each channel's queue
 * at Slack's pace. Claims are leased, so work a crashed process held is taken over when its
 * lease expires.
 *
 * Every repository is a stranger: deliveries are routed one by one in a bounded pool
 * (`routing-pool.ts`), claimed as slots free up, so an installation whose config read hangs
 * holds only its own slots; each channel drains on its own (`channel-drains.ts`), so a Slack
 * outage on one webhook holds only that channel. This file is the loop (claim, sleep, wake)
 * and the claims' heartbeat; routing and its retry policy live in `delivery-routing.ts`,
 * receipt pressure in `receipt-pressure.ts`.
 */
import { randomUUID } from "node:crypto";
import type { Log } from "../shared/log.js";
import type {
  CiHistory,
  HeadShas,
  DeliveryHistory,
  DeliveryQueue,
  DeliveryRecord,
  LateLabels,
  MuteStore,
  NotificationQueue,
  Pacing,
  ReviewWaits,
} from "../store/types.js";
import type { ChannelRegistry } from "../settings/channels.js";
import type { SlackPoster } from "../slack/poster.js";
import type { ThreadPoster } from "../threads/thread-poster.js";
import type { PeopleDirectory } from "../settings/people.js";
import type { Metrics } from "../ops/metrics.js";
import type { ConfigSource } from "../repo-config/config-source.js";
import type { ReminderRunner } from "../reminders/run-reminder.js";
import type { SendDeps } from "./send-channel.js";
import { createMuteCache } from "./mutes.js";
import { createRoutingPool } from "./routing-pool.js";
import { createDeliveryRouting } from "./delivery-routing.js";
import { createChannelDrains } from "./channel-drains.js";
import { strandedChannels } from "./stranded-channels.js";
import { createReceiptPressure } from "./receipt-pressure.js";
import { createSleeper } from "./sleeper.js";

export interface WorkerParams {
  /**
   * Claims and routes deliveries (with the CI history, late labels and review states routing
   * keeps), sends notifications (paced), appends history and prunes, reads mutes.
   */
  store: Omit<DeliveryQueue, "insertDelivery" | "requeueDelivery"> &
    NotificationQueue &
    Pacing &
    Pick<DeliveryHistory, "recordAttempt" | "prune"> &
    Pick<MuteStore, "listMutes"> &
    CiHistory &
    LateLabels &
    HeadShas &
    Pick<ReviewWaits, "recordReviewUpdate">;
  channels: ChannelRegistry;
  poster: SlackPoster;
  /** Posts to bot channels and direct messages through the Web API; null without a bot token. */
  threads?: ThreadPoster | null;
  /** The operator's GitHub login to Slack user mapping; nobody when absent. */
  people?: PeopleDirectory;
  configs: ConfigSource;
  /** Runs the reminder runs the scheduler stored; absent or null skips them. */
  reminders?: Pick<ReminderRunner, "run"> | null;
  /** Told when a routed delivery may change which repositories have reminders. */
  onReminderSourcesChanged?: () => void;
  metrics: Metrics;
  log: Log;
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
/** Longest one delivery's routing (config load, config check) is waited for before it is retried. */
const ROUTING_DEADLINE_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Free routing slots worth a claim of their own while others route; fewer wait up to CLAIM_GATHER_MS. */
const CLAIM_GATHER = 8;
const CLAIM_GATHER_MS = 20;
/** Sleep when work is already due but a drain holds it (e.g. waiting for its pace slot). */
const DUE_RECHECK_MS = 250;

/** Resolves after the event loop has polled for I/O and run its due timers once. */
const nextLoopPass = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
  const random = params.random ?? Math.random;
  const { store, log } = params;
  const mutes = createMuteCache({ store, now });
  const sleeper = createSleeper();
  const pressure = createReceiptPressure({ sleep: sleeper.sleep });

  let stopping = false;
  const waker = createWaker();
  const wake = waker.wake;

  const drains = createChannelDrains({
    deps: {
      store,
      poster: params.poster,
      threads: params.threads ?? null,
      metrics: params.metrics,
      log,
      owner,
      mayUse: (channel, repositoryOwner) => params.channels.mayUse(channel, repositoryOwner),
      slackPaceMs: params.slackPaceMs,
      burstSummaryAfter: params.burstSummaryAfter,
      leaseMs,
      now,
      random,
      sleep: sleeper.sleep,
      yieldToIngest: pressure.yieldToIngest,
      stopped: () => stopping,
    } satisfies SendDeps,
    channels: params.channels,
    store,
    log,
    onEnded: wake,
  });

  const routing = createDeliveryRouting({
    store,
    configs: params.configs,
    channels: params.channels,
    people: params.people,
    mutes,
    reminders: params.reminders ?? null,
    ...(params.onReminderSourcesChanged
      ? { onReminderSourcesChanged: params.onReminderSourcesChanged }
      : {}),
    onReminderRun: (outcome) => params.metrics.reminders.inc({ outcome }),
    owner,
    log,
    now,
    random,
    routingDeadlineMs,
    stallMs,
  });
  // Each delivery is routed on its own, bounded overall and per installation.
  const pool = createRoutingPool<DeliveryRecord>({
    globalBound: routingConcurrency,
    perKeyBound: params.routingPerInstallation ?? ROUTING_PER_INSTALLATION,
    holdCap: routingConcurrency * HOLD_PER_SLOT,
    keyOf: installationKey,
    idOf: (delivery) => delivery.id,
    run: routing.routeOne,
    // A slot is free and a message may be queued: claim more and start the drains.
    onSettled: wake,
    now: () => Date.now(),
  });

  let lastPrune = 0;
  async function pruneIfDue(): Promise<void> {
    if (params.retentionMs <= 0 || now().getTime() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now().getTime();
    const removed = await store.prune(new Date(now().getTime() - params.retentionMs));
    if (Object.values(removed).some((count) => count > 0)) {
      log.info(removed, "pruned finished deliveries and routing state past retention");
    }
  }

  // Monotonic real time (not the test clock, nor a wall clock that may step back).
  let lastClaimAt = -Infinity;
  // The last turn left free slots unclaimed to gather more: look again within CLAIM_GATHER_MS.
  let claimPutOff = false;

  /** One turn: claim what free slots allow, put off what waits behind a stalled installation, start drains. Whether to look again at once. */
  async function turn(): Promise<boolean> {
    // Read before claiming: a store that cannot answer leaves nothing claimed and stuck under a lease.
    await mutes.current();
    // Only as many as there are free slots: nothing claimed waits for someone else's routing.
    // While routing is under way, a slot or two freed waits a moment for more: each claim is
    // a query (after a burst on PostgreSQL, claims of one delivery each were most of the
    // database's work), and a claim of several costs about as much as a claim of one.
    const free = pool.claimLimit();
    const gathered =
      free >= CLAIM_GATHER ||
      pool.inFlight() === 0 ||
      performance.now() - lastClaimAt >= CLAIM_GATHER_MS;
    const limit = gathered ? free : 0;
    claimPutOff = free > 0 && !gathered;
    if (limit > 0) lastClaimAt = performance.now();
    const claimed =
      limit > 0 ? await store.claimDeliveries({ owner, limit, leaseMs, now: now() }) : [];
    for (const delivery of claimed) pool.admit(delivery);
    await routing.putOff({ overdue: pool.takeOverdue({ stallMs }), inFlightOf: pool.inFlightOf });
    await drains.start();
    await pruneIfDue();
    await pressure.yieldToIngest();
    return limit > 0 && claimed.length === limit;
  }

  async function run(): Promise<void> {
    while (!stopping) {
      // One turn per pass of the event loop. On SQLite every store call answers at once, so
      // turns and the routings they start are a chain of promise callbacks that never let
      // the loop poll sockets or run timers: after a burst of 13,000 deliveries a health check
      // waited 7 s, and a webhook would have waited as long (GitHub gives up after 10 s).
      await nextLoopPass();
      waker.clear();
      let more: boolean;
      try {
        more = await turn();
      } catch (error) {
        log.error({ err: error }, "worker loop failed; retrying shortly");
        await sleeper.sleep(1_000);
        continue;
      }
      if (more || waker.requested() || stopping) continue;

      // Back within CLAIM_GATHER_MS anyway: no need to ask the store when work is due.
      const due = claimPutOff ? null : await store.nextDueAt().catch(() => null);
      // Already due means a drain has it or is about to: look again soon, but do not spin.
      const untilDue = due ? Math.max(DUE_RECHECK_MS, due.getTime() - now().getTime()) : idlePollMs;
      // Held deliveries are looked at again once an installation could have stalled.
      const untilHeldDue = pool.held() > 0 ? stallMs : idlePollMs;
      const untilClaim = claimPutOff ? CLAIM_GATHER_MS : idlePollMs;
      await waker.wait(Math.min(untilDue, untilHeldDue, untilClaim, idlePollMs));
    }
  }

  // The heartbeat of routing under way: claims stay short, and stay held while this process lives.
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

  let running: { loop: Promise<void>; heartbeat: NodeJS.Timeout; unsubscribe: () => void } | null =
    null;
  return {
    owner,
    wake,
    received() {
      pressure.received();
      wake();
    },
    start() {
      if (running) return;
      const heartbeat = setInterval(renewClaims, Math.max(1, Math.floor(leaseMs / 3)));
      heartbeat.unref();
      running = { unsubscribe: store.onWork(wake), heartbeat, loop: run() };
      // Rows for a channel the operator removed wait in the store, posted by nothing: say so.
      store
        .openChannels()
        .then((open) => {
          for (const line of strandedChannels({ open, channels: params.channels }))
            log.warn({ stranded: true }, line);
        })
        .catch((error: unknown) =>
          log.warn({ err: error }, "could not check for notifications no channel will post"),
        );
    },
    async stop(graceMs = 10_000) {
      if (!running) return;
      stopping = true;
      pool.close();
      running.unsubscribe();
      waker.wake();
      sleeper.wakeAll();
      // Routings under way are waited for like posts; held deliveries are given back below.
      const settled = Promise.all([running.loop, pool.idle(), ...drains.running()]);
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, graceMs))]);
      clearInterval(running.heartbeat);
      await store.releaseAll(owner);
      running = null;
    },
  };
}

/**
 * The loop's wake-ups. A wake-up comes while a request is still being answered (its delivery
 * was just stored): resume after pending I/O, so the acknowledgement goes out before the
 * worker's own store work, which runs synchronously on SQLite.
 */
function createWaker() {
  let requested = false;
  let scheduled = false;
  let wakeUp: (() => void) | null = null;
  return {
    wake() {
      requested = true;
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        wakeUp?.();
      });
    },
    requested: () => requested,
    clear() {
      requested = false;
    },
    /** Sleeps up to `ms`, or until woken (at once if a wake-up came since {@link clear}). */
    wait(ms: number): Promise<void> {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(finish, ms);
        function finish() {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        }
        wakeUp = finish;
        if (requested) finish();
      });
    },
  };
}

/** Whose routing slots a delivery takes: its installation's, else its repository owner's. */
function installationKey(delivery: DeliveryRecord): string {
  if (delivery.installationId !== null) return `installation ${delivery.installationId}`;
  const owner = delivery.repository?.split("/")[0]?.toLowerCase();
  return owner ? `owner ${owner}` : "no installation";
}
