/**
 * Late labels, written once: which (repository, item number, route) an issue or pull request
 * was already sent to, marked with one atomic insert, so a label added after opening sends the
 * item to a label-filtered route once, and never after the opened event already did.
 */
import type { Db } from "./db.js";
import type { LateLabels } from "./types.js";

/** PostgreSQL's INTEGER, the column's type: GitHub's item numbers stay far below it. */
const MAX_ITEM_NUMBER = 2_147_483_647;
/** Routing's keys are short hashes; anything longer is a caller's mistake. */
const MAX_ROUTE_KEY_CHARS = 200;

/**
 * Late-label marks over `db`.
 *
 * @example
 * const late = createLateLabels(db);
 * await late.markSent({ repository: "acme/api", number: 7, routeKey: "9b1c…", now: new Date() }); // => true
 */
export function createLateLabels(db: Db): LateLabels {
  return {
    async markSent(params) {
      const { repository, number, routeKey, now } = params;
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
      if (!(now instanceof Date) || Number.isNaN(now.getTime())) fail("now must be a valid Date");
      const inserted = await db.run(
        `INSERT INTO late_labels (repository, item_number, route_key, sent_at)
        VALUES (@repository, @number, @routeKey, @now)
        ON CONFLICT (repository, item_number, route_key) DO NOTHING`,
        { repository: repository.toLowerCase(), number, routeKey, now: now.getTime() },
      );
      return inserted > 0;
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
