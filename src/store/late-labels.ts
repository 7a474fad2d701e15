/**
 * Late labels, written once: which (repository, item number, route) an issue or pull request
 * was already sent to, marked with one atomic insert, so a label added after opening sends the
 * item to a label-filtered route once, and never after the opened event already did. The mark
 * names the delivery that set it, so a retried routing of that delivery sends again.
 */
import type { Db } from "./db.js";
import type { LateLabels } from "./types.js";

/** PostgreSQL's INTEGER, the column's type: GitHub's item numbers stay far below it. */
const MAX_ITEM_NUMBER = 2_147_483_647;
/** Routing's keys are short hashes; anything longer is a caller's mistake. */
const MAX_ROUTE_KEY_CHARS = 200;
/** GitHub's delivery ids are GUIDs; anything longer is a caller's mistake. */
const MAX_DELIVERY_ID_CHARS = 200;

/**
 * Late-label marks over `db`.
 *
 * @example
 * const late = createLateLabels(db);
 * await late.markSent({ repository: "acme/api", number: 7, routeKey: "9b1c…",
 *   deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958", now: new Date() }); // => true
 */
export function createLateLabels(db: Db): LateLabels {
  return {
    async markSent(params) {
      const { repository, number, routeKey, deliveryId, now } = params;
      const fail = (message: string): never => {
        throw new Error(`late label: ${message}`);
      };
      if (typeof repository !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
        fail(`repository must be "owner/name", got ${JSON.stringify(repository)}`);
      }
      if (!Number.isInteger(number) || number < 1 || number > MAX_ITEM_NUMBER) {
        fail(`number must be an integer from 1 to ${MAX_ITEM_NUMBER}, got ${String(number)}`);
      }
      if (
        typeof routeKey !== "string" ||
        routeKey.trim() === "" ||
        routeKey.length > MAX_ROUTE_KEY_CHARS
      ) {
        fail(`routeKey must be a non-empty string of at most ${MAX_ROUTE_KEY_CHARS} characters`);
      }
      if (
        deliveryId !== null &&
        (typeof deliveryId !== "string" ||
          deliveryId === "" ||
          deliveryId.length > MAX_DELIVERY_ID_CHARS)
      ) {
        fail(
          `deliveryId must be null or a non-empty string of at most ${MAX_DELIVERY_ID_CHARS} characters`,
        );
      }
      if (!(now instanceof Date) || Number.isNaN(now.getTime())) fail("now must be a valid Date");
      const row = {
        repository: repository.toLowerCase(),
        number,
        routeKey,
        deliveryId,
        now: now.getTime(),
      };
      // The worker's bookkeeping: a power cut may undo it, as it may undo the routing it is part of.
      return db.bookkeeping(async (tx) => {
        const inserted = await tx.run(
          `INSERT INTO late_labels (repository, item_number, route_key, delivery_id, sent_at)
          VALUES (@repository, @number, @routeKey, @deliveryId, @now)
          ON CONFLICT (repository, item_number, route_key) DO NOTHING`,
          row,
        );
        if (inserted > 0) return true;
        if (deliveryId === null) return false;
        // Marked already: by this delivery when its routing is retried (the first routing's
        // messages may never have been queued), which must send them again.
        const marked = await tx.get<{ delivery_id: string | null }>(
          `SELECT delivery_id FROM late_labels
          WHERE repository = @repository AND item_number = @number AND route_key = @routeKey`,
          row,
        );
        return marked?.delivery_id === deliveryId;
      });
    },
  };
}

/**
 * Deletes the marks set before `before` (one range of the `sent_at` index); `prune` runs it in
 * its transaction. Returns how many it deleted.
 *
 * @example
 * await pruneLateLabels(tx, new Date(Date.now() - retentionMs)); // => 4
 */
export function pruneLateLabels(db: Db, before: Date): Promise<number> {
  return db.run("DELETE FROM late_labels WHERE sent_at < @before", { before: before.getTime() });
}
