/**
 * Pull request heads, written once: the head commit of each pull request the app saw opened,
 * reopened or pushed to, per (repository, SHA), so a workflow run or check suite that names no
 * pull request (a fork's, whose payload lists none) still threads under the one it built.
 */
import type { Db } from "./db.js";
import type { HeadShas } from "./types.js";

/** PostgreSQL's INTEGER, the column's type: GitHub's pull request numbers stay far below it. */
const MAX_NUMBER = 2_147_483_647;
/** A commit SHA as GitHub writes it (SHA-1 or SHA-256, abbreviated or whole). */
const SHA = /^[0-9a-f]{7,64}$/i;

/**
 * Pull request heads over `db`.
 *
 * @example
 * const heads = createHeadShas(db);
 * await heads.rememberHead({ repository: "acme/api", sha: "ec26c3e5…", number: 7, now: new Date() });
 * await heads.pullRequestOf({ repository: "acme/api", sha: "ec26c3e5…" }); // => 7
 */
export function createHeadShas(db: Db): HeadShas {
  return {
    async rememberHead(params) {
      const head = checkedHead(params);
      const { number, now } = params;
      if (!Number.isInteger(number) || number < 1 || number > MAX_NUMBER) {
        fail(`number must be an integer from 1 to ${MAX_NUMBER}, got ${String(number)}`);
      }
      if (!(now instanceof Date) || Number.isNaN(now.getTime())) fail("now must be a valid Date");
      // A commit that is the head of two pull requests names neither: NULL, and NULL stays.
      await db.bookkeeping((tx) =>
        tx.run(
          `INSERT INTO pr_heads (repository, sha, number, updated_at)
        VALUES (@repository, @sha, @number, @now)
        ON CONFLICT (repository, sha) DO UPDATE SET
          number = CASE WHEN pr_heads.number = excluded.number THEN excluded.number ELSE NULL END,
          updated_at = excluded.updated_at`,
          { ...head, number, now: now.getTime() },
        ),
      );
    },

    async pullRequestOf(params) {
      const row = await db.get<{ number: number | null }>(
        "SELECT number FROM pr_heads WHERE repository = @repository AND sha = @sha",
        checkedHead(params),
      );
      return row?.number ?? null;
    },
  };
}

/**
 * Deletes the heads no pull request event remembered since `before` (one range of the
 * `updated_at` index); `prune` runs it in its transaction. Returns how many it deleted.
 *
 * @example
 * await prunePrHeads(tx, new Date(Date.now() - retentionMs)); // => 3
 */
export function prunePrHeads(db: Db, before: Date): Promise<number> {
  return db.run("DELETE FROM pr_heads WHERE updated_at < @before", { before: before.getTime() });
}

function fail(message: string): never {
  throw new Error(`pull request head: ${message}`);
}

/** The key, repository and SHA lower-cased; throws a message naming the bad field. */
function checkedHead(params: { repository: string; sha: string }): {
  repository: string;
  sha: string;
} {
  const { repository, sha } = params;
  if (typeof repository !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
    fail(`repository must be "owner/name", got ${JSON.stringify(repository)}`);
  }
  if (typeof sha !== "string" || !SHA.test(sha)) {
    fail(`sha must be 7 to 64 hex digits, got ${JSON.stringify(sha)}`);
  }
  return { repository: repository.toLowerCase(), sha: sha.toLowerCase() };
}
