/**
 * Which rows a claim may take, written once as one branch per status, and the claim's query
 * built from them for both databases: a UNION ALL of one index range per branch, each ordered
 * and limited on its own, then ordered and limited once more. As one `OR`, SQLite plans a scan
 * of the whole table and PostgreSQL a walk of `received_at` order that filters out every
 * delivered row before the first pending one (issue 12: 6 ms a claim at 20,000 delivered rows,
 * growing with history). Both read the claim time from the `@now` parameter.
 */
import type { ClaimableQuery } from "./db.js";

/** New, due for retry, or held under a lease that ran out. */
export const CLAIMABLE_BRANCHES = {
  // Each an index range on PostgreSQL: `deliveries_pending`, `deliveries_due`, `deliveries_leased`.
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
 * The index SQLite must read for a branch, where its planner (which keeps no statistics here)
 * would pick another: the expired-lease branch's `ORDER BY received_at` makes `deliveries_claim`
 * look cheaper than `deliveries_leased`, and that walk reads every `processing` row, routed ones
 * waiting for their posts included (issue 12: 0.55 ms a claim with 7,800 routed, 1.9 ms with
 * 23,700, on every claim while a backlog drains: two thirds of the worker's CPU). Null: the
 * planner's choice is right.
 */
const SQLITE_BRANCH_INDEX: Record<keyof typeof CLAIMABLE_BRANCHES, readonly (string | null)[]> = {
  deliveries: [null, null, "deliveries_leased"],
  notifications: [null, null, null],
};

/**
 * The branches of `table` as one condition.
 *
 * @example
 * `SELECT digest_key FROM notifications WHERE ${claimableWhere("notifications")}`
 */
export function claimableWhere(table: keyof typeof CLAIMABLE_BRANCHES): string {
  return `((${CLAIMABLE_BRANCHES[table].join(")\n    OR (")}))`;
}

/**
 * The claimable rows `query` selects, in its order, at most its limit. `lock` ends each
 * branch's SELECT (PostgreSQL: `FOR UPDATE SKIP LOCKED`; it cannot end a UNION). A branch
 * locks at most `limit` rows, skipping those another claimer holds, so the `limit` oldest free
 * rows of all branches are among the candidates, as with one locking walk; the candidates not
 * taken stay locked until the claim's statement commits.
 *
 * @example
 * claimableUnion({ table: "deliveries", columns: "id, received_at", orderBy: "received_at, id", limit: "@limit", lock: true }, { lock: "" })
 */
export function claimableUnion(
  query: ClaimableQuery,
  options: {
    /** Ends each branch's SELECT: PostgreSQL's `FOR UPDATE SKIP LOCKED`, or nothing. */
    lock: string;
    /** SQLite: read the branches that name one through their index (`INDEXED BY`). */
    sqliteIndexes?: boolean;
  },
): string {
  const { lock } = options;
  const and = query.where ? ` AND ${query.where}` : "";
  const order = query.orderBy ? ` ORDER BY ${query.orderBy}` : "";
  const first = `${order} LIMIT ${query.limit}`;
  const union = CLAIMABLE_BRANCHES[query.table]
    .map((branch, i) => {
      const index = options.sqliteIndexes ? SQLITE_BRANCH_INDEX[query.table][i] : null;
      const from = index ? `${query.table} INDEXED BY ${index}` : query.table;
      // A compound member cannot carry its own ORDER BY and LIMIT unless wrapped.
      return `SELECT * FROM (SELECT ${query.columns} FROM ${from}
        WHERE ${branch}${and}${first}${lock}) AS branch_${i + 1}`;
    })
    .join("\n    UNION ALL ");
  return `SELECT ${query.columns} FROM (${union}) AS candidates${first}`;
}
