/**
 * Which thread an event belongs to: one per issue or pull request of a repository (issues and
 * pull requests share one sequence of numbers, so the number alone tells them apart). CI of a
 * pull request's head commit goes in that pull request's thread: the one its payload names, else
 * the one whose head the app saw the commit become (routing asks the store, see
 * {@link pullRequestHeadOf} and {@link headToLookUp}).
 */
import type { PullRequestEvent } from "@octokit/webhooks-types";
import type { ActivityEvent, ActivityKind } from "../normalize/activity-event.js";
import { child, count, text, untrusted } from "../normalize/untrusted.js";

/** Kinds about CI, threaded under the one pull request they name, if exactly one. */
export const CI_KINDS: ReadonlySet<ActivityKind> = new Set([
  "workflow_run.failed",
  "workflow_run.fixed",
  "workflow_run.succeeded",
  "check_suite.failed",
]);

/** What a thread's parent is stored under, beside the channel. */
export interface ThreadKey {
  /** `owner/name` of the repository. */
  repository: string;
  /** The issue or pull request number. */
  number: number;
}

/**
 * The thread of `event`'s issue or pull request (comments included); for a workflow run or
 * check suite, the thread of the pull request it names when it names exactly one
 * (`detail.pullRequestNumbers`). `null` for events about no item (stars, forks, watchers,
 * releases, deployments, discussions, pushes, alerts, CI of no or several pull requests), which
 * are always top-level messages.
 *
 * @example
 * threadKey(pullRequestMerged) // { repository: "Codertocat/Hello-World", number: 2 }
 * threadKey(workflowRunFailedOnPullRequest2) // { repository: "Codertocat/Hello-World", number: 2 }
 * threadKey(starCreated) // null
 */
export function threadKey(event: ActivityEvent): ThreadKey | null {
  const repository = event.repository.fullName;
  if (CI_KINDS.has(event.kind)) {
    const number = ciPullRequest(event);
    return number === null ? null : { repository, number };
  }
  // `?? null`: a queued event stored before items existed has none.
  const item = event.item ?? null;
  return item === null ? null : { repository, number: item.number };
}

/**
 * The one pull request a CI event names, or `null` when it names none or several.
 *
 * @example
 * ciPullRequest(workflowRunFailed) // 2
 */
export function ciPullRequest(event: ActivityEvent): number | null {
  const numbers = event.detail.pullRequestNumbers ?? [];
  const [only] = numbers;
  return numbers.length === 1 && only !== undefined && Number.isSafeInteger(only) && only > 0
    ? only
    : null;
}

/** `pull_request` actions after which the pull request's head is the payload's `head.sha`. */
const HEAD_ACTIONS: ReadonlySet<string> = new Set(["opened", "reopened", "synchronize"]);
/** A commit SHA as GitHub writes it. */
const SHA = /^[0-9a-f]{7,64}$/i;
/** PostgreSQL's INTEGER, what the store keeps a pull request number in. */
const MAX_NUMBER = 2_147_483_647;

/**
 * The head commit a `pull_request` delivery (opened, reopened, synchronize) leaves its pull
 * request at, for the store to remember; null for other deliveries and malformed payloads.
 *
 * @example
 * pullRequestHeadOf({ eventName: "pull_request", payload: opened })
 * // { repository: "Codertocat/Hello-World", sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821", number: 2 }
 */
export function pullRequestHeadOf(params: {
  eventName: string;
  payload: unknown;
}): { repository: string; sha: string; number: number } | null {
  if (params.eventName !== "pull_request") return null;
  const payload = untrusted<PullRequestEvent>(params.payload);
  const action = text(payload, "action");
  if (action === null || !HEAD_ACTIONS.has(action)) return null;
  const pullRequest = child(payload, "pull_request");
  const repository = text(child(payload, "repository"), "full_name");
  const sha = text(child(pullRequest, "head"), "sha");
  const number = count(pullRequest, "number");
  if (repository === null || !/^[^/\s]+\/[^/\s]+$/.test(repository)) return null;
  if (sha === null || !SHA.test(sha)) return null;
  if (number === null || !Number.isInteger(number) || number < 1 || number > MAX_NUMBER) {
    return null;
  }
  return { repository, sha, number };
}

/**
 * The commit whose pull request a CI event should be threaded under when its payload names
 * none (a fork's run names none): null for other events, CI naming pull requests, or no SHA.
 *
 * @example headToLookUp(forkRunFailed) // { repository: "octo-org/octo-repo", sha: "3484a3fb…" }
 */
export function headToLookUp(event: ActivityEvent): { repository: string; sha: string } | null {
  if (!CI_KINDS.has(event.kind)) return null;
  const { headSha, pullRequestNumbers } = event.detail;
  if (headSha === undefined || (pullRequestNumbers ?? []).length > 0) return null;
  return { repository: event.repository.fullName, sha: headSha };
}
