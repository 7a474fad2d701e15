/**
 * Thread parents, written once: the Slack message heading each (repository, item number,
 * channel) thread, found with one primary-key read, saved with one upsert, pruned by age.
 */
import type { Db } from "./db.js";
import { THREAD_PARENT_COLUMNS, toThreadParent, type ThreadParentRow } from "./rows.js";
import type { ThreadKey, ThreadParents } from "./types.js";

/** PostgreSQL's INTEGER, the column's type: GitHub's item numbers stay far below it. */
const MAX_ITEM_NUMBER = 2_147_483_647;

/**
 * Thread parents over `db`.
 *
 * @example
 * const parents = createThreadParents(db);
 * await parents.saveParent({ repository: "acme/api", number: 7, channel: "default",
 *   slackChannel: "C0123ABCD", ts: "1700000000.000100", state: "{}", now: new Date() });
 * await parents.findParent({ repository: "acme/api", number: 7, channel: "default" });
 * // => { repository: "acme/api", number: 7, channel: "default", slackChannel: "C0123ABCD", ... }
 */
export function createThreadParents(db: Db): ThreadParents {
  return {
    async findParent(key) {
      const row = await db.get<ThreadParentRow>(
        `SELECT ${THREAD_PARENT_COLUMNS} FROM thread_parents
        WHERE repository = @repository AND item_number = @number AND channel = @channel`,
        keyParams(key),
      );
      return row ? toThreadParent(row) : null;
    },

    async saveParent(parent) {
      for (const field of ["slackChannel", "ts"] as const) {
        if (typeof parent[field] !== "string" || parent[field].trim() === "") {
          throw new Error(`thread parent: ${field} must be a non-empty string`);
        }
      }
      if (typeof parent.state !== "string") {
        throw new Error("thread parent: state must be a string");
      }
      if (!(parent.now instanceof Date) || Number.isNaN(parent.now.getTime())) {
        throw new Error("thread parent: now must be a valid Date");
      }
      // One statement: atomic on both databases, so concurrent saves of one key never conflict.
      await db.bookkeeping((tx) =>
        tx.run(
          `INSERT INTO thread_parents
          (repository, item_number, channel, slack_channel, ts, state, created_at, updated_at)
        VALUES (@repository, @number, @channel, @slackChannel, @ts, @state, @now, @now)
        ON CONFLICT (repository, item_number, channel) DO UPDATE SET
          slack_channel = excluded.slack_channel, ts = excluded.ts, state = excluded.state,
          updated_at = excluded.updated_at`,
          {
            ...keyParams(parent),
            slackChannel: parent.slackChannel,
            ts: parent.ts,
            state: parent.state,
            now: parent.now.getTime(),
          },
        ),
      );
    },

    async forgetParent(key) {
      await db.bookkeeping((tx) =>
        tx.run(
          `DELETE FROM thread_parents
          WHERE repository = @repository AND item_number = @number AND channel = @channel`,
          keyParams(key),
        ),
      );
    },
  };
}

/**
 * Deletes the parents not posted or edited since `before` (one range of the `updated_at`
 * index); `prune` runs it in its transaction. Returns how many it deleted.
 *
 * @example
 * await pruneThreadParents(tx, new Date(Date.now() - retentionMs)); // => 3
 */
export function pruneThreadParents(db: Db, before: Date): Promise<number> {
  return db.run("DELETE FROM thread_parents WHERE updated_at < @before", {
    before: before.getTime(),
  });
}

/**
 * A key's query parameters, the repository lower-cased; throws a message naming the bad field.
 *
 * @example
 * keyParams({ repository: "Acme/API", number: 7, channel: "default" })
 * // => { repository: "acme/api", number: 7, channel: "default" }
 */
function keyParams(key: ThreadKey): { repository: string; number: number; channel: string } {
  const { repository, number, channel } = key;
  if (typeof repository !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
    throw new Error(
      `thread parent: repository must be "owner/name", got ${JSON.stringify(repository)}`,
    );
  }
  if (!Number.isInteger(number) || number < 1 || number > MAX_ITEM_NUMBER) {
    throw new Error(
      `thread parent: number must be an integer from 1 to ${MAX_ITEM_NUMBER}, got ${String(number)}`,
    );
  }
  if (typeof channel !== "string" || channel.trim() === "") {
    throw new Error("thread parent: channel must be a non-empty string");
  }
  return { repository: repository.toLowerCase(), number, channel };
}
