/**
 * Review states, written once: each pull request's review state as routing learned it from
 * webhooks (open, draft, requested reviewers, when a review was last requested, approvals), one
 * row per (repository, number), read and replaced in one transaction so that two instances
 * routing events of one pull request at once never lose a verdict. Deliveries arrive out of
 * order (a retry after a failed config read, a redelivery, two instances at once), so each part
 * is kept by GitHub's own times, not by arrival: the newest snapshot by the pull request's
 * `updated_at`, each reviewer's latest verdict by the review's `submitted_at`, the latest review
 * request. Beside it, one row per login whose review an open pull request requests, kept in
 * step in the same transaction, so a person's waiting pull requests are one index range of
 * their login, not a scan of every state.
 */
import type { Backend, Db } from "./db.js";
import type { ReviewVerdict } from "../shared/review-state.js";
import type { ReviewState, ReviewUpdate, ReviewWaits } from "./types.js";

/** PostgreSQL's INTEGER, the column's type: GitHub's pull request numbers stay far below it. */
const MAX_NUMBER = 2_147_483_647;
/**
 * Names per list (requested users, requested teams, reviewers' verdicts): payloads are
 * untrusted, and GitHub itself lets far fewer reviewers be requested. Verdicts past it drop the
 * oldest.
 */
const MAX_NAMES = 50;
/** Longest login or team slug kept; GitHub's logins are at most 39 characters. */
const MAX_NAME_CHARS = 100;
/** GitHub's owner (39) and repository (100) names, with room to spare. */
const MAX_REPOSITORY_CHARS = 200;
/** Most pull requests one `waitingFor` answers. */
const MAX_WAITING_LIMIT = 1_000;
/** Pull request numbers per statement of a list read or write: a small, fixed parameter count. */
const NUMBERS_PER_STATEMENT = 100;
const REPOSITORY = /^[^/\s]+\/[^/\s]+$/;
/** A login or team slug: no white space, no control character. */
const NAME = /^[^\s\p{Cc}]+$/u;
const VERDICTS: ReadonlySet<string> = new Set(["approved", "changes_requested", "dismissed"]);

type VerdictKind = ReviewVerdict["verdict"];

/** A reviewer's latest verdict as stored (`verdicts`, a JSON array): `at` in epoch ms, or null. */
interface StoredVerdict {
  login: string;
  verdict: VerdictKind;
  at: number | null;
}

/** An epoch-milliseconds (BIGINT) column: PostgreSQL returns it as a string, SQLite as a number. */
type MsColumn = number | string;

interface ReviewStateRow {
  repository: string;
  number: number;
  installation_id: MsColumn | null;
  snapshot_at: MsColumn | null;
  is_open: number;
  is_draft: number;
  requested_users: string;
  requested_teams: string;
  last_requested_at: MsColumn | null;
  verdicts: string;
  approvals_complete: number;
  updated_at: MsColumn;
}

const COLUMNS = `repository, number, installation_id, snapshot_at, is_open, is_draft,
  requested_users, requested_teams, last_requested_at, verdicts, approvals_complete, updated_at`;

/** An update checked and made ready for the statements. */
interface CheckedUpdate {
  installationId: number | null;
  repository: string;
  number: number;
  snapshotAt: number | null;
  open: boolean;
  draft: boolean;
  requestedUsers: string[];
  requestedTeams: string[];
  requestedAt: number | null;
  opened: boolean;
  verdict: StoredVerdict | null;
  now: number;
}

/**
 * Review states over `backend` (its dialect locks the row read for an update).
 *
 * @example
 * const waits = createReviewStates(backend);
 * await waits.recordReviewUpdate({ installationId: 1, repository: "acme/api", number: 7,
 *   snapshotAt: new Date(), open: true, draft: false, requestedUsers: ["octocat"],
 *   requestedTeams: [], requestedAt: new Date(), verdict: null, now: new Date() });
 * await waits.waitingFor({ login: "OctoCat", limit: 20 }); // => [{ repository: "acme/api", number: 7, ... }]
 */
export function createReviewStates(backend: Backend): ReviewWaits {
  const { db, dialect } = backend;
  return {
    async recordReviewUpdate(params) {
      const update = checkedUpdate(params);
      // The worker's bookkeeping: a power cut may undo it, as it may undo the routing it is part
      // of, and the routing is then done again.
      await db.bookkeeping(async (tx) => {
        // Twice at most: a row pruned between the insert that found it and the read creates anew.
        for (let attempt = 0; attempt < 2; attempt += 1) {
          if (await insertNew(tx, update)) return;
          // Locked (PostgreSQL) until commit: a concurrent update of this pull request waits, then
          // reads what this one wrote, so neither verdict is lost.
          const stored = await tx.get<ReviewStateRow>(
            `SELECT ${COLUMNS} FROM review_states
            WHERE repository = @repository AND number = @number${dialect.forUpdate}`,
            { repository: update.repository, number: update.number },
          );
          if (stored !== undefined) return replaceStored({ tx, update, stored });
        }
        throw new Error(
          `review state: ${update.repository}#${update.number} was deleted twice while being updated; try again`,
        );
      });
    },

    async reviewStates(params) {
      const repository = checkedRepository(params.repository);
      const numbers = checkedNumbers(params.numbers);
      const states = new Map<number, ReviewState>();
      for (const chunk of chunks(numbers)) {
        const rows = await db.all<ReviewStateRow>(
          `SELECT ${COLUMNS} FROM review_states
          WHERE repository = @repository AND number IN (${chunk.placeholders})`,
          { repository, ...chunk.params },
        );
        for (const row of rows) states.set(Number(row.number), toReviewState(row));
      }
      return states;
    },

    async waitingFor(params) {
      const login = checkedName("login", params.login).toLowerCase();
      const { limit } = params;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_WAITING_LIMIT) {
        fail(`limit must be an integer from 1 to ${MAX_WAITING_LIMIT}, got ${String(limit)}`);
      }
      // The login's requests (an index range, open pull requests only), each state by its key;
      // waiting since the last request seen, else since the app first saw the pull request.
      const rows = await db.all<ReviewStateRow>(
        `SELECT ${qualified("s")} FROM review_requests r
        JOIN review_states s ON s.repository = r.repository AND s.number = r.number
        WHERE r.login = @login AND s.is_open = 1
        ORDER BY COALESCE(s.last_requested_at, s.created_at), s.repository, s.number
        LIMIT @limit`,
        { login, limit },
      );
      return rows.map(toReviewState);
    },

    async markClosed(params) {
      const repository = checkedRepository(params.repository);
      const numbers = checkedNumbers(params.numbers);
      const now = checkedTime("now", params.now);
      if (numbers.length === 0) return;
      await db.bookkeeping(async (tx) => {
        for (const chunk of chunks(numbers)) {
          const key = { repository, ...chunk.params };
          // GitHub's list, read after `now`, no longer has them open: a snapshot taken before
          // `now` (a late retry or a redelivery) must not open them again; a later one may.
          await tx.run(
            `UPDATE review_states SET is_open = 0, updated_at = @now,
              snapshot_at = CASE WHEN snapshot_at IS NULL OR snapshot_at < @now
                THEN @now ELSE snapshot_at END
            WHERE repository = @repository AND is_open = 1 AND number IN (${chunk.placeholders})`,
            { ...key, now },
          );
          await tx.run(
            `DELETE FROM review_requests
            WHERE repository = @repository AND number IN (${chunk.placeholders})`,
            key,
          );
        }
      });
    },
  };
}

/**
 * Deletes the review states of pull requests closed before `before` (one range of a partial
 * index: open ones are never pruned), and their requests; `prune` runs it in its transaction.
 * Returns how many states it deleted.
 *
 * @example
 * await pruneReviewStates(tx, new Date(Date.now() - retentionMs)); // => 5
 */
export async function pruneReviewStates(db: Db, before: Date): Promise<number> {
  const params = { before: before.getTime() };
  // A closed pull request keeps no requests (closing deletes them); this guards the invariant.
  await db.run(
    `DELETE FROM review_requests WHERE (repository, number) IN (
      SELECT repository, number FROM review_states WHERE is_open = 0 AND updated_at < @before)`,
    params,
  );
  return db.run("DELETE FROM review_states WHERE is_open = 0 AND updated_at < @before", params);
}

/** Creates the row when absent, with its requests; false (nothing written) when it exists. */
async function insertNew(tx: Db, update: CheckedUpdate): Promise<boolean> {
  const verdicts = update.verdict === null ? [] : [update.verdict];
  const inserted = await tx.run(
    `INSERT INTO review_states (repository, number, installation_id, snapshot_at, is_open,
      is_draft, requested_users, requested_teams, last_requested_at, verdicts,
      approvals_complete, created_at, updated_at)
    VALUES (@repository, @number, @installationId, @snapshotAt, @open, @draft, @requestedUsers,
      @requestedTeams, @requestedAt, @verdicts, @opened, @now, @now)
    ON CONFLICT (repository, number) DO NOTHING`,
    { ...rowParams(update), verdicts: JSON.stringify(verdicts) },
  );
  if (inserted === 0) return false;
  if (update.open) await insertRequests(tx, update);
  return true;
}

/**
 * Applies the update to the stored row (locked by the caller), and its requests when they
 * changed. The snapshot replaces the stored one only when it is not older (an undated one is
 * older than any dated one); the verdict counts only when it is the reviewer's latest.
 */
async function replaceStored(params: {
  tx: Db;
  update: CheckedUpdate;
  stored: ReviewStateRow;
}): Promise<void> {
  const { tx, update, stored } = params;
  const storedRequestedAt = msOf(stored.last_requested_at);
  const requestedAt =
    update.requestedAt === null ||
    (storedRequestedAt !== null && storedRequestedAt >= update.requestedAt)
      ? storedRequestedAt
      : update.requestedAt;
  const storedSnapshotAt = msOf(stored.snapshot_at);
  const newer = notBefore(update.snapshotAt, storedSnapshotAt);
  const storedOpen = Number(stored.is_open) === 1;
  const storedUsers = namesOf(stored.requested_users);
  const snapshot = newer
    ? update
    : {
        snapshotAt: storedSnapshotAt,
        open: storedOpen,
        draft: Number(stored.is_draft) === 1,
        requestedUsers: storedUsers,
        requestedTeams: namesOf(stored.requested_teams),
      };
  await tx.run(
    `UPDATE review_states SET installation_id = COALESCE(@installationId, installation_id),
      snapshot_at = @snapshotAt, is_open = @open, is_draft = @draft,
      requested_users = @requestedUsers, requested_teams = @requestedTeams,
      last_requested_at = @requestedAt, verdicts = @verdicts,
      approvals_complete = CASE WHEN @opened = 1 THEN 1 ELSE approvals_complete END,
      updated_at = @now
    WHERE repository = @repository AND number = @number`,
    {
      ...rowParams({ ...update, ...snapshot }),
      requestedAt,
      verdicts: JSON.stringify(withVerdict(verdictsOf(stored.verdicts), update.verdict)),
    },
  );
  // An older snapshot, and most events (a label, a push), leave the requests as they were:
  // nothing more to write. A closed pull request has none.
  if (!newer) return;
  const before = requestKeys(storedOpen ? storedUsers : []);
  const after = requestKeys(update.open ? update.requestedUsers : []);
  if (before === after) return;
  await tx.run("DELETE FROM review_requests WHERE repository = @repository AND number = @number", {
    repository: update.repository,
    number: update.number,
  });
  if (update.open) await insertRequests(tx, update);
}

/**
 * Whether something GitHub dated `time` is not older than what it dated `stored` (equal counts:
 * the later arrival wins); an undated one is older than any dated one.
 */
function notBefore(time: number | null, stored: number | null): boolean {
  if (time === null) return stored === null;
  return stored === null || time >= stored;
}

function msOf(column: MsColumn | null): number | null {
  return column === null ? null : Number(column);
}

async function insertRequests(tx: Db, update: CheckedUpdate): Promise<void> {
  for (const login of new Set(update.requestedUsers.map((name) => name.toLowerCase()))) {
    await tx.run(
      `INSERT INTO review_requests (login, repository, number) VALUES (@login, @repository, @number)
      ON CONFLICT (login, repository, number) DO NOTHING`,
      { login, repository: update.repository, number: update.number },
    );
  }
}

/**
 * The reviewers' verdicts after `verdict`: it replaces its reviewer's (in any case) when it is
 * not older by the reviews' times, except that a dismissal stands against a verdict of the same
 * time (it dismisses that very review, and a redelivery of the review must not bring it back).
 * Ordered by time; past {@link MAX_NAMES} reviewers, the oldest verdicts are dropped.
 */
function withVerdict(
  verdicts: readonly StoredVerdict[],
  verdict: StoredVerdict | null,
): StoredVerdict[] {
  if (verdict === null) return [...verdicts];
  const login = verdict.login.toLowerCase();
  const stored = verdicts.find((kept) => kept.login.toLowerCase() === login);
  if (stored !== undefined) {
    if (!notBefore(verdict.at, stored.at)) return [...verdicts];
    if (verdict.at === stored.at && stored.verdict === "dismissed") return [...verdicts];
  }
  return [...verdicts.filter((kept) => kept !== stored), verdict]
    .map((kept, index) => ({ kept, index }))
    .sort((a, b) => byTime(a.kept.at, b.kept.at) || a.index - b.index)
    .map(({ kept }) => kept)
    .slice(-MAX_NAMES);
}

/** Earlier first; an undated verdict before any dated one. */
function byTime(a: number | null, b: number | null): number {
  if (a === null || b === null) return (a === null ? 0 : 1) - (b === null ? 0 : 1);
  return a - b;
}

/** The reviewers whose latest verdict approves, in the order of their verdicts. */
function approvalsOf(verdicts: readonly StoredVerdict[]): string[] {
  return verdicts.filter((kept) => kept.verdict === "approved").map((kept) => kept.login);
}

/** A stored JSON list of verdicts; anything else in it reads as none. */
function verdictsOf(json: string): StoredVerdict[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown): StoredVerdict[] => {
    if (typeof item !== "object" || item === null) return [];
    const { login, verdict, at } = item as Record<string, unknown>;
    if (typeof login !== "string" || typeof verdict !== "string" || !VERDICTS.has(verdict)) {
      return [];
    }
    const time = typeof at === "number" && Number.isFinite(at) ? at : null;
    return [{ login, verdict: verdict as VerdictKind, at: time }];
  });
}

/** A set of requested logins, compared case-insensitively and in any order. */
function requestKeys(logins: readonly string[]): string {
  return JSON.stringify([...new Set(logins.map((login) => login.toLowerCase()))].sort());
}

function rowParams(update: CheckedUpdate) {
  return {
    repository: update.repository,
    number: update.number,
    installationId: update.installationId,
    snapshotAt: update.snapshotAt,
    open: update.open ? 1 : 0,
    draft: update.draft ? 1 : 0,
    requestedUsers: JSON.stringify(update.requestedUsers),
    requestedTeams: JSON.stringify(update.requestedTeams),
    requestedAt: update.requestedAt,
    // Once seen, from whichever delivery arrives first: a retried `opened` after a later event
    // still tells that the app was there when the pull request was opened, and the reviews
    // since were recorded (before routing's config read) whatever became of their delivery.
    opened: update.opened ? 1 : 0,
    now: update.now,
  };
}

function toReviewState(row: ReviewStateRow): ReviewState {
  return {
    installationId: row.installation_id === null ? null : Number(row.installation_id),
    repository: row.repository,
    number: Number(row.number),
    open: Number(row.is_open) === 1,
    draft: Number(row.is_draft) === 1,
    requestedUsers: namesOf(row.requested_users),
    requestedTeams: namesOf(row.requested_teams),
    lastRequestedAt:
      row.last_requested_at === null ? null : new Date(Number(row.last_requested_at)),
    approvals: approvalsOf(verdictsOf(row.verdicts)),
    approvalsComplete: Number(row.approvals_complete) === 1,
    updatedAt: new Date(Number(row.updated_at)),
  };
}

/** A stored JSON list of names; anything else reads as none. */
function namesOf(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value)
      ? value.filter((name): name is string => typeof name === "string")
      : [];
  } catch {
    return [];
  }
}

function qualified(alias: string): string {
  return COLUMNS.split(",")
    .map((column) => `${alias}.${column.trim()}`)
    .join(", ");
}

/** `numbers` in slices of at most {@link NUMBERS_PER_STATEMENT}, each as `@n0, @n1, ...` and their values. */
function chunks(
  numbers: readonly number[],
): { placeholders: string; params: Record<string, number> }[] {
  const slices = [];
  for (let start = 0; start < numbers.length; start += NUMBERS_PER_STATEMENT) {
    const slice = numbers.slice(start, start + NUMBERS_PER_STATEMENT);
    slices.push({
      placeholders: slice.map((_, i) => `@n${i}`).join(", "),
      params: Object.fromEntries(slice.map((number, i) => [`n${i}`, number])),
    });
  }
  return slices;
}

function fail(message: string): never {
  throw new Error(`review state: ${message}`);
}

/** The update's statement values, repository lower-cased; throws a message naming the bad field. */
function checkedUpdate(params: ReviewUpdate & { now: Date }): CheckedUpdate {
  const { installationId, open, draft, requestedAt, snapshotAt, opened, verdict } = params;
  if (installationId !== null && (!Number.isSafeInteger(installationId) || installationId < 1)) {
    fail(`installationId must be null or a positive integer, got ${String(installationId)}`);
  }
  if (typeof open !== "boolean") fail(`open must be a boolean, got ${String(open)}`);
  if (typeof draft !== "boolean") fail(`draft must be a boolean, got ${String(draft)}`);
  if (typeof opened !== "boolean") fail(`opened must be a boolean, got ${String(opened)}`);
  return {
    installationId,
    repository: checkedRepository(params.repository),
    number: checkedNumber("number", params.number),
    snapshotAt: snapshotAt === null ? null : checkedTime("snapshotAt", snapshotAt),
    open,
    draft,
    requestedUsers: checkedNames("requestedUsers", params.requestedUsers),
    requestedTeams: checkedNames("requestedTeams", params.requestedTeams),
    requestedAt: requestedAt === null ? null : checkedTime("requestedAt", requestedAt),
    opened,
    verdict: verdict === null ? null : checkedVerdict(verdict),
    now: checkedTime("now", params.now),
  };
}

function checkedVerdict(verdict: ReviewVerdict): StoredVerdict {
  if (typeof verdict !== "object" || !VERDICTS.has(verdict.verdict)) {
    fail(
      `verdict must be null or { login, verdict: "approved" | "changes_requested" | "dismissed", at }, got ${JSON.stringify(verdict)}`,
    );
  }
  return {
    login: checkedName("verdict.login", verdict.login),
    verdict: verdict.verdict,
    at: verdict.at === null ? null : checkedTime("verdict.at", verdict.at),
  };
}

function checkedRepository(repository: string): string {
  if (
    typeof repository !== "string" ||
    repository.length > MAX_REPOSITORY_CHARS ||
    !REPOSITORY.test(repository)
  ) {
    fail(
      `repository must be "owner/name" of at most ${MAX_REPOSITORY_CHARS} characters, got ${JSON.stringify(repository)}`,
    );
  }
  return repository.toLowerCase();
}

function checkedNumber(field: string, number: number): number {
  if (!Number.isInteger(number) || number < 1 || number > MAX_NUMBER) {
    fail(`${field} must be an integer from 1 to ${MAX_NUMBER}, got ${String(number)}`);
  }
  return number;
}

function checkedNumbers(numbers: readonly number[]): number[] {
  if (!Array.isArray(numbers)) fail("numbers must be an array of pull request numbers");
  return [...new Set(numbers.map((number, i) => checkedNumber(`numbers[${i}]`, number)))];
}

function checkedName(field: string, name: string): string {
  if (typeof name !== "string" || name.length > MAX_NAME_CHARS || !NAME.test(name)) {
    fail(
      `${field} must be a login or team slug of 1 to ${MAX_NAME_CHARS} characters without spaces, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** At most {@link MAX_NAMES} names, each checked; repeats (in any case) kept once, the first. */
function checkedNames(field: string, names: readonly string[]): string[] {
  if (!Array.isArray(names) || names.length > MAX_NAMES) {
    fail(`${field} must be an array of at most ${MAX_NAMES} names`);
  }
  const seen = new Set<string>();
  const kept: string[] = [];
  names.forEach((name, i) => {
    const key = checkedName(`${field}[${i}]`, name).toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    kept.push(name);
  });
  return kept;
}

function checkedTime(field: string, time: Date): number {
  if (!(time instanceof Date) || Number.isNaN(time.getTime()))
    fail(`${field} must be a valid Date`);
  return time.getTime();
}
