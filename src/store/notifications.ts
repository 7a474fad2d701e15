/**
 * The notification queue, written once for both databases: the channel senders claim messages
 * one by one or a digest window whole, count what waits, and finish each post (settling the
 * delivery once its last message is final).
 */
import { claimableWhere } from "./claimable.js";
import type { Backend } from "./db.js";
import {
  byCreation,
  byReceipt,
  nextAttemptFor,
  NOTIFICATION_COLUMNS,
  toClaimedNotification,
  type ClaimedNotificationRow,
} from "./rows.js";
import { appendHistory } from "./history.js";
import { settle } from "./settle.js";
import type { NotificationQueue } from "./types.js";

/** Due digests of one channel tried per claim when other instances hold the first ones. */
const DIGEST_CANDIDATES = 5;

/** Marks rows `sending` under `@owner` until `@until` (the SET clause of every claim). */
const CLAIM = `claimed_from = CASE status WHEN 'failed' THEN 'failed' ELSE 'queued' END,
  status = 'sending', lease_owner = @owner, lease_until = @until, attempts = attempts + 1`;

/** What a claim returns: the row, and its delivery's repository and receipt time. */
const CLAIMED = `${NOTIFICATION_COLUMNS},
  (SELECT d.repository FROM deliveries d WHERE d.id = notifications.delivery_id) AS repository,
  (SELECT d.received_at FROM deliveries d WHERE d.id = notifications.delivery_id) AS received_at`;

/**
 * The notification queue over `backend`.
 *
 * @example
 * const queue = createNotificationQueue(backend);
 * const batch = await queue.claimNotifications({ channel: "eng", owner, limit: 10, leaseMs, now });
 */
export function createNotificationQueue(backend: Backend): NotificationQueue {
  const { db, dialect } = backend;
  return {
    async claimNotifications(params) {
      const now = params.now.getTime();
      const rows = await dialect.claim<ClaimedNotificationRow>(
        db,
        {
          claimable: {
            table: "notifications",
            columns: "delivery_id, channel, created_at",
            where: "channel = @channel AND digest_key IS NULL",
            orderBy: "created_at, delivery_id",
            limit: "@limit",
            lock: true,
          },
          key: ["delivery_id", "channel"],
          set: CLAIM,
          returning: CLAIMED,
        },
        {
          channel: params.channel,
          owner: params.owner,
          until: now + params.leaseMs,
          now,
          limit: params.limit,
        },
      );
      return rows.map(toClaimedNotification).sort(byCreation);
    },

    async claimDigest(params) {
      const now = params.now.getTime();
      // Most calls find nothing due: ask outside a transaction, and claim only when there is something.
      // The channel's digest rows first, a range of `notifications_digest_rows` (a LIMIT keeps
      // them a query of their own: planned with the claimable branches, PostgreSQL with the
      // statistics of before a burst read every queued row of the channel through
      // `notifications_claim`, 2.5-4.8 ms at every post while the burst drained; migration 10),
      // then which of them are claimable.
      const due = await db.all<{ digest_key: string }>(
        `SELECT digest_key FROM (
          SELECT digest_key, status, due_at, next_attempt_at, lease_until FROM notifications
          WHERE channel = @channel AND digest_key IS NOT NULL LIMIT 1000000000
        ) AS notifications
        WHERE ${claimableWhere("notifications")}
        GROUP BY digest_key ORDER BY MIN(COALESCE(due_at, 0)), digest_key LIMIT @candidates`,
        { channel: params.channel, now, candidates: DIGEST_CANDIDATES },
      );
      if (due.length === 0) return [];
      const rows = await db.bookkeeping(async (tx) => {
        for (const { digest_key: digestKey } of due) {
          // SKIP LOCKED alone could split a window: two instances would each lock part of its
          // rows. The key's lock makes one claimer take them all; the other moves on.
          if (!(await dialect.tryLock(tx, [`notifier-digest:${params.channel}`, digestKey])))
            continue;
          // A statement after the lock sees the previous holder's commit: its rows are no longer claimable.
          const claimed = await tx.all<ClaimedNotificationRow>(
            `UPDATE notifications SET ${CLAIM}
            WHERE channel = @channel AND digest_key = @digestKey AND ${claimableWhere("notifications")}
            RETURNING ${CLAIMED}`,
            {
              channel: params.channel,
              digestKey,
              owner: params.owner,
              until: now + params.leaseMs,
              now,
            },
          );
          if (claimed.length > 0) return claimed;
        }
        return [];
      });
      return rows.map(toClaimedNotification).sort(byReceipt);
    },

    async countWaiting(params) {
      // The count needs no order, but the order makes each branch a range of
      // `notifications_queue`: without one, both databases may read the table in storage order
      // past every sent row to the first waiting one (issue 12: 20,000 sent rows, 2.7 ms a
      // count on PostgreSQL against 0.5 with the order).
      const claimable = dialect.claimable({
        table: "notifications",
        columns: "delivery_id, created_at",
        where: "channel = @channel",
        orderBy: "created_at",
        limit: "@cap",
        lock: false,
      });
      const row = await db.get<{ waiting: number }>(
        `SELECT CAST(COUNT(*) AS INTEGER) AS waiting FROM (${claimable}) AS capped`,
        { channel: params.channel, now: params.now.getTime(), cap: params.cap },
      );
      return row?.waiting ?? 0;
    },

    async openChannels() {
      const rows = await db.all<{ channel: string; open: number }>(
        `SELECT channel, CAST(COUNT(*) AS INTEGER) AS open FROM notifications
        WHERE status IN ('queued', 'failed', 'sending') GROUP BY channel ORDER BY channel`,
      );
      return rows.map((row) => ({ channel: row.channel, open: Number(row.open) }));
    },

    async finishNotification(params) {
      const now = params.now.getTime();
      return db.bookkeeping(async (tx) => {
        // The delivery row serialises the last two notifications finishing at once: without it
        // each would still see the other open and neither would settle the delivery.
        await tx.get(`SELECT 1 AS locked FROM deliveries WHERE id = @id${dialect.forUpdate}`, {
          id: params.deliveryId,
        });
        const changed = await tx.run(
          `UPDATE notifications SET status = @status, error = @error, next_attempt_at = @next,
            sent_at = CASE WHEN @status = 'sent' THEN @now ELSE sent_at END,
            lease_owner = NULL, lease_until = NULL, claimed_from = NULL
          WHERE delivery_id = @deliveryId AND channel = @channel AND status = 'sending'
            AND lease_owner = @owner`,
          {
            deliveryId: params.deliveryId,
            channel: params.channel,
            owner: params.owner,
            status: params.status,
            error: params.status === "sent" ? null : params.error,
            next: nextAttemptFor(params),
            now,
          },
        );
        if (params.history) {
          await appendHistory({
            tx,
            deliveryId: params.deliveryId,
            at: now,
            lines: [{ channel: params.channel, ...params.history }],
          });
        }
        if (changed === 0) return false;
        if (params.status !== "failed") await settle({ tx, id: params.deliveryId, now });
        return true;
      });
    },
  };
}
