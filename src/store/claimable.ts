/**
 * Which rows a claim may take, written once as one branch per status. PostgreSQL ORs the
 * branches; SQLite runs them as a UNION ALL of index ranges (it plans an OR across columns as
 * a scan of the whole table). Both read the claim time from the `@now` parameter.
 */

/** New, due for retry, or held under a lease that ran out. */
export const CLAIMABLE_BRANCHES = {
  deliveries: [
    `status = 'pending'`,
    `status = 'failed' AND next_attempt_at <= @now`,
    `status = 'processing' AND lease_owner IS NOT NULL AND lease_until <= @now`,
  ],
  // A held `queued` row (digest, quiet hours) only once it is due.
  notifications: [
    `status = 'queued' AND (due_at IS NULL OR due_at <= @now)`,
    `status = 'failed' AND next_attempt_at <= @now`,
    `status = 'sending' AND lease_until <= @now`,
  ],
} as const;

/**
 * The branches of `table` as one condition.
 *
 * @example
 * `SELECT digest_key FROM notifications WHERE ${claimableWhere("notifications")}`
 */
export function claimableWhere(table: keyof typeof CLAIMABLE_BRANCHES): string {
  return `((${CLAIMABLE_BRANCHES[table].join(")\n    OR (")}))`;
}
