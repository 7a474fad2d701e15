/**
 * Slack pacing shared by every instance, written once: a compare-and-set on the webhook's
 * `next_at` (when the next post may start) gives one post its turn at a time.
 */
import type { Backend } from "./db.js";
import type { Pacing } from "./types.js";

/**
 * Pacing over `db`.
 *
 * @example
 * const start = await createPacing(backend).tryStartPost({ target: hash, now, holdMs: 10_000 });
 */
export function createPacing(backend: Pick<Backend, "db" | "dialect">): Pacing {
  const { db, dialect } = backend;
  return {
    async tryStartPost(params) {
      const now = params.now.getTime();
      const hold = now + params.holdMs;
      // The upsert's WHERE makes this a compare-and-set. A turn a power cut undoes is one
      // taken again (bookkeeping: no wait for the commit's sync).
      const started = await db.get(
        `INSERT INTO pacing (target, next_at) VALUES (@target, @hold)
        ON CONFLICT (target) DO UPDATE SET next_at = @hold WHERE pacing.next_at <= @now
        RETURNING next_at${dialect.asyncCommit}`,
        { target: params.target, hold, now },
      );
      if (started) return { ok: true, hold: new Date(hold) };
      // A statement of its own: its snapshot sees the row a concurrent first insert committed.
      const row = await db.get<{ next_at: number | string }>(
        "SELECT next_at FROM pacing WHERE target = @target",
        { target: params.target },
      );
      // The row that refused the turn is gone by now (deleted behind the store's back): no
      // turn is recorded any more, so the caller may ask again at once.
      if (!row) return { ok: false, retryAt: new Date(now) };
      return { ok: false, retryAt: new Date(Number(row.next_at)) };
    },

    async finishPost(params) {
      // A turn another post holds by now is only ever pushed later, never brought forward.
      // Bookkeeping: a turn's end a power cut undoes is a turn that ends at its hold instead.
      await db.get(
        `UPDATE pacing SET next_at = CASE
            WHEN next_at = @hold OR next_at < @next THEN @next ELSE next_at END
        WHERE target = @target RETURNING next_at${dialect.asyncCommit}`,
        {
          target: params.target,
          hold: params.hold.getTime(),
          next: params.now.getTime() + params.waitMs,
        },
      );
    },
  };
}
