/**
 * The one shape every notified GitHub event is normalised into. Routing and
 * formatting only ever see this, never a raw webhook payload.
 */

/** Every kind of activity the notifier knows how to announce. Named `event.action` as GitHub names them. */
export const ACTIVITY_KINDS = [
  "issues.opened",
  "issues.closed",
  "issues.reopened",
  "issues.labeled",
  "issues.assigned",
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.ready_for_review",
  "pull_request.review_requested",
  "pull_request.labeled",
  "pull_request.assigned",
  "pull_request.merged",
  "pull_request.closed",
  "pull_request_review.approved",
  "pull_request_review.changes_requested",
  "pull_request_review.commented",
  "star.created",
  "fork",
  "watch.started",
  "release.published",
] as const;

export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export interface ActivityRepository {
  /** `owner/name` */
  fullName: string;
  owner: string;
  name: string;
  url: string;
  private: boolean;
  defaultBranch: string | null;
  /** Star count after the event, where the payload carries it. */
  stars: number | null;
}

export interface ActivityActor {
  login: string;
  url: string;
  /** A GitHub App or a `[bot]` account. */
  isBot: boolean;
}

export interface ActivityEvent {
  kind: ActivityKind;
  repository: ActivityRepository;
  /** Who did it (the webhook's `sender`). */
  actor: ActivityActor;
  /** Issue, pull request or release title; `null` for stars, forks and watchers. */
  title: string | null;
  /** Issue or pull request number. */
  number: number | null;
  /** The page a reader should open. */
  url: string;
  /** Labels on the issue or pull request, by name. */
  labels: string[];
  /** Whether the pull request is a draft. `false` for everything else. */
  draft: boolean;
  /** Base branch of a pull request. */
  baseBranch: string | null;
  /** Head branch of a pull request. */
  headBranch: string | null;
  /** The start of the body (issue, pull request, review, release notes), untrusted text. */
  body: string | null;
  /** Kind-specific detail: the label added, the assignee, the reviewer, the fork, the release tag. */
  detail: ActivityDetail;
  /**
   * The issue or pull request as the payload shows it after the event: set for `issues.*`,
   * `pull_request.*` and `pull_request_review.*` (when the payload has a usable number), `null`
   * for stars, forks, watchers and releases. A thread's parent is drawn from it.
   */
  item: ItemSnapshot | null;
}

/** Maximum names kept in each list of an {@link ItemSnapshot}: GitHub allows far fewer. */
export const ITEM_LIST_MAX = 50;

/** An issue or pull request as a webhook payload shows it after the event. Untrusted text. */
export interface ItemSnapshot {
  /** Which of the two it is. */
  type: "issue" | "pull_request";
  /** Its number in the repository (issues and pull requests share one sequence). */
  number: number;
  /** Its title, cut as {@link ActivityEvent.title} is. */
  title: string;
  /** Its page (the pull request's, even when the event is a review). */
  url: string;
  /** Login of whoever opened it; `null` when the payload does not say. */
  author: string | null;
  /** `merged` and `draft` only for pull requests. */
  state: "open" | "draft" | "merged" | "closed";
  /** Label names, at most {@link ITEM_LIST_MAX}. */
  labels: string[];
  /** Logins of the users whose review is requested; `[]` for issues. */
  requestedReviewers: string[];
  /** Names (or slugs) of the teams whose review is requested; `[]` for issues. */
  requestedTeams: string[];
  /** Logins of the assignees. */
  assignees: string[];
}

export interface ActivityDetail {
  /** `issues.labeled`, `pull_request.labeled`: the label that was added. */
  label?: string;
  /** `issues.assigned`, `pull_request.assigned`: login of who was assigned. */
  assignee?: string;
  /** `pull_request.review_requested`: the user (login) or team (name) asked. */
  requestedReviewer?: string;
  /** `pull_request.review_requested`: whether {@link requestedReviewer} names a team, not a user. */
  requestedReviewerIsTeam?: boolean;
  /** `fork`: the new fork, `owner/name`, and its URL. */
  forkFullName?: string;
  forkUrl?: string;
  /** `release.published`: the tag and whether it is a pre-release. */
  tagName?: string;
  prerelease?: boolean;
  /** `issues.closed`: `completed` or `not_planned`. */
  stateReason?: string;
}
