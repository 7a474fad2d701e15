/**
 * Recovers webhook deliveries GitHub could not get to us. GitHub never retries a failed
 * delivery by itself, but the App's delivery log can redeliver anything from the last 3 days.
 */
import type { Log } from "../shared/log.js";
import type { ProbotOctokit } from "probot";
import { formatDuration } from "../shared/duration.js";
import type { DeliveryHistory, KeyValueStore } from "../store/types.js";
import {
  CHECKPOINT_KEY,
  REQUESTED_KEY,
  groupByGuid,
  nextCheckpoint,
  parseRequested,
  scanWindow,
  serializeRequested,
  shouldAsk,
  type DeliveryLogEntry,
  type GuidHistory,
  type RedeliveryRequest,
} from "./redelivery-plan.js";
import { statusOf } from "../shared/github-responses.js";

/** An App-authenticated (JWT) Octokit: `await probot.auth()` without an installation id. */
export type AppClient = Pick<ProbotOctokit, "request" | "paginate">;

/** The store methods recovery uses. */
export type RedeliveryStore = Pick<DeliveryHistory, "knownDeliveryIds"> &
  Pick<KeyValueStore, "getState" | "setState">;

/** A delivery GitHub failed to get to us that the store does not know. */
export interface MissedDelivery {
  guid: string;
  event: string;
  action: string | null;
  /** When GitHub last tried it. */
  deliveredAt: Date;
  /** Whether GitHub accepted the redelivery request (never in a dry run). */
  requested: boolean;
  /** Why the redelivery request failed. */
  error?: string;
}

export interface RecoveryReport {
  /** Log entries read within the window. */
  scanned: number;
  missed: MissedDelivery[];
  /** Failed guids the store does not know, left alone because they were asked for within 3 days. */
  alreadyRequested: number;
  /** The checkpoint this run wrote; null when it wrote none (dry run, nothing seen, `since` after the checkpoint). */
  checkpoint: Date | null;
}

const PER_PAGE = 100;

/**
 * Reads the App's delivery log since the checkpoint (or `since`; at most 3 days back) and asks
 * GitHub to redeliver, once, every delivery that never reached us and that the store does not
 * know. A failed redelivery request is reported, not thrown; a failed listing throws and leaves
 * the checkpoint as it was.
 *
 * @example
 * const report = await recoverMissedDeliveries({ octokit: await probot.auth(), store, now: new Date(), log: probot.log });
 * // { scanned: 240, missed: [{ guid: "0b9...", event: "issues", action: "opened", requested: true, ... }], alreadyRequested: 0, checkpoint: 2024-05-01T09:55:00.000Z }
 */
export async function recoverMissedDeliveries(params: {
  octokit: AppClient;
  store: RedeliveryStore;
  now: Date;
  since?: Date;
  log: Pick<Log, "info" | "warn">;
  dryRun?: boolean;
}): Promise<RecoveryReport> {
  const { octokit, store, now, log } = params;
  const dryRun = params.dryRun ?? false;
  const previous = parseCheckpoint(await store.getState(CHECKPOINT_KEY));
  const window = scanWindow({ now, since: params.since, checkpoint: previous });
  if (window.clamped) {
    log.info(
      { start: window.start.toISOString() },
      "GitHub keeps deliveries for 3 days: looking no further back",
    );
  }

  const entries = await listDeliveriesSince({ octokit, start: window.start });
  const failed = groupByGuid(entries).filter((history) => !history.succeeded);
  const known =
    failed.length > 0 ? await store.knownDeliveryIds(failed.map((h) => h.guid)) : new Set<string>();
  const requested = parseRequested({ text: await store.getState(REQUESTED_KEY), now });
  const unknown = failed.filter((history) => !known.has(history.guid));
  const toAsk = unknown.filter((history) =>
    shouldAsk({ history, previous: requested.get(history.guid) }),
  );

  const { missed, holdBack } = await askForRedeliveries({
    octokit,
    toAsk,
    requested,
    now,
    log,
    dryRun,
  });
  const report = {
    scanned: entries.length,
    missed,
    alreadyRequested: unknown.length - toAsk.length,
  };
  if (dryRun) return { ...report, checkpoint: null };
  if (missed.some((m) => m.requested)) {
    await store.setState(REQUESTED_KEY, serializeRequested({ requested, now }));
  }
  // A run that started later than the checkpoint did not read the part before it.
  const coveredSinceCheckpoint = window.start <= window.scheduledStart;
  const checkpoint = coveredSinceCheckpoint
    ? nextCheckpoint({ previous, newestSeen: newestOf(entries), holdBack })
    : null;
  if (checkpoint !== null) await store.setState(CHECKPOINT_KEY, checkpoint.toISOString());
  return { ...report, checkpoint };
}

/**
 * Asks GitHub to redeliver each guid, counting the accepted ones in `requested`. Returns what
 * happened to each and the oldest guid whose request failed in a way worth retrying.
 */
async function askForRedeliveries(params: {
  octokit: AppClient;
  toAsk: readonly GuidHistory[];
  requested: Map<string, RedeliveryRequest>;
  now: Date;
  log: Pick<Log, "info" | "warn">;
  dryRun: boolean;
}): Promise<{ missed: MissedDelivery[]; holdBack: Date | null }> {
  const { octokit, toAsk, requested, now, log, dryRun } = params;
  const missed: MissedDelivery[] = [];
  // The oldest guid worth asking again next run: the checkpoint must not pass it.
  let holdBack: Date | null = null;
  for (const history of toAsk) {
    if (dryRun) {
      missed.push(describeMissed(history, { requested: false }));
      continue;
    }
    const outcome = await requestRedelivery({ octokit, history });
    if (outcome.ok) {
      requested.set(history.guid, {
        askedAt: now,
        times: (requested.get(history.guid)?.times ?? 0) + 1,
      });
      missed.push(describeMissed(history, { requested: true }));
      log.info(
        { guid: history.guid, event: history.event },
        "asked GitHub to redeliver a delivery that never reached us",
      );
      continue;
    }
    missed.push(describeMissed(history, { requested: false, error: outcome.error }));
    log.warn(
      { guid: history.guid, event: history.event, error: outcome.error },
      "GitHub refused to redeliver",
    );
    if (outcome.retryable && (holdBack === null || history.newestDeliveredAt < holdBack)) {
      holdBack = history.newestDeliveredAt;
    }
  }

  return { missed, holdBack };
}

/**
 * Reads the log newest first, page by page (GitHub pages it with a `cursor` in the `Link`
 * header's next URL, which `paginate.iterator` follows as given), until a page reaches past `start`.
 */
async function listDeliveriesSince(params: {
  octokit: AppClient;
  start: Date;
}): Promise<DeliveryLogEntry[]> {
  const { octokit, start } = params;
  const entries: DeliveryLogEntry[] = [];
  let pages = 0;
  try {
    for await (const page of octokit.paginate.iterator("GET /app/hook/deliveries", {
      per_page: PER_PAGE,
    })) {
      pages += 1;
      let reachedStart = false;
      for (const entry of page.data) {
        if (new Date(entry.delivered_at) >= start) entries.push(entry);
        else reachedStart = true;
      }
      if (reachedStart) break;
    }
  } catch (error) {
    throw new Error(
      `cannot read the App's webhook delivery log from GitHub (page ${pages + 1}: ${describeRequestError(error)}); ` +
        "nothing was redelivered and the checkpoint is unchanged, so the next run reads the same deliveries again",
      { cause: error },
    );
  }
  return entries;
}

type RedeliveryOutcome = { ok: true } | { ok: false; error: string; retryable: boolean };

async function requestRedelivery(params: {
  octokit: AppClient;
  history: GuidHistory;
}): Promise<RedeliveryOutcome> {
  try {
    await params.octokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", {
      delivery_id: Number(params.history.newestId),
    });
    return { ok: true };
  } catch (error) {
    const status = statusOf(error);
    // 4xx other than rate limits will not change (too old, unknown id); the rest may.
    const retryable = status === null || status >= 500 || status === 403 || status === 429;
    return { ok: false, error: describeRequestError(error), retryable };
  }
}

function describeMissed(
  history: GuidHistory,
  outcome: { requested: boolean; error?: string },
): MissedDelivery {
  return {
    guid: history.guid,
    event: history.event,
    action: history.action,
    deliveredAt: history.newestDeliveredAt,
    ...outcome,
  };
}

function newestOf(entries: readonly DeliveryLogEntry[]): Date | null {
  let newest: number | null = null;
  for (const entry of entries) {
    const at = Date.parse(entry.delivered_at);
    if (!Number.isNaN(at) && (newest === null || at > newest)) newest = at;
  }
  return newest === null ? null : new Date(newest);
}

function parseCheckpoint(text: string | null): Date | null {
  if (text === null) return null;
  const at = new Date(text);
  // An unreadable checkpoint reads as none: the run looks back the full 3 days.
  return Number.isNaN(at.getTime()) ? null : at;
}

function describeRequestError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const status = statusOf(error);
  return status === null ? message : `HTTP ${status}: ${message}`;
}

/**
 * Runs `run` now and then `intervalMs` after each run ends, so two runs never overlap; errors
 * are logged, not thrown. `intervalMs` 0 turns it off. The timer does not keep the process alive.
 *
 * @example
 * const timer = startRedeliveryTimer({ intervalMs: 600_000, run: () => recoverMissedDeliveries({ ... }), log });
 * // on shutdown:
 * timer.stop();
 */
export function startRedeliveryTimer(params: {
  intervalMs: number;
  run: () => Promise<unknown>;
  log: Pick<Log, "error">;
}): { stop(): void } {
  const { intervalMs, run, log } = params;
  if (intervalMs <= 0) return { stop() {} };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const tick = async (): Promise<void> => {
    try {
      await run();
    } catch (error) {
      log.error(
        { err: error },
        `delivery recovery failed; trying again in ${formatDuration(intervalMs)}`,
      );
    }
    if (stopped) return;
    timer = setTimeout(() => void tick(), intervalMs);
    timer.unref();
  };
  void tick();

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
