/**
 * Settling a routed delivery: once none of its notifications is still open it becomes
 * `delivered` or `dead`. Both routing (a replay to channels already final) and the end of a
 * post call it, inside their transaction.
 */
import type { Db } from "./db.js";
import { settledStatus } from "./rows.js";

/**
 * Marks delivery `id` `delivered` or `dead` when all its notifications are final; else nothing.
 *
 * @example
 * await db.transaction((tx) => settle({ tx, id: "d-1", now: Date.now() }));
 */
export async function settle(params: { tx: Db; id: string; now: number }): Promise<void> {
  const { tx, id, now } = params;
  const rows = await tx.all<{ channel: string; status: string; error: string | null }>(
    "SELECT channel, status, error FROM notifications WHERE delivery_id = @id",
    { id },
  );
  const settled = settledStatus(rows);
  if (!settled) return;
  // Only once routed (no lease): a delivery being routed again is settled by finishRouting.
  await tx.run(
    `UPDATE deliveries SET status = @status, error = @error, updated_at = @now
    WHERE id = @id AND status = 'processing' AND lease_owner IS NULL`,
    { id, status: settled.status, error: settled.error, now },
  );
}
