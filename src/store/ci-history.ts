/**
 * CI history, written once: the last completed run's conclusion per (repository, workflow id,
 * head branch), read and replaced in one transaction, so routing can tell a success that
 * follows a failure ("back to green") from one that follows a success. Runs are ordered by
 * (run number, attempt), since a re-run keeps its number.
 */
import type { Backend, Db } from "./db.js";
import type { CiHistory } from "./types.js";

/** PostgreSQL's INTEGER, `run_number`'s and `run_attempt`'s type: GitHub's stay far below it. */
const MAX_RUN_NUMBER = 2_147_483_647;
/** Longest conclusion kept; GitHub's are short words (`success`, `failure`, `timed_out`). */
const MAX_CONCLUSION_CHARS = 40;
/** Git allows long ref names; a branch past this is not one GitHub sends. */
const MAX_BRANCH_CHARS = 1_000;

interface CiConclusionRow {
  run_number: number;
  run_attempt: number;
  conclusion: string;
  previous_conclusion: string | null;
}

/**
 * CI history over `backend`.
 *
 * @example
 * const ci = createCiHistory(backend);
 * await ci.recordConclusion({ repository: "acme/api", workflowId: 161335, branch: "main",
 *   runNumber: 12, runAttempt: 1, conclusion: "failure", now: new Date() }); // => null
 */
export function createCiHistory(backend: Backend): CiHistory {
  const { db, dialect } = backend;
  return {
    async recordConclusion(params) {
      const row = checkedParams(params);
      // The worker's bookkeeping: a power cut may undo it, as it may undo the routing it is part of.
      return db.bookkeeping(async (tx) => {
        // A key seen for the first time: the insert is the whole answer. Of concurrent first
        // inserts one wins; the others (PostgreSQL waits for the winner's commit) read its row.
        const inserted = await tx.run(
          `INSERT INTO ci_conclusions
            (repository, workflow_id, branch, run_number, run_attempt, conclusion,
              previous_conclusion, updated_at)
          VALUES (@repository, @workflowId, @branch, @runNumber, @runAttempt, @conclusion, NULL, @now)
          ON CONFLICT (repository, workflow_id, branch) DO NOTHING`,
          row,
        );
        if (inserted > 0) return null;
        const stored = await tx.get<CiConclusionRow>(
          `SELECT run_number, run_attempt, conclusion, previous_conclusion FROM ci_conclusions
          WHERE repository = @repository AND workflow_id = @workflowId AND branch = @branch
          ${dialect.forUpdate}`,
          row,
        );
        if (stored === undefined) return null; // pruned between the two statements
        // Runs are ordered by (run number, attempt): a re-run keeps its number.
        const order =
          row.runNumber - stored.run_number || row.runAttempt - Number(stored.run_attempt);
        if (order < 0) return null;
        // The stored attempt again is a replay (a retry or GitHub's redelivery): its first answer.
        if (order === 0) return stored.previous_conclusion;
        await tx.run(
          `UPDATE ci_conclusions SET run_number = @runNumber, run_attempt = @runAttempt,
            conclusion = @conclusion, previous_conclusion = @previous, updated_at = @now
          WHERE repository = @repository AND workflow_id = @workflowId AND branch = @branch`,
          { ...row, previous: stored.conclusion },
        );
        return stored.conclusion;
      });
    },
  };
}

/**
 * Deletes the CI conclusions no run updated since `before` (one range of the `updated_at`
 * index); `prune` runs it in its transaction. Returns how many it deleted.
 *
 * @example
 * await pruneCiConclusions(tx, new Date(Date.now() - retentionMs)); // => 2
 */
export function pruneCiConclusions(db: Db, before: Date): Promise<number> {
  return db.run("DELETE FROM ci_conclusions WHERE updated_at < @before", {
    before: before.getTime(),
  });
}

/** The statement parameters, the repository lower-cased; throws a message naming the bad field. */
function checkedParams(params: Parameters<CiHistory["recordConclusion"]>[0]) {
  const { repository, workflowId, branch, runNumber, runAttempt, conclusion, now } = params;
  const fail = (message: string): never => {
    throw new Error(`ci conclusion: ${message}`);
  };
  if (typeof repository !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
    fail(`repository must be "owner/name", got ${JSON.stringify(repository)}`);
  }
  if (!Number.isSafeInteger(workflowId) || workflowId < 1) {
    fail(`workflowId must be a positive integer, got ${String(workflowId)}`);
  }
  if (typeof branch !== "string" || branch === "" || branch.length > MAX_BRANCH_CHARS) {
    fail(`branch must be a non-empty string of at most ${MAX_BRANCH_CHARS} characters`);
  }
  if (!Number.isInteger(runNumber) || runNumber < 1 || runNumber > MAX_RUN_NUMBER) {
    fail(`runNumber must be an integer from 1 to ${MAX_RUN_NUMBER}, got ${String(runNumber)}`);
  }
  if (!Number.isInteger(runAttempt) || runAttempt < 1 || runAttempt > MAX_RUN_NUMBER) {
    fail(`runAttempt must be an integer from 1 to ${MAX_RUN_NUMBER}, got ${String(runAttempt)}`);
  }
  if (
    typeof conclusion !== "string" ||
    conclusion === "" ||
    conclusion.length > MAX_CONCLUSION_CHARS
  ) {
    fail(`conclusion must be a non-empty string of at most ${MAX_CONCLUSION_CHARS} characters`);
  }
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) fail("now must be a valid Date");
  return {
    repository: repository.toLowerCase(),
    workflowId,
    branch,
    runNumber,
    runAttempt,
    conclusion,
    now: now.getTime(),
  };
}
