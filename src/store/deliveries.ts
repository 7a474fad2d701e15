/**
 * The delivery queue, written once for both databases: acknowledged inserts (group-committed,
 * durable, replays refused by body hash), claims under a lease, the end of routing, retries,
 * replays and release on shutdown.
 */
import { bodySha256 } from "./body-hash.js";
import type { Backend, Db, Dialect } from "./db.js";
import { createGroupCommit, firstOccurrences } from "./group-commit.js";
import { byArrival, DELIVERY_COLUMNS, toDelivery, type DeliveryRow } from "./rows.js";
import { appendHistory } from "./history.js";
import { settle } from "./settle.js";
import type { DeliveryQueue, IncomingDelivery, InsertOutcome } from "./types.js";

/** Most deliveries one group-committed transaction writes. */
const MAX_BATCH = 1000;

/**
 * Batches written at once. PostgreSQL: while one batch waits for its round trip and commit,
 * others go out on other pooled connections (the server groups their WAL flushes itself); the
 * pool keeps connections for the worker. SQLite: a batch commits on the event loop while the
 * previous one's WAL sync runs on the thread pool (see `dialects/sqlite.ts`).
 */
const IN_FLIGHT: Record<Dialect["kind"], number> = { postgres: 4, sqlite: 2 };

/** A body fingerprint a receiver may hand over: a SHA-256-sized digest in lower-case hex. */
const FINGERPRINT = /^[0-9a-f]{64}$/;

/** Clears a delivery's lease bookkeeping, in every write that ends a claim. */
const UNLEASED = "lease_owner = NULL, lease_until = NULL, claimed_from = NULL";

/**
 * Writes one group-committed batch: only the first copy of an id or a body is offered to the
 * database; a row not stored is a duplicate when its id is known, else a replay of a known body.
 */
async function writeDeliveries(params: {
  db: Db;
  dialect: Dialect;
  batch: IncomingDelivery[];
}): Promise<InsertOutcome[]> {
  const { dialect, batch } = params;
  // The receiver's verified signature digest when it gave one: hashing 12 KB again (and
  // encoding the text back to bytes for it) cost as much as the signature check itself.
  const hashes = batch.map((d) =>
    d.bodyFingerprint !== undefined && FINGERPRINT.test(d.bodyFingerprint)
      ? d.bodyFingerprint
      : bodySha256(d.payload),
  );
  const firstId = firstOccurrences(batch.map((d) => d.id));
  const firstBody = firstOccurrences(hashes);
  const first = batch.map((_, i) => firstId[i] === true && firstBody[i] === true);
  return params.db.durably(async (tx) => {
    const inserted = await dialect.insertMany<{ id: string }>(tx, {
      table: "deliveries",
      columns: {
        id: "text",
        event: "text",
        action: "text",
        installation_id: "bigint",
        repository: "text",
        payload: "text",
        body_sha256: "text",
        received_at: "bigint",
        updated_at: "bigint",
      },
      rows: batch
        .map((d, i) => ({ d, hash: hashes[i] ?? null }))
        .filter((_, i) => first[i])
        .map(({ d, hash }) => ({
          id: d.id,
          event: d.event,
          action: d.action,
          installation_id: d.installationId,
          repository: d.repository,
          payload: d.payload,
          body_sha256: hash,
          received_at: d.receivedAt.getTime(),
          updated_at: d.receivedAt.getTime(),
        })),
      // No conflict target: a known id and a known body (the unique body hash) both skip the row.
      onConflict: "ON CONFLICT DO NOTHING",
      returning: "id",
      announce: true,
    });
    const stored = new Set(inserted.map((r) => r.id));
    const skipped = batch.filter((d, i) => !(first[i] && stored.has(d.id))).map((d) => d.id);
    const known =
      skipped.length === 0
        ? new Set<string>()
        : new Set(
            (
              await tx.all<{ id: string }>(
                `SELECT id FROM deliveries WHERE ${dialect.inList("id", "@ids")}`,
                { ids: skipped },
              )
            ).map((r) => r.id),
          );
    return batch.map((d, i): InsertOutcome => {
      if (first[i] && stored.has(d.id)) return "stored";
      return known.has(d.id) ? "duplicate" : "replay";
    });
  });
}

/**
 * The delivery queue over `backend`; `drain` waits for inserts in flight (call before closing).
 *
 * @example
 * const queue = createDeliveryQueue(openSqlite({ path: ":memory:" }));
 * await queue.insertDelivery(delivery); // "stored"
 */
export function createDeliveryQueue(backend: Backend): DeliveryQueue & { drain(): Promise<void> } {
  const { db, dialect } = backend;
  const inserts = createGroupCommit({
    write: (batch: IncomingDelivery[]) => writeDeliveries({ db, dialect, batch }),
    maxBatch: MAX_BATCH,
    maxInFlight: IN_FLIGHT[dialect.kind],
  });

  return {
    insertDelivery: (delivery) => inserts.submit(delivery),
    drain: () => inserts.drain(),

    async claimDeliveries(params) {
      const now = params.now.getTime();
      const rows = await dialect.claim<DeliveryRow>(
        db,
        {
          claimable: {
            table: "deliveries",
            columns: "id, received_at",
            orderBy: "received_at, id",
            limit: "@limit",
            lock: true,
          },
          key: ["id"],
          set: `claimed_from = CASE status WHEN 'failed' THEN 'failed' ELSE 'pending' END,
            status = 'processing', lease_owner = @owner, lease_until = @until,
            attempts = attempts + 1, updated_at = @now`,
          returning: DELIVERY_COLUMNS,
        },
        { owner: params.owner, until: now + params.leaseMs, now, limit: params.limit },
      );
      return rows.map(toDelivery).sort(byArrival);
    },

    async renewDeliveryLeases(params) {
      if (params.ids.length === 0) return 0;
      return db.run(
        `UPDATE deliveries SET lease_until = @until
        WHERE status = 'processing' AND lease_owner = @owner AND ${dialect.inList("id", "@ids")}`,
        { owner: params.owner, ids: params.ids, until: params.now.getTime() + params.leaseMs },
      );
    },

    async finishRouting(params) {
      const now = params.now.getTime();
      const values = { id: params.id, reason: params.reason, now };
      return db.bookkeeping(async (tx) => {
        const held = await tx.get(
          `SELECT 1 AS held FROM deliveries WHERE id = @id AND status = 'processing' AND lease_owner = @owner${dialect.forUpdate}`,
          { id: params.id, owner: params.owner },
        );
        if (!held) return false;
        await appendHistory({ tx, deliveryId: params.id, at: now, lines: params.history ?? [] });
        if (params.notifications.length === 0) {
          await tx.run(
            `UPDATE deliveries SET status = 'skipped', reason = @reason, error = NULL,
              next_attempt_at = NULL, ${UNLEASED}, updated_at = @now WHERE id = @id`,
            values,
          );
          return true;
        }
        await dialect.insertMany(tx, {
          table: "notifications",
          columns: {
            delivery_id: "text",
            channel: "text",
            message: "text",
            created_at: "bigint",
            digest_key: "text",
            due_at: "bigint",
          },
          rows: params.notifications.map((n) => ({
            delivery_id: params.id,
            channel: n.channel,
            message: n.message,
            created_at: now,
            digest_key: n.digestKey ?? null,
            due_at: n.dueAt?.getTime() ?? null,
          })),
          // A retried routing never queues a channel twice.
          onConflict: "ON CONFLICT (delivery_id, channel) DO NOTHING",
          returning: "channel",
          announce: true,
        });
        // Routed: no lease any more; the notifications now carry the delivery.
        await tx.run(
          `UPDATE deliveries SET reason = @reason, error = NULL, next_attempt_at = NULL,
            ${UNLEASED}, updated_at = @now WHERE id = @id`,
          values,
        );
        // A replay may route only to channels already final: settle now or it waits forever.
        await settle({ tx, id: params.id, now });
        return true;
      });
    },

    async failDelivery(params) {
      const changed = await db.run(
        `UPDATE deliveries SET status = @status, error = @error, next_attempt_at = @next,
          ${UNLEASED}, updated_at = @now
        WHERE id = @id AND status = 'processing' AND lease_owner = @owner`,
        {
          id: params.id,
          owner: params.owner,
          status: params.nextAttemptAt ? "failed" : "dead",
          error: params.error,
          next: params.nextAttemptAt?.getTime() ?? null,
          now: params.now.getTime(),
        },
      );
      return changed === 1;
    },

    async requeueDelivery(params) {
      return db.transaction(async (tx) => {
        const found = await tx.get(
          `SELECT 1 AS found FROM deliveries WHERE id = @id${dialect.forUpdate}`,
          { id: params.id },
        );
        if (!found) return false;
        // Routing queues the channels again. A `sending` row may be mid-post: deleting it
        // could not stop that post, only cause a second one.
        await tx.run(
          `DELETE FROM notifications WHERE delivery_id = @id AND status <> 'sending'
            AND (@force = 1 OR status <> 'sent')`,
          { id: params.id, force: params.force ? 1 : 0 },
        );
        await tx.run(
          `UPDATE deliveries SET status = 'pending', attempts = 0, reason = NULL, error = NULL,
            next_attempt_at = NULL, ${UNLEASED}, updated_at = @now WHERE id = @id`,
          { id: params.id, now: params.now.getTime() },
        );
        await dialect.announce(tx);
        return true;
      });
    },

    async releaseAll(owner) {
      // A release a power cut undoes is a lease that expires instead.
      await db.bookkeeping(async (tx) => {
        // The claim's attempt never happened: give it back along with the status.
        const deliveries = await tx.run(
          `UPDATE deliveries SET status = COALESCE(claimed_from, 'pending'),
            attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
            ${UNLEASED}, updated_at = @now
          WHERE status = 'processing' AND lease_owner = @owner`,
          { owner, now: Date.now() },
        );
        const notifications = await tx.run(
          `UPDATE notifications SET status = COALESCE(claimed_from, 'queued'),
            attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, ${UNLEASED}
          WHERE status = 'sending' AND lease_owner = @owner`,
          { owner },
        );
        if (deliveries + notifications > 0) await dialect.announce(tx);
      });
    },

    async nextDueAt() {
      const row = await db.get<{ t: number | string | null }>(
        `SELECT MIN(t) AS t FROM (
          SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE status = 'failed'
          UNION ALL SELECT MIN(next_attempt_at) FROM notifications WHERE status = 'failed'
          UNION ALL SELECT MIN(due_at) FROM notifications WHERE status = 'queued') AS due`,
      );
      const t = row?.t ?? null;
      return t === null ? null : new Date(Number(t));
    },

    onWork: (listener) => backend.onWork(listener),
  };
}
