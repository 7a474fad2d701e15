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
}

export interface ActivityDetail {
  /** `issues.labeled`: the label that was added. */
  label?: string;
  /** `issues.assigned`: who was assigned. */
  assignee?: string;
  /** `pull_request.review_requested`: the user or team asked. */
  requestedReviewer?: string;
  /** `fork`: the new fork, `owner/name`, and its URL. */
  forkFullName?: string;
  forkUrl?: string;
  /** `release.published`: the tag and whether it is a pre-release. */
  tagName?: string;
  prerelease?: boolean;
  /** `issues.closed`: `completed` or `not_planned`. */
  stateReason?: string;
}
