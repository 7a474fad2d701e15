/**
 * Which thread an event belongs to: one per issue or pull request of a repository (issues and
 * pull requests share one sequence of numbers, so the number alone tells them apart).
 */
import type { ActivityEvent } from "../normalize/activity-event.js";

/** What a thread's parent is stored under, beside the channel. */
export interface ThreadKey {
  /** `owner/name` of the repository. */
  repository: string;
  /** The issue or pull request number. */
  number: number;
}

/**
 * The thread of `event`'s issue or pull request, or `null` for events about no item (stars,
 * forks, watchers, releases), which are always top-level messages.
 *
 * @example
 * threadKey(pullRequestMerged) // { repository: "Codertocat/Hello-World", number: 2 }
 * threadKey(starCreated) // null
 */
export function threadKey(event: ActivityEvent): ThreadKey | null {
  // `?? null`: a queued event stored before items existed has none.
  const item = event.item ?? null;
  return item === null ? null : { repository: event.repository.fullName, number: item.number };
}
