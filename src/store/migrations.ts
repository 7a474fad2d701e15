/**
 * Versioned schema for both dialects. Each migration carries its SQLite and PostgreSQL
 * text side by side so the two stores are always at the same version with the same tables.
 * Times are epoch milliseconds (INTEGER / BIGINT): no time zone can shift them.
 * Append new migrations; never edit one that has shipped.
 */

export type Dialect = "sqlite" | "postgres";

export interface Migration {
  version: number;
  /** What the migration does, for `schema_migrations.name`. */
  name: string;
  sqlite: string[];
  postgres: string[];
}

/** Column types that differ between the dialects. */
const TYPES = {
  sqlite: { ms: "INTEGER", serial: "INTEGER PRIMARY KEY AUTOINCREMENT" },
  postgres: { ms: "BIGINT", serial: "BIGSERIAL PRIMARY KEY" },
} as const;

function initialSchema(dialect: Dialect): string[] {
  const { ms, serial } = TYPES[dialect];
  return [
    `CREATE TABLE deliveries (
      id TEXT PRIMARY KEY,
      event TEXT NOT NULL,
      action TEXT,
      installation_id ${ms},
      repository TEXT,
      payload TEXT NOT NULL,
      received_at ${ms} NOT NULL,
      status TEXT NOT NULL DEFAULT 'pending',
      reason TEXT,
      error TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at ${ms},
      updated_at ${ms} NOT NULL,
      lease_owner TEXT,
      lease_until ${ms},
      claimed_from TEXT
    )`,
    // Claims scan by status in arrival order; retries by due time; listings by repository.
    `CREATE INDEX deliveries_claim ON deliveries (status, received_at)`,
    `CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at)`,
    `CREATE INDEX deliveries_repository ON deliveries (repository, received_at)`,
    `CREATE INDEX deliveries_received ON deliveries (received_at)`,
    `CREATE TABLE notifications (
      delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
      channel TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'queued',
      message TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at ${ms},
      error TEXT,
      created_at ${ms} NOT NULL,
      sent_at ${ms},
      lease_owner TEXT,
      lease_until ${ms},
      claimed_from TEXT,
      PRIMARY KEY (delivery_id, channel)
    )`,
    `CREATE INDEX notifications_claim ON notifications (channel, status, created_at)`,
    `CREATE INDEX notifications_due ON notifications (status, next_attempt_at)`,
    `CREATE TABLE attempts (
      id ${serial},
      delivery_id TEXT NOT NULL,
      channel TEXT,
      at ${ms} NOT NULL,
      outcome TEXT NOT NULL,
      detail TEXT
    )`,
    `CREATE INDEX attempts_delivery ON attempts (delivery_id, at)`,
    `CREATE TABLE config_cache (
      key TEXT PRIMARY KEY,
      etag TEXT,
      body TEXT,
      fetched_at ${ms} NOT NULL
    )`,
    `CREATE TABLE pacing (
      target TEXT PRIMARY KEY,
      next_at ${ms} NOT NULL
    )`,
    `CREATE TABLE state (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    )`,
  ];
}

/** Digests (held notifications, claimed per window) and mutes. */
function digestsAndMutes(dialect: Dialect): string[] {
  const { ms } = TYPES[dialect];
  return [
    `ALTER TABLE notifications ADD COLUMN digest_key TEXT`,
    `ALTER TABLE notifications ADD COLUMN due_at ${ms}`,
    // A digest is claimed by (channel, key); the worker sleeps until the earliest due row.
    `CREATE INDEX notifications_digest ON notifications (channel, digest_key, status)`,
    `CREATE INDEX notifications_held ON notifications (status, due_at)`,
    `CREATE TABLE mutes (
      target TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      muted_until ${ms} NOT NULL,
      reason TEXT,
      created_at ${ms} NOT NULL
    )`,
    // Routing reads the mutes in force: those ending after now.
    `CREATE INDEX mutes_until ON mutes (muted_until)`,
  ];
}

/**
 * Replay protection: the SHA-256 of each delivery's body, unique, so a signed body sent again
 * under a new delivery id is recognised. Rows stored before this migration have none (NULL is
 * never equal to anything, so they never conflict).
 */
function deliveryBodyHash(): string[] {
  return [
    `ALTER TABLE deliveries ADD COLUMN body_sha256 TEXT`,
    `CREATE UNIQUE INDEX deliveries_body_sha256 ON deliveries (body_sha256)`,
  ];
}

/**
 * Slack threads: the parent message of each (repository, item number, channel), so the next
 * event about the item finds it with one primary-key read and replies in its thread. Pruned by
 * `updated_at` (the last time the parent was posted or edited) once older than RETENTION.
 */
function threadParents(dialect: Dialect): string[] {
  const { ms } = TYPES[dialect];
  return [
    `CREATE TABLE thread_parents (
      repository TEXT NOT NULL,
      item_number INTEGER NOT NULL,
      channel TEXT NOT NULL,
      slack_channel TEXT NOT NULL,
      ts TEXT NOT NULL,
      state TEXT NOT NULL,
      created_at ${ms} NOT NULL,
      updated_at ${ms} NOT NULL,
      PRIMARY KEY (repository, item_number, channel)
    )`,
    `CREATE INDEX thread_parents_updated ON thread_parents (updated_at)`,
  ];
}

/**
 * CI history and late labels, the two rules routing keeps state for (issue 14):
 * - `ci_conclusions`: the last completed run's conclusion per (repository, workflow id, head
 *   branch), and the one before it (so routing the same run again answers the same), for
 *   "back to green". Pruned by `updated_at`.
 * - `late_labels`: which (repository, item number, route) an issue or pull request was already
 *   sent to, so a label added later sends it once. Pruned by `sent_at`.
 */
function ciHistoryAndLateLabels(dialect: Dialect): string[] {
  const { ms } = TYPES[dialect];
  return [
    `CREATE TABLE ci_conclusions (
      repository TEXT NOT NULL,
      workflow_id ${ms} NOT NULL,
      branch TEXT NOT NULL,
      run_number INTEGER NOT NULL,
      conclusion TEXT NOT NULL,
      previous_conclusion TEXT,
      updated_at ${ms} NOT NULL,
      PRIMARY KEY (repository, workflow_id, branch)
    )`,
    `CREATE INDEX ci_conclusions_updated ON ci_conclusions (updated_at)`,
    `CREATE TABLE late_labels (
      repository TEXT NOT NULL,
      item_number INTEGER NOT NULL,
      route_key TEXT NOT NULL,
      sent_at ${ms} NOT NULL,
      PRIMARY KEY (repository, item_number, route_key)
    )`,
    `CREATE INDEX late_labels_sent ON late_labels (sent_at)`,
  ];
}

/**
 * Routing state after review (issue 14):
 * - `ci_conclusions.run_attempt`: a re-run keeps its run number and counts an attempt, so runs
 *   are ordered by (run number, attempt); rows stored before are attempt 1.
 * - `late_labels.delivery_id`: the delivery that set a mark, so a retried routing of it (whose
 *   messages may never have been queued) sends them again; rows stored before have none.
 * - `pr_heads`: the head commit of each pull request the app saw opened, reopened or pushed
 *   to, so CI whose payload names no pull request (a fork's) threads under the one it built.
 *   Pruned by `updated_at`.
 */
function routingStateAfterReview(dialect: Dialect): string[] {
  const { ms } = TYPES[dialect];
  return [
    `ALTER TABLE ci_conclusions ADD COLUMN run_attempt INTEGER NOT NULL DEFAULT 1`,
    `ALTER TABLE late_labels ADD COLUMN delivery_id TEXT`,
    // NULL number: the commit is the head of more than one pull request.
    `CREATE TABLE pr_heads (
      repository TEXT NOT NULL,
      sha TEXT NOT NULL,
      number INTEGER,
      updated_at ${ms} NOT NULL,
      PRIMARY KEY (repository, sha)
    )`,
    `CREATE INDEX pr_heads_updated ON pr_heads (updated_at)`,
  ];
}

/**
 * Review states (issue 15): each pull request's review state as the app learned it from
 * `pull_request` and `pull_request_review` webhooks, for reminders.
 * - `review_states`: one row per (repository, number); the requested users and teams and each
 *   reviewer's latest verdict (`verdicts`: login, verdict, review time) as JSON arrays (a row is
 *   read and written whole). `snapshot_at` is GitHub's time of the snapshot kept (open, draft,
 *   requested): an older one arriving later is not applied. `approvals_complete` is 1 once the
 *   app saw the pull request's `opened` event (no review before it then). `created_at` is when
 *   the app first saw the pull request, its wait when no review request was seen. Closed rows
 *   are pruned by `updated_at` (a partial index: open rows are never pruned).
 * - `review_requests`: one row per (lower-case login, repository, number) whose review is
 *   requested while the pull request is open, written with its state row, so a personal
 *   reminder's candidates are one index range of its login, not a scan of every state.
 */
function reviewStates(dialect: Dialect): string[] {
  const { ms } = TYPES[dialect];
  return [
    `CREATE TABLE review_states (
      repository TEXT NOT NULL,
      number INTEGER NOT NULL,
      installation_id ${ms},
      snapshot_at ${ms},
      is_open INTEGER NOT NULL,
      is_draft INTEGER NOT NULL,
      requested_users TEXT NOT NULL,
      requested_teams TEXT NOT NULL,
      last_requested_at ${ms},
      verdicts TEXT NOT NULL,
      approvals_complete INTEGER NOT NULL,
      created_at ${ms} NOT NULL,
      updated_at ${ms} NOT NULL,
      PRIMARY KEY (repository, number)
    )`,
    `CREATE INDEX review_states_closed ON review_states (updated_at) WHERE is_open = 0`,
    `CREATE TABLE review_requests (
      login TEXT NOT NULL,
      repository TEXT NOT NULL,
      number INTEGER NOT NULL,
      PRIMARY KEY (login, repository, number)
    )`,
    // A pull request's requests are replaced (and pruned) by its key.
    `CREATE INDEX review_requests_pull ON review_requests (repository, number)`,
  ];
}

/**
 * PostgreSQL compresses a text value over about 2 KB with pglz by default, and a 12 KB webhook
 * body costs it about 115 µs of CPU per row, three times what lz4 costs for the same size on
 * disk (issue 12, measured on this project's bench bodies: 114-116 against 34-40 µs per row).
 * PostgreSQL ingest is bound by the server's CPU, so the bodies and the queued messages are
 * compressed with lz4 from now on (rows already stored keep theirs). A server without lz4
 * (before 14, or built without it) keeps pglz: the statement is run dynamically so its error
 * can be caught, and the migration still applies.
 */
function lz4Bodies(): string[] {
  return [
    `DO $lz4$
    BEGIN
      EXECUTE 'ALTER TABLE deliveries ALTER COLUMN payload SET COMPRESSION lz4';
      EXECUTE 'ALTER TABLE notifications ALTER COLUMN message SET COMPRESSION lz4';
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'lz4 compression is not available (%): stored bodies keep pglz', SQLERRM;
    END
    $lz4$`,
  ];
}

/**
 * The claim's branches as index ranges (issue 12; see `claimable.ts`), measured with
 * `bench/claim-plan.mjs`:
 * - `deliveries_pending` (PostgreSQL): the planner walked `deliveries_received` for pending rows,
 *   filtering out every delivered row before the first pending one (it takes pending rows to be
 *   spread evenly over the history, and costs that single-column index cheaper per row than
 *   `deliveries_claim`). The partial index is that same walk without the delivered rows, so it
 *   always costs less. SQLite reads pending rows as a range of `deliveries_claim` already.
 * - `deliveries_leased` (both): expired leases had no range; both read every `processing` row,
 *   routed ones waiting for their posts included (20,000 of them: 12.6 ms a claim on
 *   PostgreSQL, 5.9 ms on SQLite).
 */
function claimRanges(dialect: Dialect): string[] {
  const leased = `CREATE INDEX deliveries_leased ON deliveries (lease_until)
    WHERE status = 'processing' AND lease_owner IS NOT NULL`;
  if (dialect === "sqlite") return [leased];
  return [
    `CREATE INDEX deliveries_pending ON deliveries (received_at) WHERE status = 'pending'`,
    leased,
  ];
}

/**
 * `claimDigest` looks for a due digest of a channel before every post. `notifications_digest`
 * (channel, digest_key, status) holds every row, digest or not, and PostgreSQL with the
 * statistics of before a burst read every queued row of the channel through
 * `notifications_claim` instead (issue 12: 2.5-4.8 ms a call with 5,000-8,700 queued after a
 * burst, at every post while it drained). A partial index of the digest rows only is small
 * enough to be chosen whatever the statistics: 0.09 ms on the same table.
 */
function digestRows(): string[] {
  return [
    `CREATE INDEX notifications_digest_rows ON notifications (channel, digest_key)
      WHERE digest_key IS NOT NULL`,
  ];
}

/**
 * The notification claim orders a channel's rows by (created_at, delivery_id), and
 * `notifications_claim` (channel, status, created_at) leaves the tie to a sort. With the
 * statistics of before a burst PostgreSQL expected one row per status and planned a full sort:
 * it read every queued row of the channel at every claim of one (issue 12: 3,667 queued, 5.3 ms
 * a claim, the database's largest share of work while a backlog drained). With the key in the
 * index, the range is already in claim order: the scan stops at the limit whatever the
 * statistics. It serves `countWaiting` as the old index did, which it replaces. On PostgreSQL
 * the build runs in the migration's transaction, so writes to `notifications` (other instances'
 * too, in a rolling upgrade) wait for it: the table holds what RETENTION keeps, and an index of
 * it builds in about a second per 100,000 rows.
 */
function notificationQueueOrder(): string[] {
  return [
    `CREATE INDEX notifications_queue ON notifications (channel, status, created_at, delivery_id)`,
    `DROP INDEX notifications_claim`,
  ];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sqlite: initialSchema("sqlite"),
    postgres: initialSchema("postgres"),
  },
  {
    version: 2,
    name: "digests and mutes",
    sqlite: digestsAndMutes("sqlite"),
    postgres: digestsAndMutes("postgres"),
  },
  {
    version: 3,
    name: "delivery body hash for replay protection",
    sqlite: deliveryBodyHash(),
    postgres: deliveryBodyHash(),
  },
  {
    version: 4,
    name: "thread parents",
    sqlite: threadParents("sqlite"),
    postgres: threadParents("postgres"),
  },
  {
    version: 5,
    name: "ci conclusions and late labels",
    sqlite: ciHistoryAndLateLabels("sqlite"),
    postgres: ciHistoryAndLateLabels("postgres"),
  },
  {
    version: 6,
    name: "ci run attempts, late label deliveries and pull request heads",
    sqlite: routingStateAfterReview("sqlite"),
    postgres: routingStateAfterReview("postgres"),
  },
  {
    version: 7,
    name: "pull request review states",
    sqlite: reviewStates("sqlite"),
    postgres: reviewStates("postgres"),
  },
  {
    version: 8,
    name: "lz4 for stored bodies and messages (PostgreSQL)",
    // SQLite compresses nothing: nothing to change.
    sqlite: [],
    postgres: lz4Bodies(),
  },
  {
    version: 9,
    name: "claim ranges: pending deliveries in arrival order, expired delivery leases",
    sqlite: claimRanges("sqlite"),
    postgres: claimRanges("postgres"),
  },
  {
    version: 10,
    name: "digest rows of a channel",
    sqlite: digestRows(),
    postgres: digestRows(),
  },
  {
    version: 11,
    name: "notifications in claim order",
    sqlite: notificationQueueOrder(),
    postgres: notificationQueueOrder(),
  },
];

/** The version a migrated store is at. */
export const SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** The table that records applied versions; created before any migration runs. */
export function schemaMigrationsTable(dialect: Dialect): string {
  return `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at ${TYPES[dialect].ms} NOT NULL
  )`;
}

/**
 * The migrations still to apply, in order.
 *
 * @example
 * pendingMigrations(new Set([1])) // => migrations with version > 1 not yet applied
 */
export function pendingMigrations(applied: ReadonlySet<number>): Migration[] {
  return MIGRATIONS.filter((m) => !applied.has(m.version)).sort((a, b) => a.version - b.version);
}
