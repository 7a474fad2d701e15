/**
 * Which thread an event belongs to: one per issue or pull request of a repository (issues and
 * pull requests share one sequence of numbers, so the number alone tells them apart). CI of a
 * pull request's head commit goes in that pull request's thread.
 */
import type { ActivityEvent, ActivityKind } from "../normalize/activity-event.js";

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
