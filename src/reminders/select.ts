/**
 * Which open pull requests a reminder lists. Pure: GitHub's list (what is open, who is still
 * requested), the app's review states (when a review was last requested, approvals) and the
 * reminder's filters in, the waiting pull requests out, oldest first. The filters mean what they
 * mean in routes (same globs, same `$default-branch`), so a team writes them once in its head.
 */
import {
  DEFAULT_BRANCH_TOKEN,
  DEFAULT_REMINDER_MAX,
  type ReminderConfig,
} from "../repo-config/config-schema.js";
import {
  branchGlob,
  compileGlobs,
  firstMatch,
  nameGlob,
  type CompiledGlob,
} from "../repo-config/globs.js";
import { parseDuration } from "../shared/duration.js";
import { authorAndLabelRefusal } from "../route/route.js";
import type { OpenPull, ReviewState, WaitingPull } from "./types.js";

/** A pull request a reminder lists, before its approvals are known when the app's are not all. */
export type SelectedPull = WaitingPull & {
  /**
   * True when `approvals` come from the app's state and are complete (it saw the pull request
   * opened, and every review since); false when it has no state for the pull request, or one
   * begun by a later event (opened before the app was installed, whose earlier approvals it never
   * saw): `approvals` are then what the app saw, if anything, until the caller reads them.
   */
  approvalsKnown: boolean;
};

/** Whether one reminder lists one pull request, and if not, the first filter that refused it. */
export type ReminderMatch = { matched: true } | { matched: false; reason: string };

/** How long a pull request waits before a reminder lists it, when `older_than` is not set. */
export const DEFAULT_OLDER_THAN = "1d";

/**
 * The pull requests of one repository that `reminder` lists at `now`, oldest waiting first.
 * `states` are the app's review states of that repository, by number.
 *
 * @example
 * selectWaiting({ pulls, states, reminder: { at: "weekdays at 09:30", older_than: "1d" }, now })
 * // [{ number: 12, waitingSince: 2024-01-12T10:00Z, approvals: [], approvalsKnown: false, ... }]
 */
export function selectWaiting(params: {
  pulls: readonly OpenPull[];
  states: ReadonlyMap<number, ReviewState>;
  reminder: ReminderConfig;
  now: Date;
}): SelectedPull[] {
  const { reminder, now } = params;
  return params.pulls
    .flatMap((pull) => {
      const state = stateOf({ pull, states: params.states });
      return matchReminder({ pull, state, reminder, now }).matched ? [selected(pull, state)] : [];
    })
    .sort(byWaitingSince);
}

/**
 * Why `reminder` lists or leaves out one pull request, for `preview` and for
 * {@link selectWaiting}. The filters are those of routes; `waiting: review` keeps pull requests
 * with a user or team still in GitHub's list of requested reviewers (GitHub removes reviewers
 * from it once they review).
 *
 * @example
 * matchReminder({ pull: draft, state: undefined, reminder: { at: "daily at 09:00" }, now })
 * // { matched: false, reason: "is a draft (set drafts: true to include drafts)" }
 */
export function matchReminder(params: {
  pull: OpenPull;
  state: ReviewState | undefined;
  reminder: ReminderConfig;
  now: Date;
}): ReminderMatch {
  const { pull, state, reminder, now } = params;
  const compiled = compiledReminder(reminder);
  const refuse = (reason: string): ReminderMatch => ({ matched: false, reason });
  const author = pull.author;

  if (pull.draft && reminder.drafts !== true) {
    return refuse("is a draft (set drafts: true to include drafts)");
  }
  if (
    (reminder.waiting ?? "review") === "review" &&
    pull.requestedUsers.length === 0 &&
    pull.requestedTeams.length === 0
  ) {
    return refuse("waits for no requested reviewer (set waiting: any to list it)");
  }
  if (reminder.branches !== undefined && reminder.branches.length > 0) {
    const refused = branchRefusal({ pull, branches: reminder.branches, compiled });
    if (refused !== null) return refuse(refused);
  }
  const authorOrLabel = authorAndLabelRefusal({
    author,
    labels: pull.labels,
    filter: reminder,
    compiled,
  });
  if (authorOrLabel !== null) return refuse(authorOrLabel);
  const since = waitingSinceOf({ pull, state });
  if (compiled.olderThanMs > 0 && now.getTime() - since.getTime() < compiled.olderThanMs) {
    return refuse(
      `has waited since ${since.toISOString()}, less than older_than ${reminder.older_than ?? DEFAULT_OLDER_THAN}`,
    );
  }
  return { matched: true };
}

/**
 * The open, non-draft pull requests of one repository whose review is requested from `login`
 * (case-insensitive), however long they have waited: a person's own reminder.
 *
 * @example
 * selectForReviewer({ pulls, login: "Octocat", states, now })
 * // [{ number: 12, requestedUsers: ["octocat"], ... }]
 */
export function selectForReviewer(params: {
  pulls: readonly OpenPull[];
  login: string;
  states: ReadonlyMap<number, ReviewState>;
  /** Unused by the rules (any age is listed); taken so both selections read alike. */
  now: Date;
}): SelectedPull[] {
  const login = params.login.toLowerCase();
  return params.pulls
    .filter(
      (pull) =>
        !pull.draft && pull.requestedUsers.some((requested) => requested.toLowerCase() === login),
    )
    .map((pull) => selected(pull, stateOf({ pull, states: params.states })))
    .sort(byWaitingSince);
}

/**
 * The first `max` pull requests and how many more there are, for "and N more".
 *
 * @example
 * applyMax({ pulls: [a, b, c], max: 2 }) // { listed: [a, b], more: 1 }
 */
export function applyMax<T>(params: { pulls: readonly T[]; max?: number | undefined }): {
  listed: T[];
  more: number;
} {
  const max = Math.max(0, params.max ?? DEFAULT_REMINDER_MAX);
  const listed = params.pulls.slice(0, max);
  return { listed, more: params.pulls.length - listed.length };
}

/**
 * Oldest waiting first; ties by repository (case-insensitive), then number. For merging the
 * selections of several repositories into one list.
 *
 * @example
 * [...fromApi, ...fromWeb].sort(byWaitingSince)
 */
export function byWaitingSince(a: WaitingPull, b: WaitingPull): number {
  const since = a.waitingSince.getTime() - b.waitingSince.getTime();
  if (since !== 0) return since;
  const repositoryA = a.repository.toLowerCase();
  const repositoryB = b.repository.toLowerCase();
  if (repositoryA !== repositoryB) return repositoryA < repositoryB ? -1 : 1;
  return a.number - b.number;
}

/**
 * When a pull request started waiting: the last review request the app saw, when later than
 * its opening (a re-request restarts the wait), else when it was opened.
 *
 * @example
 * waitingSinceOf({ pull, state: { ...state, lastRequestedAt: null } }) // pull.createdAt
 */
export function waitingSinceOf(params: { pull: OpenPull; state: ReviewState | undefined }): Date {
  const requested = params.state?.lastRequestedAt ?? null;
  const created = params.pull.createdAt;
  return requested !== null && requested.getTime() > created.getTime() ? requested : created;
}

function selected(pull: OpenPull, state: ReviewState | undefined): SelectedPull {
  return {
    ...pull,
    waitingSince: waitingSinceOf({ pull, state }),
    approvals: state === undefined ? [] : [...state.approvals],
    approvalsKnown: state?.approvalsComplete === true,
  };
}

/** The state kept for this very pull request; one of another repository is never used. */
function stateOf(params: {
  pull: OpenPull;
  states: ReadonlyMap<number, ReviewState>;
}): ReviewState | undefined {
  const { pull } = params;
  const state = params.states.get(pull.number);
  return state !== undefined &&
    state.number === pull.number &&
    state.repository.toLowerCase() === pull.repository.toLowerCase()
    ? state
    : undefined;
}

/**
 * Why `branches` refuses a pull request's base branch, or null when it passes.
 * `$default-branch` is the repository's default branch, compared as routes compare it.
 */
function branchRefusal(params: {
  pull: OpenPull;
  branches: readonly string[];
  compiled: CompiledReminder;
}): string | null {
  const { pull, branches, compiled } = params;
  const branch = pull.baseBranch;
  const defaultBranch = pull.defaultBranch;
  if (branches.includes(DEFAULT_BRANCH_TOKEN) && branch === defaultBranch) return null;
  if (firstMatch(compiled.branches, branch) !== null) return null;
  const notDefault = branches.includes(DEFAULT_BRANCH_TOKEN)
    ? defaultBranch === null
      ? " is not the default branch (GitHub's list names none) and"
      : ` is not the default branch "${defaultBranch}" and`
    : "";
  return `base branch "${branch}"${notDefault} matches none of branches [${branches.join(", ")}]`;
}

/** One reminder's globs compiled and its `older_than` read. */
interface CompiledReminder {
  branches: CompiledGlob[];
  authors: CompiledGlob[];
  excludeAuthors: CompiledGlob[];
  labels: CompiledGlob[];
  excludeLabels: CompiledGlob[];
  olderThanMs: number;
}

// Keyed by the config's own objects, as routing's compiled routes are: memoization of a pure
// function of an object never mutated, collected with the config.
const compiledReminders = new WeakMap<ReminderConfig, CompiledReminder>();

function compiledReminder(reminder: ReminderConfig): CompiledReminder {
  const cached = compiledReminders.get(reminder);
  if (cached !== undefined) return cached;
  const olderThan = reminder.older_than ?? DEFAULT_OLDER_THAN;
  const parsed = parseDuration(olderThan);
  if (!parsed.ok) {
    // Config validation refuses it; a reminder that got here anyway must not list everything.
    throw new Error(`reminder older_than: ${parsed.error}`);
  }
  const compiled: CompiledReminder = {
    // `$default-branch` is compared with the pull request's repository, not compiled.
    branches: compileGlobs({
      globs: reminder.branches?.filter((glob) => glob !== DEFAULT_BRANCH_TOKEN),
      compile: branchGlob,
    }),
    authors: compileGlobs({ globs: reminder.authors, compile: nameGlob }),
    excludeAuthors: compileGlobs({ globs: reminder.exclude_authors, compile: nameGlob }),
    labels: compileGlobs({ globs: reminder.labels, compile: nameGlob }),
    excludeLabels: compileGlobs({ globs: reminder.exclude_labels, compile: nameGlob }),
    olderThanMs: parsed.ms,
  };
  compiledReminders.set(reminder, compiled);
  return compiled;
}
