/**
 * The PostgreSQL store, for several instances sharing one database: claims skip rows other
 * transactions hold (`FOR UPDATE SKIP LOCKED`), work is announced with NOTIFY, and pacing
 * is one atomic upsert. Tables live in `schema` when given (its search_path), else `public`.
 */
import pg from "pg";
import { bodySha256 } from "./body-hash.js";
import { createGroupCommit, firstOccurrences, type GroupCommit } from "./group-commit.js";
import { pendingMigrations, schemaMigrationsTable } from "./migrations.js";
import { startListener, type NotifyListener } from "./postgres-listener.js";
import {
  byArrival,
  byCreation,
  byReceipt,
  claimableDeliverySql,
  claimableNotificationSql,
  DEFAULT_LIST_LIMIT,
  DELIVERY_COLUMNS,
  MUTE_COLUMNS,
  nextAttemptFor,
  NOTIFICATION_COLUMNS,
  qualified,
  settledStatus,
  toAttempt,
  toCachedConfig,
  toClaimedNotification,
  toDelivery,
  toMute,
  toNotification,
  zeroCounts,
  type AttemptRow,
  type ClaimedNotificationRow,
  type ConfigRow,
  type DeliveryRow,
  type MuteRow,
  type NotificationRow,
} from "./rows.js";
import type {
  AttemptRecord,
  CachedConfig,
  ClaimedNotification,
  ClaimParams,
  DeliveryFilter,
  DeliveryRecord,
  DeliveryStatus,
  IncomingDelivery,
  InsertOutcome,
  MuteRecord,
  NewNotification,
  NotificationRecord,
  PostStart,
  Store,
} from "./types.js";

type Queryable = pg.Pool | pg.PoolClient;

/** Due digests of one channel tried per claim when other instances hold the first ones. */
const DIGEST_CANDIDATES = 5;

export interface PostgresStoreOptions {
  /** A `postgres://` URL without the `schema` option (see `parsePostgresUrl`). */
  connectionString: string;
  /** Schema holding the tables, created by `migrate()`; `null` for `public`. */
  schema: string | null;
  /** Pool size per instance. */
  poolMax?: number;
}

/**
 * Connects lazily to PostgreSQL. Call `migrate()` before use.
 *
 * @example
 * const store = new PostgresStore({ connectionString: "postgres://app@db/notifier", schema: null });
 * await store.migrate();
 */
export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private readonly clientConfig: pg.ClientConfig;
  private readonly schema: string | null;
  /** NOTIFY channel; per schema so isolated schemas in one database do not wake each other. */
  private readonly channel: string;
  private readonly listeners = new Set<() => void>();
  private listener: NotifyListener | null = null;
  private readonly inserts: GroupCommit<IncomingDelivery, InsertOutcome>;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema;
    this.channel = options.schema ? `notifier_work_${options.schema}` : "notifier_work";
    this.clientConfig = {
      connectionString: options.connectionString,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    };
    this.pool = new pg.Pool({ ...this.clientConfig, max: options.poolMax ?? 10 });
    this.pool.on("error", () => {
      // An idle connection died; the pool replaces it and the next query reports real trouble.
    });
    this.inserts = createGroupCommit({
      write: (batch) => this.writeDeliveries(batch),
      maxBatch: 1000,
    });
  }

  async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      // Concurrent migrators queue here; the lock ends with the transaction.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
        `github-activity-notifier:migrate:${this.schema ?? "public"}`,
      ]);
      if (this.schema)
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(this.schema)}`);
      await client.query(schemaMigrationsTable("postgres"));
      const applied = await client.query<{ version: number }>(
        "SELECT version FROM schema_migrations",
      );
      for (const migration of pendingMigrations(new Set(applied.rows.map((r) => r.version)))) {
        for (const statement of migration.postgres) await client.query(statement);
        await client.query(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
          [migration.version, migration.name, Date.now()],
        );
      }
    });
  }

  insertDelivery(delivery: IncomingDelivery): Promise<InsertOutcome> {
    return this.inserts.submit(delivery);
  }

  private async writeDeliveries(batch: IncomingDelivery[]): Promise<InsertOutcome[]> {
    const hashes = batch.map((d) => bodySha256(d.payload));
    const firstId = firstOccurrences(batch.map((d) => d.id));
    const firstBody = firstOccurrences(hashes);
    const first = batch.map((_, i) => firstId[i] === true && firstBody[i] === true);
    const rows = batch.filter((_, i) => first[i]);
    const rowHashes = hashes.filter((_, i) => first[i]);
    // One statement for the whole batch: arrays keep the parameter count fixed. pg_notify
    // runs per stored row; PostgreSQL folds repeats within a transaction into one.
    const result = await this.pool.query<{ id: string }>(
      `WITH stored AS (
        INSERT INTO deliveries (id, event, action, installation_id, repository, payload, body_sha256, received_at, status, attempts, updated_at)
        SELECT id, event, action, installation_id, repository, payload, body_sha256, received_at, 'pending', 0, received_at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $9::text[], $7::bigint[])
          AS t (id, event, action, installation_id, repository, payload, body_sha256, received_at)
        ON CONFLICT DO NOTHING
        RETURNING id
      )
      SELECT id, pg_notify($8, '') FROM stored`,
      [
        rows.map((d) => d.id),
        rows.map((d) => d.event),
        rows.map((d) => d.action),
        rows.map((d) => d.installationId),
        rows.map((d) => d.repository),
        rows.map((d) => d.payload),
        rows.map((d) => d.receivedAt.getTime()),
        this.channel,
        rowHashes,
      ],
    );
    const stored = new Set(result.rows.map((r) => r.id));
    const skipped = batch.filter((d, i) => !(first[i] && stored.has(d.id))).map((d) => d.id);
    // A row not stored is a duplicate when its id is known, else a replay of a known body.
    const known =
      skipped.length === 0
        ? new Set<string>()
        : new Set(
            (
              await this.pool.query<{ id: string }>(
                "SELECT id FROM deliveries WHERE id = ANY($1::text[])",
                [skipped],
              )
            ).rows.map((r) => r.id),
          );
    return batch.map((d, i): InsertOutcome => {
      if (first[i] && stored.has(d.id)) return "stored";
      return known.has(d.id) ? "duplicate" : "replay";
    });
  }

  async claimDeliveries(params: ClaimParams): Promise<DeliveryRecord[]> {
    const now = params.now.getTime();
    const result = await this.pool.query<DeliveryRow>(
      `UPDATE deliveries d SET
          claimed_from = CASE d.status WHEN 'failed' THEN 'failed' ELSE 'pending' END,
          status = 'processing', lease_owner = $1, lease_until = $2::bigint, attempts = d.attempts + 1, updated_at = $3::bigint
        FROM (
          SELECT id FROM deliveries WHERE ${claimableDeliverySql("$3::bigint")}
          ORDER BY received_at, id LIMIT $4
          FOR UPDATE SKIP LOCKED
        ) c
        WHERE d.id = c.id
        RETURNING ${qualified("d", DELIVERY_COLUMNS)}`,
      [params.owner, now + params.leaseMs, now, params.limit],
    );
    return result.rows.map(toDelivery).sort(byArrival);
  }

  async finishRouting(params: {
    id: string;
    owner: string;
    notifications: NewNotification[];
    reason: string | null;
    now: Date;
  }): Promise<boolean> {
    const now = params.now.getTime();
    return this.transaction(async (client) => {
      if (!(await this.lockHeld(client, params.id, params.owner))) return false;
      if (params.notifications.length === 0) {
        await client.query(
          `UPDATE deliveries SET status = 'skipped', reason = $2, error = NULL, next_attempt_at = NULL,
            lease_owner = NULL, lease_until = NULL, claimed_from = NULL, updated_at = $3 WHERE id = $1`,
          [params.id, params.reason, now],
        );
        return true;
      }
      await client.query(
        `WITH queued AS (
          INSERT INTO notifications (delivery_id, channel, status, message, attempts, created_at, digest_key, due_at)
          SELECT $1, channel, 'queued', message, 0, $4, digest_key, due_at
          FROM unnest($2::text[], $3::text[], $6::text[], $7::bigint[]) AS t (channel, message, digest_key, due_at)
          ON CONFLICT (delivery_id, channel) DO NOTHING
          RETURNING channel
        )
        SELECT channel, pg_notify($5, '') FROM queued`,
        [
          params.id,
          params.notifications.map((n) => n.channel),
          params.notifications.map((n) => n.message),
          now,
          this.channel,
          params.notifications.map((n) => n.digestKey ?? null),
          params.notifications.map((n) => n.dueAt?.getTime() ?? null),
        ],
      );
      // Routed: no lease any more; the notifications now carry the delivery.
      await client.query(
        `UPDATE deliveries SET reason = $2, error = NULL, next_attempt_at = NULL,
          lease_owner = NULL, lease_until = NULL, claimed_from = NULL, updated_at = $3 WHERE id = $1`,
        [params.id, params.reason, now],
      );
      // A replay may route only to channels already final: settle now or it waits forever.
      await this.settle(client, params.id, now);
      return true;
    });
  }

  async failDelivery(params: {
    id: string;
    owner: string;
    error: string;
    nextAttemptAt: Date | null;
    now: Date;
  }): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE deliveries SET status = $3, error = $4, next_attempt_at = $5, lease_owner = NULL, lease_until = NULL,
        claimed_from = NULL, updated_at = $6
      WHERE id = $1 AND status = 'processing' AND lease_owner = $2`,
      [
        params.id,
        params.owner,
        params.nextAttemptAt ? "failed" : "dead",
        params.error,
        params.nextAttemptAt?.getTime() ?? null,
        params.now.getTime(),
      ],
    );
    return result.rowCount === 1;
  }

  async renewDeliveryLeases(params: {
    owner: string;
    ids: readonly string[];
    leaseMs: number;
    now: Date;
  }): Promise<number> {
    if (params.ids.length === 0) return 0;
    const result = await this.pool.query(
      `UPDATE deliveries SET lease_until = $3
      WHERE status = 'processing' AND lease_owner = $1 AND id = ANY($2::text[])`,
      [params.owner, params.ids, params.now.getTime() + params.leaseMs],
    );
    return result.rowCount ?? 0;
  }

  async releaseAll(owner: string): Promise<void> {
    await this.transaction(async (client) => {
      // The claim's attempt never happened: give it back along with the status.
      const deliveries = await client.query(
        `UPDATE deliveries SET status = COALESCE(claimed_from, 'pending'), attempts = GREATEST(attempts - 1, 0),
          lease_owner = NULL, lease_until = NULL, claimed_from = NULL, updated_at = $2
        WHERE status = 'processing' AND lease_owner = $1`,
        [owner, Date.now()],
      );
      const notifications = await client.query(
        `UPDATE notifications SET status = COALESCE(claimed_from, 'queued'), attempts = GREATEST(attempts - 1, 0),
          lease_owner = NULL, lease_until = NULL, claimed_from = NULL
        WHERE status = 'sending' AND lease_owner = $1`,
        [owner],
      );
      if ((deliveries.rowCount ?? 0) + (notifications.rowCount ?? 0) > 0) await this.notify(client);
    });
  }

  async claimNotifications(
    params: ClaimParams & { channel: string },
  ): Promise<ClaimedNotification[]> {
    const now = params.now.getTime();
    const result = await this.pool.query<ClaimedNotificationRow>(
      `UPDATE notifications n SET
          claimed_from = CASE n.status WHEN 'failed' THEN 'failed' ELSE 'queued' END,
          status = 'sending', lease_owner = $2, lease_until = $3::bigint, attempts = n.attempts + 1
        FROM (
          SELECT delivery_id, channel FROM notifications
          WHERE channel = $1 AND digest_key IS NULL AND ${claimableNotificationSql("$4::bigint")}
          ORDER BY created_at, delivery_id LIMIT $5
          FOR UPDATE SKIP LOCKED
        ) c, deliveries d
        WHERE n.delivery_id = c.delivery_id AND n.channel = c.channel AND d.id = n.delivery_id
        RETURNING ${qualified("n", NOTIFICATION_COLUMNS)}, d.repository, d.received_at`,
      [params.channel, params.owner, now + params.leaseMs, now, params.limit],
    );
    return result.rows.map(toClaimedNotification).sort(byCreation);
  }

  async claimDigest(params: {
    channel: string;
    owner: string;
    leaseMs: number;
    now: Date;
  }): Promise<ClaimedNotification[]> {
    const now = params.now.getTime();
    // Most calls find nothing due: ask outside a transaction, and claim only when there is something.
    const due = await this.pool.query<{ digest_key: string }>(
      `SELECT digest_key FROM notifications
      WHERE channel = $1 AND digest_key IS NOT NULL AND ${claimableNotificationSql("$2::bigint")}
      GROUP BY digest_key ORDER BY MIN(COALESCE(due_at, 0)), digest_key LIMIT $3`,
      [params.channel, now, DIGEST_CANDIDATES],
    );
    if (due.rows.length === 0) return [];
    const rows = await this.transaction(async (client) => {
      for (const { digest_key: digestKey } of due.rows) {
        // SKIP LOCKED alone could split a window: two instances would each lock part of its
        // rows. The key's advisory lock makes one claimer take them all; the other moves on.
        const lock = await client.query<{ locked: boolean }>(
          "SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) AS locked",
          [`notifier-digest:${this.schema ?? "public"}:${params.channel}`, digestKey],
        );
        if (lock.rows[0]?.locked !== true) continue;
        // A statement after the lock sees the previous holder's commit: its rows are no longer claimable.
        const claimed = await client.query<ClaimedNotificationRow>(
          `UPDATE notifications n SET
              claimed_from = CASE n.status WHEN 'failed' THEN 'failed' ELSE 'queued' END,
              status = 'sending', lease_owner = $3, lease_until = $4::bigint, attempts = n.attempts + 1
            FROM deliveries d
            WHERE n.channel = $1 AND n.digest_key = $2 AND d.id = n.delivery_id
              AND ${claimableNotificationSql("$5::bigint", "n")}
            RETURNING ${qualified("n", NOTIFICATION_COLUMNS)}, d.repository, d.received_at`,
          [params.channel, digestKey, params.owner, now + params.leaseMs, now],
        );
        if (claimed.rows.length > 0) return claimed.rows;
      }
      return [];
    });
    return rows.map(toClaimedNotification).sort(byReceipt);
  }

  async readyChannels(now: Date): Promise<{ channel: string; waiting: number }[]> {
    const result = await this.pool.query<{ channel: string; waiting: number }>(
      `SELECT channel, COUNT(*)::int AS waiting FROM notifications
      WHERE ${claimableNotificationSql("$1::bigint")} GROUP BY channel ORDER BY channel`,
      [now.getTime()],
    );
    return result.rows;
  }

  async countWaiting(params: { channel: string; now: Date; cap: number }): Promise<number> {
    const result = await this.pool.query<{ waiting: number }>(
      `SELECT COUNT(*)::int AS waiting FROM (
        SELECT 1 FROM notifications WHERE channel = $1 AND ${claimableNotificationSql("$2::bigint")} LIMIT $3) AS capped`,
      [params.channel, params.now.getTime(), params.cap],
    );
    return result.rows[0]?.waiting ?? 0;
  }

  async finishNotification(params: {
    deliveryId: string;
    channel: string;
    owner: string;
    status: "sent" | "failed" | "dead";
    error: string | null;
    nextAttemptAt: Date | null;
    now: Date;
  }): Promise<boolean> {
    const now = params.now.getTime();
    return this.transaction(async (client) => {
      // The delivery row serialises the last two notifications finishing at once: without it
      // each would still see the other open and neither would settle the delivery.
      await client.query("SELECT 1 FROM deliveries WHERE id = $1 FOR UPDATE", [params.deliveryId]);
      const result = await client.query(
        `UPDATE notifications SET status = $4, error = $5, next_attempt_at = $6,
          sent_at = CASE WHEN $4 = 'sent' THEN $7::bigint ELSE sent_at END,
          lease_owner = NULL, lease_until = NULL, claimed_from = NULL
        WHERE delivery_id = $1 AND channel = $2 AND status = 'sending' AND lease_owner = $3`,
        [
          params.deliveryId,
          params.channel,
          params.owner,
          params.status,
          params.status === "sent" ? null : params.error,
          nextAttemptFor(params),
          now,
        ],
      );
      if (result.rowCount !== 1) return false;
      if (params.status !== "failed") await this.settle(client, params.deliveryId, now);
      return true;
    });
  }

  async requeueDelivery(params: { id: string; force: boolean; now: Date }): Promise<boolean> {
    return this.transaction(async (client) => {
      const found = await client.query("SELECT 1 FROM deliveries WHERE id = $1 FOR UPDATE", [
        params.id,
      ]);
      if (found.rowCount !== 1) return false;
      // Routing queues the channels again. A `sending` row may be mid-post: deleting it
      // could not stop that post, only cause a second one.
      await client.query(
        `DELETE FROM notifications WHERE delivery_id = $1 AND status <> 'sending' AND ($2 OR status <> 'sent')`,
        [params.id, params.force],
      );
      await client.query(
        `UPDATE deliveries SET status = 'pending', attempts = 0, reason = NULL, error = NULL, next_attempt_at = NULL,
          lease_owner = NULL, lease_until = NULL, claimed_from = NULL, updated_at = $2 WHERE id = $1`,
        [params.id, params.now.getTime()],
      );
      await this.notify(client);
      return true;
    });
  }

  async recordAttempt(attempt: AttemptRecord): Promise<void> {
    await this.pool.query(
      "INSERT INTO attempts (delivery_id, channel, at, outcome, detail) VALUES ($1, $2, $3, $4, $5)",
      [attempt.deliveryId, attempt.channel, attempt.at.getTime(), attempt.outcome, attempt.detail],
    );
  }

  async getDelivery(id: string): Promise<DeliveryRecord | null> {
    const result = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1`,
      [id],
    );
    const row = result.rows[0];
    return row ? toDelivery(row) : null;
  }

  async listDeliveries(filter: DeliveryFilter): Promise<DeliveryRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.status) {
      values.push(filter.status);
      where.push(`status = $${values.length}`);
    }
    if (filter.repository) {
      values.push(filter.repository);
      where.push(`repository = $${values.length}`);
    }
    values.push(filter.limit ?? DEFAULT_LIST_LIMIT);
    const result = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY received_at DESC, id DESC LIMIT $${values.length}`,
      values,
    );
    return result.rows.map(toDelivery);
  }

  async getNotifications(deliveryId: string): Promise<NotificationRecord[]> {
    const result = await this.pool.query<NotificationRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE delivery_id = $1 ORDER BY created_at, channel`,
      [deliveryId],
    );
    return result.rows.map(toNotification);
  }

  async getAttempts(deliveryId: string): Promise<AttemptRecord[]> {
    const result = await this.pool.query<AttemptRow>(
      "SELECT delivery_id, channel, at, outcome, detail FROM attempts WHERE delivery_id = $1 ORDER BY at, id",
      [deliveryId],
    );
    return result.rows.map(toAttempt);
  }

  async knownDeliveryIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const result = await this.pool.query<{ id: string }>(
      "SELECT id FROM deliveries WHERE id = ANY($1::text[])",
      [ids],
    );
    return new Set(result.rows.map((r) => r.id));
  }

  async countDeliveriesByStatus(): Promise<Record<DeliveryStatus, number>> {
    const counts = zeroCounts();
    const result = await this.pool.query<{ status: DeliveryStatus; n: number }>(
      "SELECT status, COUNT(*)::int AS n FROM deliveries GROUP BY status",
    );
    for (const row of result.rows) counts[row.status] = row.n;
    return counts;
  }

  async nextDueAt(): Promise<Date | null> {
    // LEAST ignores NULLs: either side may have nothing failed.
    const result = await this.pool.query<{ t: string | null }>(
      `SELECT LEAST(
        (SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'failed'),
        (SELECT MIN(next_attempt_at) FROM notifications WHERE status = 'failed'),
        (SELECT MIN(due_at) FROM notifications WHERE status = 'queued')) AS t`,
    );
    const t = result.rows[0]?.t ?? null;
    return t === null ? null : new Date(Number(t));
  }

  async prune(before: Date): Promise<number> {
    // Notifications go with their delivery (ON DELETE CASCADE); history has no foreign key.
    const result = await this.pool.query<{ n: number }>(
      `WITH gone AS (
        DELETE FROM deliveries WHERE status IN ('delivered', 'skipped') AND received_at < $1 RETURNING id
      ), history AS (
        DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM gone)
      ), ended AS (
        DELETE FROM mutes WHERE muted_until < $1
      )
      SELECT COUNT(*)::int AS n FROM gone`,
      [before.getTime()],
    );
    return result.rows[0]?.n ?? 0;
  }

  async putMute(mute: MuteRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO mutes (target, kind, muted_until, reason, created_at) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (target) DO UPDATE SET kind = excluded.kind, muted_until = excluded.muted_until,
        reason = excluded.reason, created_at = excluded.created_at`,
      [mute.target, mute.kind, mute.until.getTime(), mute.reason, mute.createdAt.getTime()],
    );
  }

  async deleteMute(target: string): Promise<boolean> {
    const result = await this.pool.query("DELETE FROM mutes WHERE target = $1", [target]);
    return (result.rowCount ?? 0) > 0;
  }

  async listMutes(now: Date): Promise<MuteRecord[]> {
    const result = await this.pool.query<MuteRow>(
      `SELECT ${MUTE_COLUMNS} FROM mutes WHERE muted_until > $1 ORDER BY muted_until, target`,
      [now.getTime()],
    );
    return result.rows.map(toMute);
  }

  async getCachedConfig(key: string): Promise<CachedConfig | null> {
    const result = await this.pool.query<ConfigRow>(
      "SELECT key, etag, body, fetched_at FROM config_cache WHERE key = $1",
      [key],
    );
    const row = result.rows[0];
    return row ? toCachedConfig(row) : null;
  }

  async putCachedConfig(entry: CachedConfig): Promise<void> {
    await this.pool.query(
      `INSERT INTO config_cache (key, etag, body, fetched_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, body = excluded.body, fetched_at = excluded.fetched_at`,
      [entry.key, entry.etag, entry.body, entry.fetchedAt.getTime()],
    );
  }

  async deleteCachedConfig(key: string): Promise<void> {
    await this.pool.query("DELETE FROM config_cache WHERE key = $1", [key]);
  }

  async tryStartPost(params: { target: string; now: Date; holdMs: number }): Promise<PostStart> {
    const hold = params.now.getTime() + params.holdMs;
    // `next_at` is when the next post may start; the upsert's WHERE makes this a compare-and-set.
    const started = await this.pool.query(
      `INSERT INTO pacing (target, next_at) VALUES ($1, $3::bigint)
      ON CONFLICT (target) DO UPDATE SET next_at = $3::bigint WHERE pacing.next_at <= $2::bigint
      RETURNING next_at`,
      [params.target, params.now.getTime(), hold],
    );
    if (started.rowCount === 1) return { ok: true, hold: new Date(hold) };
    // A statement of its own: its snapshot sees the row a concurrent first insert committed.
    const last = await this.pool.query<{ next_at: string }>(
      "SELECT next_at FROM pacing WHERE target = $1",
      [params.target],
    );
    const row = last.rows[0];
    if (!row) throw new Error(`starting a post for ${params.target} found no pacing row`);
    return { ok: false, retryAt: new Date(Number(row.next_at)) };
  }

  async finishPost(params: {
    target: string;
    hold: Date;
    now: Date;
    waitMs: number;
  }): Promise<void> {
    await this.pool.query(
      `UPDATE pacing SET next_at = CASE WHEN next_at = $2::bigint THEN $3::bigint ELSE GREATEST(next_at, $3::bigint) END
      WHERE target = $1`,
      [params.target, params.hold.getTime(), params.now.getTime() + params.waitMs],
    );
  }

  async getState(key: string): Promise<string | null> {
    const result = await this.pool.query<{ value: string }>(
      "SELECT value FROM state WHERE key = $1",
      [key],
    );
    return result.rows[0]?.value ?? null;
  }

  async setState(key: string, value: string): Promise<void> {
    await this.pool.query(
      "INSERT INTO state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [key, value],
    );
  }

  onWork(listener: () => void): () => void {
    const own = () => listener();
    this.listeners.add(own);
    if (!this.listener && !this.closed) {
      this.listener = startListener({
        client: { ...this.clientConfig, application_name: `notifier-listener:${this.channel}` },
        channel: this.channel,
        onNotify: () => this.emitWork(),
      });
    }
    return () => {
      this.listeners.delete(own);
      if (this.listeners.size === 0 && this.listener) {
        void this.listener.stop();
        this.listener = null;
      }
    };
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inserts.drain();
    this.listeners.clear();
    await this.listener?.stop();
    this.listener = null;
    await this.pool.end();
  }

  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: Error) => {
        // The connection is unusable; the pool must not hand it out again.
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async lockHeld(client: pg.PoolClient, id: string, owner: string): Promise<boolean> {
    const result = await client.query(
      "SELECT 1 FROM deliveries WHERE id = $1 AND status = 'processing' AND lease_owner = $2 FOR UPDATE",
      [id, owner],
    );
    return result.rowCount === 1;
  }

  /** A routed delivery whose notifications are all final becomes `delivered` or `dead`. */
  private async settle(client: pg.PoolClient, id: string, now: number): Promise<void> {
    const rows = await client.query<{ channel: string; status: string; error: string | null }>(
      "SELECT channel, status, error FROM notifications WHERE delivery_id = $1",
      [id],
    );
    const settled = settledStatus(rows.rows);
    if (!settled) return;
    // Only once routed (no lease): a delivery being routed again is settled by finishRouting.
    await client.query(
      `UPDATE deliveries SET status = $2, error = $3, updated_at = $4
      WHERE id = $1 AND status = 'processing' AND lease_owner IS NULL`,
      [id, settled.status, settled.error, now],
    );
  }

  /** Delivered to listeners at commit, and only then. */
  private async notify(client: Queryable): Promise<void> {
    await client.query("SELECT pg_notify($1, '')", [this.channel]);
  }

  private emitWork(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the other listeners still need waking.
      }
    }
  }
}
