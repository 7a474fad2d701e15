/**
 * The one shape every notified GitHub event is normalised into. Routing and
 * formatting only ever see this, never a raw webhook payload.
 */

/**
 * Every kind of activity the notifier knows how to announce. Named `event.action` as GitHub names
 * them, except where one delivery means several things: a merged close (`pull_request.merged`), a
 * completed workflow run by its outcome (`workflow_run.failed`, `.succeeded`, and `.fixed`, which
 * routing makes of a success after a failure), a deployment status by its state, an issue comment
 * on a pull request (`pull_request.commented`) and a push to the default branch.
 */
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
  "workflow_run.failed",
  "workflow_run.fixed",
  "workflow_run.succeeded",
  "check_suite.failed",
  "deployment_status.success",
  "deployment_status.failure",
  "issue_comment.created",
  "pull_request.commented",
  "pull_request_review_comment.created",
  "discussion.created",
  "discussion.answered",
  "discussion_comment.created",
  "push.default_branch",
  "dependabot_alert.created",
  "code_scanning_alert.created",
  "secret_scanning_alert.created",
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
  /**
   * Issue, pull request, discussion or release title; the workflow's name for workflow runs; the
   * advisory's summary, the rule's description or the secret's type for security alerts; `null`
   * for stars, forks, watchers, check suites, deployments and pushes.
   */
  title: string | null;
  /**
   * The number GitHub shows as `#12`: of the issue or pull request (also for comments on them),
   * the discussion, or the security alert; `null` for everything else.
   */
  number: number | null;
  /** The page a reader should open. */
  url: string;
  /** Labels on the issue or pull request, by name. */
  labels: string[];
  /** Whether the pull request is a draft. `false` for everything else. */
  draft: boolean;
  /** Base branch of a pull request (also on its review comments); `null` for everything else. */
  baseBranch: string | null;
  /**
   * Head branch of a pull request; the head branch of a workflow run or check suite; the branch
   * pushed to. `null` for everything else.
   */
  headBranch: string | null;
  /**
   * The start of the body (issue, pull request, review, comment, discussion, answer, release
   * notes, a deployment status's description), untrusted text.
   */
  body: string | null;
  /** Kind-specific detail: the label added, the assignee, the workflow, the commits, the alert... */
  detail: ActivityDetail;
  /**
   * The issue or pull request as the payload shows it after the event: set for `issues.*`,
   * `pull_request.*` (with `pull_request.commented`), `pull_request_review.*`,
   * `pull_request_review_comment.created` and `issue_comment.created` (when the payload has a
   * usable number); `null` for stars, forks, watchers, releases, CI, deployments, discussions,
   * pushes and security alerts. A thread's parent is drawn from it.
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
  /**
   * `issues.opened`, `pull_request.opened`: set by routing (never by normalize) when a label added
   * after opening made the item match a route's `labels`: the label, shown as "now labelled X".
   */
  lateLabel?: string;
  /** `workflow_run.*`: the workflow's name (`workflow_run.name`, else `workflow.name`). */
  workflowName?: string;
  /** `workflow_run.*`: the workflow's id, which routing keys the last conclusion on. */
  workflowId?: number;
  /** `workflow_run.*`: the run's number within its workflow (`#36`). */
  runNumber?: number;
  /** `workflow_run.*`: which attempt of the run this is (`workflow_run.run_attempt`, 2 for a re-run). */
  runAttempt?: number;
  /** `workflow_run.*`, `check_suite.failed`: GitHub's conclusion (`failure`, `timed_out`...). */
  conclusion?: string;
  /** `workflow_run.*`, `check_suite.failed`: the commit that was built. */
  headSha?: string;
  /**
   * `workflow_run.*`, `check_suite.failed`: numbers of the pull requests the payload names, at
   * most {@link PULL_REQUEST_NUMBERS_MAX}, distinct, in payload order.
   */
  pullRequestNumbers?: number[];
  /** `check_suite.failed`: the name (else slug) of the app whose checks failed. */
  appName?: string;
  /** `deployment_status.*`: the deployment's environment (`production`). */
  environment?: string;
  /** `deployment_status.*`: the status's state (`success`, `failure`, `error`). */
  deploymentState?: string;
  /** `pull_request_review_comment.created`: the file the commented line is in. */
  path?: string;
  /** `discussion.*`, `discussion_comment.created`: the discussion's category. */
  category?: string;
  /** `discussion.answered`: login of whoever wrote the chosen answer. */
  answerAuthor?: string;
  /** `push.default_branch`: the first {@link PUSH_COMMITS_SHOWN} commits, in push order. */
  commits?: PushedCommit[];
  /** `push.default_branch`: how many commits the push carries (the payload lists them all). */
  commitCount?: number;
  /** `push.default_branch`: whether it was a force push (history rewritten). */
  forced?: boolean;
  /** `push.default_branch`: the pusher's name, when the payload names one. */
  pusher?: string;
  /**
   * `dependabot_alert.created`, `code_scanning_alert.created`: how severe. Dependabot's is the
   * advisory's (else the vulnerability's) severity; code scanning's the rule's security severity
   * level, else its severity (`error` high, `warning` medium, `note` low). Secret scanning: none.
   */
  severity?: AlertSeverity;
  /** `dependabot_alert.created`: the vulnerable package's name and its ecosystem (`npm`). */
  packageName?: string;
  ecosystem?: string;
  /** `dependabot_alert.created`: the manifest the dependency is declared in. */
  manifestPath?: string;
  /** `code_scanning_alert.created`: the rule's id (`js/sql-injection`) and the tool (`CodeQL`). */
  ruleId?: string;
  toolName?: string;
  /** `secret_scanning_alert.created`: the kind of secret (`GitHub Personal Access Token`). */
  secretType?: string;
}

/** Security alert severities, from least to most severe. */
export const ALERT_SEVERITIES = ["low", "medium", "high", "critical"] as const;

/** How severe a security alert is. */
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Most pull request numbers kept from a workflow run or check suite. */
export const PULL_REQUEST_NUMBERS_MAX = 20;

/** Most commits of a push kept (and shown). */
export const PUSH_COMMITS_SHOWN = 5;

/** One commit of a push, as a message shows it. Untrusted text. */
export interface PushedCommit {
  /** The commit's SHA, as the payload gives it (40 hex digits on github.com). */
  sha: string;
  /** The first line of its message, cut to a few hundred characters. */
  message: string;
  /** Its page on GitHub; `null` when the payload has none. */
  url: string | null;
}
