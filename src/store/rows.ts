/**
 * Database rows as both dialects return them, and their mapping to the record types.
 * PostgreSQL returns BIGINT as a string, SQLite as a number: `ms()` accepts both.
 */
import type {
  AttemptRecord,
  CachedConfig,
  ClaimedNotification,
  DeliveryRecord,
  DeliveryStatus,
  MuteKind,
  MuteRecord,
  NotificationRecord,
  NotificationStatus,
  ThreadParent,
} from "./types.js";

/** An epoch-milliseconds column as the driver hands it over. */
type MsColumn = number | string;

export interface DeliveryRow {
  id: string;
  event: string;
  action: string | null;
  installation_id: MsColumn | null;
  repository: string | null;
  payload: string;
  received_at: MsColumn;
  status: string;
  reason: string | null;
  error: string | null;
  attempts: number;
  next_attempt_at: MsColumn | null;
  updated_at: MsColumn;
}

export interface NotificationRow {
  delivery_id: string;
  channel: string;
  status: string;
  message: string;
  attempts: number;
  next_attempt_at: MsColumn | null;
  error: string | null;
  created_at: MsColumn;
  sent_at: MsColumn | null;
  digest_key: string | null;
  due_at: MsColumn | null;
}

export interface ClaimedNotificationRow extends NotificationRow {
  repository: string | null;
  received_at: MsColumn;
}

export interface AttemptRow {
  delivery_id: string;
  channel: string | null;
  at: MsColumn;
  outcome: string;
  detail: string | null;
}

export interface MuteRow {
  target: string;
  kind: string;
  muted_until: MsColumn;
  reason: string | null;
  created_at: MsColumn;
}

export interface ThreadParentRow {
  repository: string;
  item_number: number;
  channel: string;
  slack_channel: string;
  ts: string;
  state: string;
  updated_at: MsColumn;
}

export interface ConfigRow {
  key: string;
  etag: string | null;
  body: string | null;
  fetched_at: MsColumn;
}

/** The columns every delivery query selects (never the lease bookkeeping). */
export const DELIVERY_COLUMNS =
  "id, event, action, installation_id, repository, payload, received_at, status, reason, error, attempts, next_attempt_at, updated_at";

export const NOTIFICATION_COLUMNS =
  "delivery_id, channel, status, message, attempts, next_attempt_at, error, created_at, sent_at, digest_key, due_at";

export const MUTE_COLUMNS = "target, kind, muted_until, reason, created_at";

export const THREAD_PARENT_COLUMNS =
  "repository, item_number, channel, slack_channel, ts, state, updated_at";

function num(value: MsColumn): number {
  return typeof value === "number" ? value : Number(value);
}

function date(value: MsColumn): Date {
  return new Date(num(value));
}

function dateOrNull(value: MsColumn | null): Date | null {
  return value === null ? null : date(value);
}

export function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    event: row.event,
    action: row.action,
    installationId: row.installation_id === null ? null : num(row.installation_id),
    repository: row.repository,
    payload: row.payload,
    receivedAt: date(row.received_at),
    // The schema only ever writes DeliveryStatus values.
    status: row.status as DeliveryStatus,
    reason: row.reason,
    error: row.error,
    attempts: num(row.attempts),
    nextAttemptAt: dateOrNull(row.next_attempt_at),
    updatedAt: date(row.updated_at),
  };
}

export function toNotification(row: NotificationRow): NotificationRecord {
  return {
    deliveryId: row.delivery_id,
    channel: row.channel,
    status: row.status as NotificationStatus,
    message: row.message,
    attempts: num(row.attempts),
    nextAttemptAt: dateOrNull(row.next_attempt_at),
    error: row.error,
    createdAt: date(row.created_at),
    sentAt: dateOrNull(row.sent_at),
    digestKey: row.digest_key,
    dueAt: dateOrNull(row.due_at),
  };
}

export function toMute(row: MuteRow): MuteRecord {
  return {
    target: row.target,
    // The store only ever writes MuteKind values.
    kind: row.kind as MuteKind,
    until: date(row.muted_until),
    reason: row.reason,
    createdAt: date(row.created_at),
  };
}

export function toClaimedNotification(row: ClaimedNotificationRow): ClaimedNotification {
  return { ...toNotification(row), repository: row.repository, receivedAt: date(row.received_at) };
}

export function toAttempt(row: AttemptRow): AttemptRecord {
  return {
    deliveryId: row.delivery_id,
    channel: row.channel,
    at: date(row.at),
    outcome: row.outcome,
    detail: row.detail,
  };
}

export function toThreadParent(row: ThreadParentRow): ThreadParent {
  return {
    repository: row.repository,
    number: row.item_number,
    channel: row.channel,
    slackChannel: row.slack_channel,
    ts: row.ts,
    state: row.state,
    updatedAt: date(row.updated_at),
  };
}

export function toCachedConfig(row: ConfigRow): CachedConfig {
  return { key: row.key, etag: row.etag, body: row.body, fetchedAt: date(row.fetched_at) };
}

/** Oldest first, the order claims promise; the database's RETURNING order is unspecified. */
export function byArrival<T extends { receivedAt: Date; id: string }>(a: T, b: T): number {
  return (
    a.receivedAt.getTime() - b.receivedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** A digest's events in the order GitHub's deliveries arrived. */
export function byReceipt(a: ClaimedNotification, b: ClaimedNotification): number {
  return a.receivedAt.getTime() - b.receivedAt.getTime() || byCreation(a, b);
}

export function byCreation(a: NotificationRecord, b: NotificationRecord): number {
  return (
    a.createdAt.getTime() - b.createdAt.getTime() ||
    (a.deliveryId < b.deliveryId ? -1 : a.deliveryId > b.deliveryId ? 1 : 0)
  );
}

/**
 * The status a finished delivery takes once none of its notifications is still open, or
 * `null` while some are (or there are none, which routing settles as `skipped`).
 *
 * @example
 * settledStatus([{ status: "sent", error: null, channel: "a" }]) // => { status: "delivered", error: null }
 */
export function settledStatus(
  notifications: readonly { status: string; error: string | null; channel: string }[],
): { status: "delivered" | "dead"; error: string | null } | null {
  if (notifications.length === 0) return null;
  if (notifications.some((n) => n.status !== "sent" && n.status !== "dead")) return null;
  const dead = notifications
    .filter((n) => n.status === "dead")
    .sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0))[0];
  return dead
    ? { status: "dead", error: dead.error ?? "a notification could not be delivered" }
    : { status: "delivered", error: null };
}

/** How many deliveries a listing returns when the caller names no limit. */
export const DEFAULT_LIST_LIMIT = 100;

/**
 * When a notification is due again: `failed` without a time is due at once rather than never.
 *
 * @example
 * nextAttemptFor({ status: "failed", nextAttemptAt: null, now: new Date(5) }) // => 5
 */
export function nextAttemptFor(params: {
  status: "sent" | "failed" | "dead";
  nextAttemptAt: Date | null;
  now: Date;
}): number | null {
  if (params.status !== "failed") return null;
  return (params.nextAttemptAt ?? params.now).getTime();
}

/** Empty counts for every status, so metrics see zeros rather than missing series. */
export function zeroCounts(): Record<DeliveryStatus, number> {
  return { pending: 0, processing: 0, delivered: 0, skipped: 0, failed: 0, dead: 0 };
}
