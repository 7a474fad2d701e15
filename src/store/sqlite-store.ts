/**
 * The SQLite store: one file, WAL journal, every write acknowledged only after fsync.
 * Several processes may share the file: writes take SQLite's write lock up front
 * (`BEGIN IMMEDIATE`), so claims and pacing stay atomic across them.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import Database from "better-sqlite3";
import { bodySha256 } from "./body-hash.js";
import { createGroupCommit, type GroupCommit } from "./group-commit.js";
import { pendingMigrations, schemaMigrationsTable } from "./migrations.js";
import {
  byArrival,
  byCreation,
  byReceipt,
  claimableDeliveryRows,
  claimableNotificationRows,
  claimableNotificationSql,
  DEFAULT_LIST_LIMIT,
  DELIVERY_COLUMNS,
  MUTE_COLUMNS,
  nextAttemptFor,
  qualified,
  NOTIFICATION_COLUMNS,
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

type Value = string | number | null;
type Params = Record<string, Value>;

const CLAIMABLE_NOTIFICATION = claimableNotificationSql("@now");
/** SQLite allows 32766 bound variables; stay well below. */
const ID_CHUNK = 500;

/** Every tenant's payloads live in these files: owner only, whatever the umask. */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** The database file and the two SQLite keeps beside it in WAL mode. */
function databaseFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`];
}

/**
 * Creates the database's missing directories 0700 and the file itself 0600 before SQLite
 * opens it (SQLite would create it 0644 less the umask). A directory that already existed is
 * the operator's and keeps its mode (it may be `/tmp`); the files are made 0600 either way.
 */
function createPrivately(path: string): void {
  const dir = resolve(dirname(path));
  const firstCreated = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  if (firstCreated !== undefined) {
    // mkdir's mode is narrowed by the umask; chmod is not. Every directory created here is ours.
    const created = relative(firstCreated, dir).split(sep).filter(Boolean);
    let current = firstCreated;
    chmodSync(current, PRIVATE_DIR);
    for (const part of created) {
      current = resolve(current, part);
      chmodSync(current, PRIVATE_DIR);
    }
  }
  closeSync(openSync(path, "a", PRIVATE_FILE));
  chmodSync(path, PRIVATE_FILE);
}

/**
 * Opens (creating its directory if needed) a SQLite store. Call `migrate()` before use.
 *
 * @example
 * const store = new SqliteStore({ path: "./data/notifier.db" });
 * await store.migrate();
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement<unknown[]>>();
  private readonly listeners = new Set<() => void>();
  private readonly inserts: GroupCommit<IncomingDelivery, InsertOutcome>;

  constructor(params: { path: string }) {
    const { path } = params;
    const onDisk = path !== ":memory:" && path !== "";
    if (onDisk) createPrivately(path);
    this.db = new Database(path);
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("journal_mode = WAL");
    // SQLite gives -wal and -shm the database file's mode; files of an older run may be wider.
    if (onDisk)
      for (const file of databaseFiles(path)) if (existsSync(file)) chmodSync(file, PRIVATE_FILE);
    // In WAL mode NORMAL skips the fsync at commit: a power cut (not a process crash) may undo
    // the last commits. That is acceptable for the worker's bookkeeping, which at worst redoes a
    // step, but not for an acknowledged delivery: inserts switch to FULL (see writeDeliveries),
    // and their fsync also makes every earlier commit durable. Group commit keeps it affordable.
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.inserts = createGroupCommit({
      write: (batch) => this.writeDeliveries(batch),
      maxBatch: 1000,
    });
  }

  async migrate(): Promise<void> {
    this.write(() => {
      this.db.exec(schemaMigrationsTable("sqlite"));
      const rows = this.db.prepare("SELECT version FROM schema_migrations").all() as {
        version: number;
      }[];
      for (const migration of pendingMigrations(new Set(rows.map((r) => r.version)))) {
        for (const statement of migration.sqlite) this.db.exec(statement);
        this.db
          .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(migration.version, migration.name, Date.now());
      }
    });
  }

  insertDelivery(delivery: IncomingDelivery): Promise<InsertOutcome> {
    return this.inserts.submit(delivery);
  }

  private writeDeliveries(batch: IncomingDelivery[]): InsertOutcome[] {
    // No conflict target: a known id and a known body (the unique body hash) both skip the row.
    const insert = this.sql(`INSERT INTO deliveries
      (id, event, action, installation_id, repository, payload, body_sha256, received_at, status, attempts, updated_at)
      VALUES (@id, @event, @action, @installationId, @repository, @payload, @bodySha256, @receivedAt, 'pending', 0, @receivedAt)
      ON CONFLICT DO NOTHING`);
    const known = this.sql("SELECT 1 FROM deliveries WHERE id = ?");
    // One transaction, one fsync; a repeat inside the batch conflicts with its first copy.
    const outcomes = this.durably(() =>
      batch.map((d): InsertOutcome => {
        const { changes } = insert.run({
          id: d.id,
          event: d.event,
          action: d.action,
          installationId: d.installationId,
          repository: d.repository,
          payload: d.payload,
          bodySha256: bodySha256(d.payload),
          receivedAt: d.receivedAt.getTime(),
        });
        if (changes === 1) return "stored";
        return known.get(d.id) === undefined ? "replay" : "duplicate";
      }),
    );
    if (outcomes.includes("stored")) this.emitWork();
    return outcomes;
  }

  async claimDeliveries(params: ClaimParams): Promise<DeliveryRecord[]> {
    const now = params.now.getTime();
    const claimed = this.write(() => {
      const ids = this.sql(
        `SELECT id FROM (${claimableDeliveryRows({
          now: "@now",
          columns: "id, received_at",
          first: { orderBy: "received_at, id", limit: "@limit" },
        })}) ORDER BY received_at, id LIMIT @limit`,
      ).all({ now, limit: params.limit }) as { id: string }[];
      const claim = this.sql(`UPDATE deliveries SET
          claimed_from = CASE status WHEN 'failed' THEN 'failed' ELSE 'pending' END,
          status = 'processing', lease_owner = @owner, lease_until = @until,
          attempts = attempts + 1, updated_at = @now
        WHERE id = @id RETURNING ${DELIVERY_COLUMNS}`);
      return ids.map(({ id }) =>
        claim.get({ id, owner: params.owner, until: now + params.leaseMs, now }),
      ) as DeliveryRow[];
    });
    return claimed.map(toDelivery).sort(byArrival);
  }

  async finishRouting(params: {
    id: string;
    owner: string;
    notifications: NewNotification[];
    reason: string | null;
    now: Date;
  }): Promise<boolean> {
    const now = params.now.getTime();
    const result = this.write(() => {
      if (!this.holds(params.id, params.owner)) return { held: false, queued: 0 };
      if (params.notifications.length === 0) {
        this.sql(
          `UPDATE deliveries SET status = 'skipped', reason = @reason, error = NULL,
            next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL, claimed_from = NULL, updated_at = @now
          WHERE id = @id`,
        ).run({ id: params.id, reason: params.reason, now });
        return { held: true, queued: 0 };
      }
      const insert = this
        .sql(`INSERT INTO notifications (delivery_id, channel, status, message, attempts, created_at, digest_key, due_at)
        VALUES (@id, @channel, 'queued', @message, 0, @now, @digestKey, @dueAt) ON CONFLICT (delivery_id, channel) DO NOTHING`);
      let queued = 0;
      for (const n of params.notifications) {
        queued += insert.run({
          id: params.id,
          channel: n.channel,
          message: n.message,
          now,
          digestKey: n.digestKey ?? null,
          dueAt: n.dueAt?.getTime() ?? null,
        }).changes;
      }
      // Routed: no lease any more; the notifications now carry the delivery.
      this.sql(
        `UPDATE deliveries SET reason = @reason, error = NULL, next_attempt_at = NULL,
          lease_owner = NULL, lease_until = NULL, claimed_from = NULL, updated_at = @now
        WHERE id = @id`,
      ).run({ id: params.id, reason: params.reason, now });
      // A replay may route only to channels already final: settle now or it waits forever.
      this.settle(params.id, now);
      return { held: true, queued };
    });
    if (result.queued > 0) this.emitWork();
    return result.held;
  }

  async failDelivery(params: {
    id: string;
    owner: string;
    error: string;
    nextAttemptAt: Date | null;
    now: Date;
  }): Promise<boolean> {
    const { changes } = this.write(() =>
      this.sql(
        `UPDATE deliveries SET status = @status, error = @error, next_attempt_at = @next,
          lease_owner = NULL, lease_until = NULL, claimed_from = NULL, updated_at = @now
        WHERE id = @id AND status = 'processing' AND lease_owner = @owner`,
      ).run({
        id: params.id,
        owner: params.owner,
        status: params.nextAttemptAt ? "failed" : "dead",
        error: params.error,
        next: params.nextAttemptAt?.getTime() ?? null,
        now: params.now.getTime(),
      }),
    );
    return changes === 1;
  }

  async renewDeliveryLeases(params: {
    owner: string;
    ids: readonly string[];
    leaseMs: number;
    now: Date;
  }): Promise<number> {
    if (params.ids.length === 0) return 0;
    const until = params.now.getTime() + params.leaseMs;
    return this.write(
      () =>
        this.sql(
          `UPDATE deliveries SET lease_until = @until
          WHERE status = 'processing' AND lease_owner = @owner AND id IN (SELECT value FROM json_each(@ids))`,
        ).run({ owner: params.owner, until, ids: JSON.stringify(params.ids) }).changes,
    );
  }

  async releaseAll(owner: string): Promise<void> {
    const now = Date.now();
    // The claim's attempt never happened: give it back along with the status.
    const released = this.write(
      () =>
        this.sql(
          `UPDATE deliveries SET status = COALESCE(claimed_from, 'pending'), attempts = MAX(attempts - 1, 0),
            lease_owner = NULL, lease_until = NULL, claimed_from = NULL, updated_at = @now
          WHERE status = 'processing' AND lease_owner = @owner`,
        ).run({ owner, now }).changes +
        this.sql(
          `UPDATE notifications SET status = COALESCE(claimed_from, 'queued'), attempts = MAX(attempts - 1, 0),
            lease_owner = NULL, lease_until = NULL, claimed_from = NULL
          WHERE status = 'sending' AND lease_owner = @owner`,
        ).run({ owner }).changes,
    );
    if (released > 0) this.emitWork();
  }

  async claimNotifications(
    params: ClaimParams & { channel: string },
  ): Promise<ClaimedNotification[]> {
    const now = params.now.getTime();
    const rows = this.write(() => {
      const keys = this.sql(
        `SELECT delivery_id, channel FROM (${claimableNotificationRows({
          now: "@now",
          columns: "delivery_id, channel, created_at",
          where: "channel = @channel AND digest_key IS NULL",
          first: { orderBy: "created_at, delivery_id", limit: "@limit" },
        })}) ORDER BY created_at, delivery_id LIMIT @limit`,
      ).all({ channel: params.channel, now, limit: params.limit }) as {
        delivery_id: string;
        channel: string;
      }[];
      return this.claimRows({ keys, owner: params.owner, until: now + params.leaseMs });
    });
    return rows.map(toClaimedNotification).sort(byCreation);
  }

  async claimDigest(params: {
    channel: string;
    owner: string;
    leaseMs: number;
    now: Date;
  }): Promise<ClaimedNotification[]> {
    const now = params.now.getTime();
    const dueSql = `SELECT digest_key FROM notifications
        WHERE channel = @channel AND digest_key IS NOT NULL AND ${CLAIMABLE_NOTIFICATION}
        GROUP BY digest_key ORDER BY MIN(COALESCE(due_at, 0)), digest_key LIMIT 1`;
    // Most calls find nothing due: look before taking the write lock.
    if (this.sql(dueSql).get({ channel: params.channel, now }) === undefined) return [];
    // One transaction under the write lock: the window's rows are claimed together or not at all.
    const rows = this.write(() => {
      const due = this.sql(dueSql).get({ channel: params.channel, now }) as
        { digest_key: string } | undefined;
      if (!due) return [];
      const keys = this.sql(
        `SELECT delivery_id, channel FROM notifications
        WHERE channel = @channel AND digest_key = @digestKey AND ${CLAIMABLE_NOTIFICATION}`,
      ).all({ channel: params.channel, digestKey: due.digest_key, now }) as {
        delivery_id: string;
        channel: string;
      }[];
      return this.claimRows({ keys, owner: params.owner, until: now + params.leaseMs });
    });
    return rows.map(toClaimedNotification).sort(byReceipt);
  }

  /** Marks the given notifications `sending` under `owner` and reads them back with their delivery. */
  private claimRows(params: {
    keys: { delivery_id: string; channel: string }[];
    owner: string;
    until: number;
  }): ClaimedNotificationRow[] {
    const claim = this.sql(`UPDATE notifications SET
        claimed_from = CASE status WHEN 'failed' THEN 'failed' ELSE 'queued' END,
        status = 'sending', lease_owner = @owner, lease_until = @until, attempts = attempts + 1
      WHERE delivery_id = @deliveryId AND channel = @channel`);
    const read = this
      .sql(`SELECT ${qualified("n", NOTIFICATION_COLUMNS)}, d.repository, d.received_at
      FROM notifications n JOIN deliveries d ON d.id = n.delivery_id
      WHERE n.delivery_id = @deliveryId AND n.channel = @channel`);
    return params.keys.map((k) => {
      const key = { deliveryId: k.delivery_id, channel: k.channel };
      claim.run({ ...key, owner: params.owner, until: params.until });
      return read.get(key) as ClaimedNotificationRow;
    });
  }

  async readyChannels(now: Date): Promise<{ channel: string; waiting: number }[]> {
    return this.sql(
      `SELECT channel, COUNT(*) AS waiting FROM (${claimableNotificationRows({ now: "@now", columns: "channel" })})
      GROUP BY channel ORDER BY channel`,
    ).all({ now: now.getTime() }) as {
      channel: string;
      waiting: number;
    }[];
  }

  async countWaiting(params: { channel: string; now: Date; cap: number }): Promise<number> {
    const row = this.sql(
      `SELECT COUNT(*) AS waiting FROM (
        SELECT 1 FROM (${claimableNotificationRows({
          now: "@now",
          columns: "delivery_id",
          where: "channel = @channel",
          first: { orderBy: "created_at", limit: "@cap" },
        })}) LIMIT @cap)`,
    ).get({ channel: params.channel, now: params.now.getTime(), cap: params.cap }) as {
      waiting: number;
    };
    return row.waiting;
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
    return this.write(() => {
      const { changes } = this.sql(
        `UPDATE notifications SET status = @status, error = @error,
          next_attempt_at = @next, sent_at = CASE WHEN @status = 'sent' THEN @now ELSE sent_at END,
          lease_owner = NULL, lease_until = NULL, claimed_from = NULL
        WHERE delivery_id = @deliveryId AND channel = @channel AND status = 'sending' AND lease_owner = @owner`,
      ).run({
        deliveryId: params.deliveryId,
        channel: params.channel,
        owner: params.owner,
        status: params.status,
        error: params.status === "sent" ? null : params.error,
        next: nextAttemptFor(params),
        now,
      });
      if (changes === 0) return false;
      if (params.status !== "failed") this.settle(params.deliveryId, now);
      return true;
    });
  }

  async requeueDelivery(params: { id: string; force: boolean; now: Date }): Promise<boolean> {
    const found = this.write(() => {
      if (!this.sql("SELECT 1 FROM deliveries WHERE id = ?").get(params.id)) return false;
      // Routing queues the channels again. A `sending` row may be mid-post: deleting it
      // could not stop that post, only cause a second one.
      this.sql(
        `DELETE FROM notifications WHERE delivery_id = @id AND status <> 'sending'
          AND (@force = 1 OR status <> 'sent')`,
      ).run({ id: params.id, force: params.force ? 1 : 0 });
      this.sql(
        `UPDATE deliveries SET status = 'pending', attempts = 0, reason = NULL, error = NULL,
          next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL, claimed_from = NULL, updated_at = @now
        WHERE id = @id`,
      ).run({ id: params.id, now: params.now.getTime() });
      return true;
    });
    if (found) this.emitWork();
    return found;
  }

  async recordAttempt(attempt: AttemptRecord): Promise<void> {
    this.sql(
      "INSERT INTO attempts (delivery_id, channel, at, outcome, detail) VALUES (?, ?, ?, ?, ?)",
    ).run(
      attempt.deliveryId,
      attempt.channel,
      attempt.at.getTime(),
      attempt.outcome,
      attempt.detail,
    );
  }

  async getDelivery(id: string): Promise<DeliveryRecord | null> {
    const row = this.sql(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ?`).get(id) as
      DeliveryRow | undefined;
    return row ? toDelivery(row) : null;
  }

  async listDeliveries(filter: DeliveryFilter): Promise<DeliveryRecord[]> {
    const where: string[] = [];
    const params: Params = { limit: filter.limit ?? DEFAULT_LIST_LIMIT };
    if (filter.status) {
      where.push("status = @status");
      params.status = filter.status;
    }
    if (filter.repository) {
      where.push("repository = @repository");
      params.repository = filter.repository;
    }
    const rows = this.sql(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY received_at DESC, id DESC LIMIT @limit`,
    ).all(params) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  async getNotifications(deliveryId: string): Promise<NotificationRecord[]> {
    const rows = this.sql(
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE delivery_id = ? ORDER BY created_at, channel`,
    ).all(deliveryId) as NotificationRow[];
    return rows.map(toNotification);
  }

  async getAttempts(deliveryId: string): Promise<AttemptRecord[]> {
    const rows = this.sql(
      "SELECT delivery_id, channel, at, outcome, detail FROM attempts WHERE delivery_id = ? ORDER BY at, id",
    ).all(deliveryId) as AttemptRow[];
    return rows.map(toAttempt);
  }

  async knownDeliveryIds(ids: string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const rows = this.sql(
        `SELECT id FROM deliveries WHERE id IN (${chunk.map(() => "?").join(", ")})`,
      ).all(...chunk) as { id: string }[];
      for (const row of rows) known.add(row.id);
    }
    return known;
  }

  async countDeliveriesByStatus(): Promise<Record<DeliveryStatus, number>> {
    const counts = zeroCounts();
    const rows = this.sql("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status").all() as {
      status: DeliveryStatus;
      n: number;
    }[];
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  async nextDueAt(): Promise<Date | null> {
    const row = this.sql(
      `SELECT MIN(t) AS t FROM (
        SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE status = 'failed'
        UNION ALL SELECT MIN(next_attempt_at) FROM notifications WHERE status = 'failed'
        UNION ALL SELECT MIN(due_at) FROM notifications WHERE status = 'queued')`,
    ).get() as {
      t: number | null;
    };
    return row.t === null ? null : new Date(row.t);
  }

  async prune(before: Date): Promise<number> {
    const finished =
      "SELECT id FROM deliveries WHERE status IN ('delivered', 'skipped') AND received_at < @before";
    return this.write(() => {
      const params = { before: before.getTime() };
      this.sql(`DELETE FROM attempts WHERE delivery_id IN (${finished})`).run(params);
      this.sql(`DELETE FROM notifications WHERE delivery_id IN (${finished})`).run(params);
      this.sql("DELETE FROM mutes WHERE muted_until < @before").run(params);
      return this.sql(`DELETE FROM deliveries WHERE id IN (${finished})`).run(params).changes;
    });
  }

  async putMute(mute: MuteRecord): Promise<void> {
    this.sql(
      `INSERT INTO mutes (target, kind, muted_until, reason, created_at)
      VALUES (@target, @kind, @until, @reason, @createdAt)
      ON CONFLICT (target) DO UPDATE SET kind = excluded.kind, muted_until = excluded.muted_until,
        reason = excluded.reason, created_at = excluded.created_at`,
    ).run({
      target: mute.target,
      kind: mute.kind,
      until: mute.until.getTime(),
      reason: mute.reason,
      createdAt: mute.createdAt.getTime(),
    });
  }

  async deleteMute(target: string): Promise<boolean> {
    return this.sql("DELETE FROM mutes WHERE target = ?").run(target).changes > 0;
  }

  async listMutes(now: Date): Promise<MuteRecord[]> {
    const rows = this.sql(
      `SELECT ${MUTE_COLUMNS} FROM mutes WHERE muted_until > ? ORDER BY muted_until, target`,
    ).all(now.getTime()) as MuteRow[];
    return rows.map(toMute);
  }

  async getCachedConfig(key: string): Promise<CachedConfig | null> {
    const row = this.sql("SELECT key, etag, body, fetched_at FROM config_cache WHERE key = ?").get(
      key,
    ) as ConfigRow | undefined;
    return row ? toCachedConfig(row) : null;
  }

  async putCachedConfig(entry: CachedConfig): Promise<void> {
    this.sql(
      `INSERT INTO config_cache (key, etag, body, fetched_at) VALUES (@key, @etag, @body, @fetchedAt)
      ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, body = excluded.body, fetched_at = excluded.fetched_at`,
    ).run({
      key: entry.key,
      etag: entry.etag,
      body: entry.body,
      fetchedAt: entry.fetchedAt.getTime(),
    });
  }

  async deleteCachedConfig(key: string): Promise<void> {
    this.sql("DELETE FROM config_cache WHERE key = ?").run(key);
  }

  async tryStartPost(params: { target: string; now: Date; holdMs: number }): Promise<PostStart> {
    const values = {
      target: params.target,
      now: params.now.getTime(),
      hold: params.now.getTime() + params.holdMs,
    };
    return this.write(() => {
      // `next_at` is when the next post may start; the upsert's WHERE makes this a compare-and-set.
      const started = this.sql(
        `INSERT INTO pacing (target, next_at) VALUES (@target, @hold)
        ON CONFLICT (target) DO UPDATE SET next_at = @hold WHERE pacing.next_at <= @now
        RETURNING next_at`,
      ).get(values);
      if (started) return { ok: true, hold: new Date(values.hold) } as const;
      const row = this.sql("SELECT next_at FROM pacing WHERE target = @target").get(values) as {
        next_at: number;
      };
      return { ok: false, retryAt: new Date(row.next_at) } as const;
    });
  }

  async finishPost(params: {
    target: string;
    hold: Date;
    now: Date;
    waitMs: number;
  }): Promise<void> {
    this.write(() =>
      this.sql(
        `UPDATE pacing SET next_at = CASE WHEN next_at = @hold THEN @next ELSE MAX(next_at, @next) END
        WHERE target = @target`,
      ).run({
        target: params.target,
        hold: params.hold.getTime(),
        next: params.now.getTime() + params.waitMs,
      }),
    );
  }

  async getState(key: string): Promise<string | null> {
    const row = this.sql("SELECT value FROM state WHERE key = ?").get(key) as
      { value: string } | undefined;
    return row?.value ?? null;
  }

  async setState(key: string, value: string): Promise<void> {
    this.sql(
      "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(key, value);
  }

  onWork(listener: () => void): () => void {
    // In-process only: another process sharing the file finds work by polling.
    const own = () => listener();
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }

  async ping(): Promise<void> {
    this.sql("SELECT 1").get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.inserts.drain();
    this.listeners.clear();
    this.statements.clear();
    this.db.close();
  }

  /** Runs `fn` in a transaction that takes the write lock at once, so it never fails halfway on a lock upgrade. */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** A write transaction whose commit is synced to disk before it returns (`synchronous = FULL`). */
  private durably<T>(fn: () => T): T {
    this.db.pragma("synchronous = FULL");
    try {
      return this.write(fn);
    } finally {
      this.db.pragma("synchronous = NORMAL");
    }
  }

  private sql(text: string): Database.Statement<unknown[]> {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private holds(id: string, owner: string): boolean {
    return (
      this.sql(
        "SELECT 1 FROM deliveries WHERE id = ? AND status = 'processing' AND lease_owner = ?",
      ).get(id, owner) !== undefined
    );
  }

  /** A routed delivery whose notifications are all final becomes `delivered` or `dead`. */
  private settle(id: string, now: number): void {
    const rows = this.sql(
      "SELECT channel, status, error FROM notifications WHERE delivery_id = ?",
    ).all(id) as {
      channel: string;
      status: string;
      error: string | null;
    }[];
    const settled = settledStatus(rows);
    if (!settled) return;
    // Only once routed (no lease): a delivery being routed again is settled by finishRouting.
    this.sql(
      `UPDATE deliveries SET status = @status, error = @error, updated_at = @now
      WHERE id = @id AND status = 'processing' AND lease_owner IS NULL`,
    ).run({ id, ...settled, now });
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
