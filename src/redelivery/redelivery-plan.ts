/**
 * The pure part of delivery recovery: which slice of GitHub's delivery log to read, which
 * guids GitHub never got through to us, and where the next run should start. No I/O, no clock.
 */
import { formatDuration, parseDuration } from "../shared/duration.js";

/** GitHub keeps the delivery log, and redelivers from it, for 3 days. */
export const REDELIVERY_WINDOW_MS = 3 * 86_400_000;

/**
 * How far before the newest delivery seen the next run starts again. GitHub logs a delivery
 * when its attempt ends (after at most a 10 s timeout), so one still in flight while we read
 * may appear later with an older `delivered_at` than entries we already saw.
 */
const CHECKPOINT_MARGIN_MS = 5 * 60_000;

/** State key: ISO time from which the next scheduled run reads the log. */
export const CHECKPOINT_KEY = "redelivery.checkpoint";

/** State key: JSON object `{ guid: ISO time asked }` of redeliveries asked in the last 3 days. */
export const REQUESTED_KEY = "redelivery.requested";

/** The fields of a `GET /app/hook/deliveries` entry that recovery reads. */
export interface DeliveryLogEntry {
  /** This attempt's id, the one to redeliver. */
  id: number | bigint;
  /** `X-GitHub-Delivery`, shared by a delivery and all its redeliveries. */
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  /** `OK`, `Invalid HTTP Response: 503`, `failed to connect`, ... */
  status: string;
  /** Our HTTP status, or 0 when GitHub got none. */
  status_code: number;
  event: string;
  action: string | null;
}

/** Every attempt GitHub made for one guid, as far as the scanned window shows. */
export interface GuidHistory {
  guid: string;
  event: string;
  action: string | null;
  /** The newest attempt's id: the one to ask GitHub to redeliver. */
  newestId: number | bigint;
  newestDeliveredAt: Date;
  attempts: number;
  /** Whether any attempt reached us (2xx, which the receiver answers only once it stored the delivery). */
  succeeded: boolean;
}

/**
 * Where a run starts reading the log (entries at or after `start` are considered), and where a
 * scheduled run would have started, to tell whether this run covered everything since the checkpoint.
 *
 * @example
 * scanWindow({ now, since: undefined, checkpoint: null })
 * // { start: now - 3 days, scheduledStart: now - 3 days, clamped: false }
 */
export function scanWindow(params: {
  now: Date;
  since: Date | undefined;
  checkpoint: Date | null;
}): {
  start: Date;
  scheduledStart: Date;
  /** `since` asked for more than GitHub keeps; `start` was moved up to its retention. */
  clamped: boolean;
} {
  const oldest = params.now.getTime() - REDELIVERY_WINDOW_MS;
  const scheduledStart = new Date(Math.max(oldest, params.checkpoint?.getTime() ?? oldest));
  if (params.since === undefined) return { start: scheduledStart, scheduledStart, clamped: false };
  const clamped = params.since.getTime() < oldest;
  return { start: new Date(Math.max(oldest, params.since.getTime())), scheduledStart, clamped };
}

/**
 * Whether one attempt reached us.
 *
 * @example isDelivered({ status: "OK", status_code: 200 }) // true
 */
export function isDelivered(entry: Pick<DeliveryLogEntry, "status" | "status_code">): boolean {
  return (entry.status_code >= 200 && entry.status_code < 300) || entry.status === "OK";
}

/**
 * Groups log entries (newest first, as GitHub lists them) by guid, in order of each guid's
 * newest attempt.
 *
 * @example
 * groupByGuid([redeliveryOk, originalFailed]) // [{ guid, succeeded: true, attempts: 2, ... }]
 */
export function groupByGuid(entries: readonly DeliveryLogEntry[]): GuidHistory[] {
  const byGuid = new Map<string, GuidHistory>();
  for (const entry of entries) {
    const deliveredAt = new Date(entry.delivered_at);
    const seen = byGuid.get(entry.guid);
    if (!seen) {
      byGuid.set(entry.guid, {
        guid: entry.guid,
        event: entry.event,
        action: entry.action,
        newestId: entry.id,
        newestDeliveredAt: deliveredAt,
        attempts: 1,
        succeeded: isDelivered(entry),
      });
      continue;
    }
    seen.attempts += 1;
    seen.succeeded ||= isDelivered(entry);
    // Pages are newest first, but nothing relies on that within a guid.
    if (deliveredAt > seen.newestDeliveredAt) {
      seen.newestId = entry.id;
      seen.newestDeliveredAt = deliveredAt;
    }
  }
  return [...byGuid.values()];
}

/**
 * The checkpoint after a successful run: the newest delivery seen minus the safety margin,
 * never earlier than the previous one, but no later than `holdBack` (the oldest guid whose
 * redelivery request failed in a way worth retrying, so the next run sees it again).
 * Null when there is nothing to move to.
 *
 * @example
 * nextCheckpoint({ previous: null, newestSeen: new Date("2024-05-01T10:00:00Z"), holdBack: null })
 * // 2024-05-01T09:55:00Z
 */
export function nextCheckpoint(params: {
  previous: Date | null;
  newestSeen: Date | null;
  holdBack: Date | null;
}): Date | null {
  if (params.newestSeen === null) return null;
  const fromNewest = params.newestSeen.getTime() - CHECKPOINT_MARGIN_MS;
  const advanced = Math.max(fromNewest, params.previous?.getTime() ?? fromNewest);
  if (params.holdBack === null) return new Date(advanced);
  return new Date(Math.min(advanced, params.holdBack.getTime()));
}

/** How often one guid is asked for at most: a redelivery that fails again may be asked again. */
const MAX_REQUESTS_PER_GUID = 3;

/** When a guid was last asked for, and how many times in all. */
export interface RedeliveryRequest {
  askedAt: Date;
  times: number;
}

/**
 * Reads the stored set of guids asked for, dropping those asked more than 3 days ago.
 * A value that is not such an object reads as empty: at worst one redelivery is asked again,
 * and the store drops the duplicate. An entry written as a bare time counts as asked once.
 *
 * @example
 * parseRequested({ text: '{"a1":{"at":"2024-05-01T10:00:00.000Z","times":2}}', now }) // Map { "a1" => { askedAt, times: 2 } }
 */
export function parseRequested(params: {
  text: string | null;
  now: Date;
}): Map<string, RedeliveryRequest> {
  const requested = new Map<string, RedeliveryRequest>();
  if (params.text === null) return requested;
  let parsed: unknown;
  try {
    parsed = JSON.parse(params.text);
  } catch {
    return requested;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return requested;
  const oldest = params.now.getTime() - REDELIVERY_WINDOW_MS;
  for (const [guid, value] of Object.entries(parsed)) {
    const entry = readRequest(value);
    if (entry && entry.askedAt.getTime() >= oldest) requested.set(guid, entry);
  }
  return requested;
}

function readRequest(value: unknown): RedeliveryRequest | null {
  if (typeof value === "string") return validRequest(new Date(value), 1);
  if (typeof value !== "object" || value === null) return null;
  const { at, times } = value as { at?: unknown; times?: unknown };
  if (typeof at !== "string" || typeof times !== "number" || !Number.isInteger(times) || times < 1)
    return null;
  return validRequest(new Date(at), times);
}

function validRequest(askedAt: Date, times: number): RedeliveryRequest | null {
  return Number.isNaN(askedAt.getTime()) ? null : { askedAt, times };
}

/** Writes the set back, without entries past the 3-day window. */
export function serializeRequested(params: {
  requested: ReadonlyMap<string, RedeliveryRequest>;
  now: Date;
}): string {
  const oldest = params.now.getTime() - REDELIVERY_WINDOW_MS;
  const kept = [...params.requested].filter(([, entry]) => entry.askedAt.getTime() >= oldest);
  return JSON.stringify(
    Object.fromEntries(
      kept.map(([guid, entry]) => [guid, { at: entry.askedAt.toISOString(), times: entry.times }]),
    ),
  );
}

/**
 * Whether to ask for a failed guid the store does not know: never asked, or asked before and
 * GitHub's log shows an attempt since that failed too (the redelivery did not get through),
 * fewer than {@link MAX_REQUESTS_PER_GUID} times.
 */
export function shouldAsk(params: {
  history: GuidHistory;
  previous: RedeliveryRequest | undefined;
}): boolean {
  const { history, previous } = params;
  if (!previous) return true;
  return previous.times < MAX_REQUESTS_PER_GUID && history.newestDeliveredAt > previous.askedAt;
}

export type SinceResult =
  | {
      ok: true;
      since: Date;
      /** Set when the duration was cut to GitHub's 3 days. */ note: string | null;
    }
  | { ok: false; error: string };

/**
 * Turns the CLI's `--since 6h` into a start time, cut to the 3 days GitHub keeps deliveries.
 *
 * @example
 * parseSince("6h", new Date("2024-05-01T12:00:00Z"))
 * // { ok: true, since: 2024-05-01T06:00:00Z, note: null }
 */
export function parseSince(text: string, now: Date): SinceResult {
  const parsed = parseDuration(text);
  if (!parsed.ok) return { ok: false, error: `--since: ${parsed.error}` };
  if (parsed.ms === 0) {
    return {
      ok: false,
      error: `--since: "${text}" would look at nothing; give how far back to look, like 6h or 3d`,
    };
  }
  if (parsed.ms <= REDELIVERY_WINDOW_MS) {
    return { ok: true, since: new Date(now.getTime() - parsed.ms), note: null };
  }
  return {
    ok: true,
    since: new Date(now.getTime() - REDELIVERY_WINDOW_MS),
    note: `--since ${text} is more than GitHub keeps deliveries for; looking at the last ${formatDuration(REDELIVERY_WINDOW_MS)} instead`,
  };
}
