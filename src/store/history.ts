/**
 * The delivery history, written once: what the CLI shows (deliveries, their notifications and
 * attempts), what metrics and redelivery ask, and pruning what is finished and old (with the
 * thread parents, CI conclusions, late-label marks, pull request heads and closed pull
 * requests' review states nobody touched within retention).
 */
import type { Backend, Db } from "./db.js";
import {
  DEFAULT_LIST_LIMIT,
  DELIVERY_COLUMNS,
  NOTIFICATION_COLUMNS,
  toAttempt,
  toDelivery,
  toNotification,
  zeroCounts,
  type AttemptRow,
  type DeliveryRow,
  type NotificationRow,
} from "./rows.js";
import { pruneCiConclusions } from "./ci-history.js";
import { pruneLateLabels } from "./late-labels.js";
import { prunePrHeads } from "./head-shas.js";
import { pruneReviewStates } from "./review-states.js";
import { pruneThreadParents } from "./thread-parents.js";
import type { DeliveryHistory, DeliveryStatus, HistoryLine } from "./types.js";

/**
 * Appends history lines of one delivery inside the caller's transaction, so they commit with
 * the step they describe.
 *
 * @example
 * await appendHistory({ tx, deliveryId, at: now, lines: [{ channel: null, outcome: "routed", detail }] });
 */
export async function appendHistory(params: {
  tx: Db;
  deliveryId: string;
  at: number;
  lines: readonly HistoryLine[];
}): Promise<void> {
  for (const line of params.lines) {
    await params.tx.run(
      `INSERT INTO attempts (delivery_id, channel, at, outcome, detail)
      VALUES (@deliveryId, @channel, @at, @outcome, @detail)`,
      { deliveryId: params.deliveryId, at: params.at, ...line },
    );
  }
}

/** Deliveries `prune` may delete: finished, and received before `@before`. */
const FINISHED_BEFORE =
  "SELECT id FROM deliveries WHERE status IN ('delivered', 'skipped') AND received_at < @before";

/**
 * The delivery history over `backend`.
 *
 * @example
 * const history = createDeliveryHistory(backend);
 * await history.listDeliveries({ status: "dead", limit: 20 });
 */
export function createDeliveryHistory(backend: Backend): DeliveryHistory {
  const { db, dialect } = backend;
  return {
    async recordAttempt({ deliveryId, at, ...line }) {
      await appendHistory({ tx: db, deliveryId, at: at.getTime(), lines: [line] });
    },

    async getDelivery(id) {
      const row = await db.get<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = @id`,
        { id },
      );
      return row ? toDelivery(row) : null;
    },

    async listDeliveries(filter) {
      const where: string[] = [];
      if (filter.status) where.push("status = @status");
      if (filter.repository) where.push("repository = @repository");
      const rows = await db.all<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries
        ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY received_at DESC, id DESC LIMIT @limit`,
        {
          status: filter.status ?? null,
          repository: filter.repository ?? null,
          limit: filter.limit ?? DEFAULT_LIST_LIMIT,
        },
      );
      return rows.map(toDelivery);
    },

    async getNotifications(deliveryId) {
      const rows = await db.all<NotificationRow>(
        `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE delivery_id = @deliveryId
        ORDER BY created_at, channel`,
        { deliveryId },
      );
      return rows.map(toNotification);
    },

    async getAttempts(deliveryId) {
      const rows = await db.all<AttemptRow>(
        `SELECT delivery_id, channel, at, outcome, detail FROM attempts
        WHERE delivery_id = @deliveryId ORDER BY at, id`,
        { deliveryId },
      );
      return rows.map(toAttempt);
    },

    async knownDeliveryIds(ids) {
      if (ids.length === 0) return new Set();
      const rows = await db.all<{ id: string }>(
        `SELECT id FROM deliveries WHERE ${dialect.inList("id", "@ids")}`,
        { ids },
      );
      return new Set(rows.map((r) => r.id));
    },

    async countDeliveriesByStatus() {
      const counts = zeroCounts();
      const rows = await db.all<{ status: DeliveryStatus; n: number }>(
        "SELECT status, CAST(COUNT(*) AS INTEGER) AS n FROM deliveries GROUP BY status",
      );
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    },

    async prune(before) {
      const params = { before: before.getTime() };
      return db.transaction(async (tx) => {
        // History has no foreign key; notifications would cascade, but say so here.
        await tx.run(`DELETE FROM attempts WHERE delivery_id IN (${FINISHED_BEFORE})`, params);
        await tx.run(`DELETE FROM notifications WHERE delivery_id IN (${FINISHED_BEFORE})`, params);
        await tx.run("DELETE FROM mutes WHERE muted_until < @before", params);
        const threadParents = await pruneThreadParents(tx, before);
        const ciConclusions = await pruneCiConclusions(tx, before);
        const lateLabels = await pruneLateLabels(tx, before);
        const prHeads = await prunePrHeads(tx, before);
        const reviewStates = await pruneReviewStates(tx, before);
        const deliveries = await tx.run(
          `DELETE FROM deliveries WHERE id IN (${FINISHED_BEFORE})`,
          params,
        );
        return { deliveries, threadParents, ciConclusions, lateLabels, prHeads, reviewStates };
      });
    },
  };
}
