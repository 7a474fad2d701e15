/**
 * How each kind of activity reads in Slack: its emoji, its sentence and its summary noun. Every
 * part a sentence is built of is already escaped and cut (see `headlineParts`).
 */
import type { ActivityKind } from "../normalize/activity-event.js";

/** Pieces of a headline, already escaped (and linked, in blocks; plain, in the fallback text). */
export interface HeadlineParts {
  actor: string;
  repo: string;
  /** `#12 Title` for issues and pull requests, the release title for releases; `""` otherwise. */
  item: string;
  /** The label added, the assignee, the reviewer or the fork; `""` when the payload had none. */
  subject: string;
  /**
   * On a review: `<@U…>`, the pull request's author as a Slack mention when the operator mapped
   * them, else `""` (the headline then names no author, as before mentions existed).
   */
  authorMention: string;
  /** ` (now 1,204 stars)` after a star, or `""`. */
  stars: string;
  draft: boolean;
  prerelease: boolean;
  notPlanned: boolean;
  /** The head branch of CI and the branch pushed to; `""` when there is none. */
  branch: string;
  /**
   * ` (timed out)`, ` (startup failure)` or ` (error)` after a failure that was not a plain
   * `failure`; `""` otherwise.
   */
  outcome: string;
  /** The label that made an opened item match a route later (`detail.lateLabel`), or `""`. */
  lateLabel: string;
  /** A security alert's severity (`high`), or `""`. */
  severity: string;
  /** Whether a push was forced. */
  forced: boolean;
}

export interface KindStyle {
  emoji: string;
  headline: (parts: HeadlineParts) => string;
  /** Noun for a count of this kind in a summary: `3 new stars on acme/api`. */
  summary: { one: string; many: string; preposition: "in" | "on" | "to" };
}

const or = (value: string, fallback: string): string => (value === "" ? fallback : value);
/** ` on main` when there is a branch. */
const on = (p: HeadlineParts): string => (p.branch === "" ? "" : ` on ${p.branch}`);
/** ` — now labelled bug` when a later label made an opened item match a route. */
const late = (p: HeadlineParts): string =>
  p.lateLabel === "" ? "" : ` — now labelled ${p.lateLabel}`;
/** `high-severity ` before an alert's name when it has a severity. */
const severe = (p: HeadlineParts): string => (p.severity === "" ? "" : `${p.severity}-severity `);
/** `<@U…>’s ` before "pull request" when the author is mentioned, else nothing. */
const whose = (p: HeadlineParts): string => (p.authorMention === "" ? "" : `${p.authorMention}’s `);

/** One look per kind; a `Record` so that a new kind cannot be added without one. */
export const KIND_STYLES: Record<ActivityKind, KindStyle> = {
  "issues.opened": {
    emoji: ":large_green_circle:",
    headline: (p) => `${p.actor} opened issue ${p.item} in ${p.repo}${late(p)}`,
    summary: { one: "issue opened", many: "issues opened", preposition: "in" },
  },
  "issues.closed": {
    emoji: ":ballot_box_with_check:",
    headline: (p) =>
      `${p.actor} closed issue ${p.item} in ${p.repo}${p.notPlanned ? " as not planned" : ""}`,
    summary: { one: "issue closed", many: "issues closed", preposition: "in" },
  },
  "issues.reopened": {
    emoji: ":arrows_counterclockwise:",
    headline: (p) => `${p.actor} reopened issue ${p.item} in ${p.repo}`,
    summary: { one: "issue reopened", many: "issues reopened", preposition: "in" },
  },
  "issues.labeled": {
    emoji: ":label:",
    headline: (p) =>
      `${p.actor} added ${p.subject === "" ? "a label" : `the label “${p.subject}”`} to issue ${p.item} in ${p.repo}`,
    summary: { one: "issue labeled", many: "issues labeled", preposition: "in" },
  },
  "issues.assigned": {
    emoji: ":bust_in_silhouette:",
    headline: (p) =>
      `${p.actor} assigned ${or(p.subject, "someone")} to issue ${p.item} in ${p.repo}`,
    summary: { one: "issue assigned", many: "issues assigned", preposition: "in" },
  },
  "pull_request.opened": {
    emoji: ":sparkles:",
    headline: (p) =>
      `${p.actor} opened ${p.draft ? "draft " : ""}pull request ${p.item} in ${p.repo}${late(p)}`,
    summary: { one: "pull request opened", many: "pull requests opened", preposition: "in" },
  },
  "pull_request.reopened": {
    emoji: ":arrows_counterclockwise:",
    headline: (p) => `${p.actor} reopened pull request ${p.item} in ${p.repo}`,
    summary: { one: "pull request reopened", many: "pull requests reopened", preposition: "in" },
  },
  "pull_request.ready_for_review": {
    emoji: ":mag:",
    headline: (p) => `${p.actor} marked pull request ${p.item} in ${p.repo} ready for review`,
    summary: {
      one: "pull request ready for review",
      many: "pull requests ready for review",
      preposition: "in",
    },
  },
  "pull_request.review_requested": {
    emoji: ":raising_hand:",
    headline: (p) =>
      `${p.actor} asked ${or(p.subject, "someone")} to review pull request ${p.item} in ${p.repo}`,
    summary: { one: "review requested", many: "reviews requested", preposition: "in" },
  },
  "pull_request.labeled": {
    emoji: ":label:",
    headline: (p) =>
      `${p.actor} added ${p.subject === "" ? "a label" : `the label “${p.subject}”`} to pull request ${p.item} in ${p.repo}`,
    summary: { one: "pull request labeled", many: "pull requests labeled", preposition: "in" },
  },
  "pull_request.assigned": {
    emoji: ":bust_in_silhouette:",
    headline: (p) =>
      `${p.actor} assigned ${or(p.subject, "someone")} to pull request ${p.item} in ${p.repo}`,
    summary: { one: "pull request assigned", many: "pull requests assigned", preposition: "in" },
  },
  "pull_request.merged": {
    emoji: ":tada:",
    headline: (p) => `${p.actor} merged pull request ${p.item} in ${p.repo}`,
    summary: { one: "pull request merged", many: "pull requests merged", preposition: "in" },
  },
  "pull_request.closed": {
    emoji: ":x:",
    headline: (p) => `${p.actor} closed pull request ${p.item} in ${p.repo} without merging`,
    summary: {
      one: "pull request closed unmerged",
      many: "pull requests closed unmerged",
      preposition: "in",
    },
  },
  "pull_request_review.approved": {
    emoji: ":white_check_mark:",
    headline: (p) => `${p.actor} approved ${whose(p)}pull request ${p.item} in ${p.repo}`,
    summary: { one: "approval", many: "approvals", preposition: "in" },
  },
  "pull_request_review.changes_requested": {
    emoji: ":warning:",
    headline: (p) =>
      `${p.actor} requested changes to ${whose(p)}pull request ${p.item} in ${p.repo}`,
    summary: { one: "change request", many: "change requests", preposition: "in" },
  },
  "pull_request_review.commented": {
    emoji: ":speech_balloon:",
    headline: (p) => `${p.actor} commented on ${whose(p)}pull request ${p.item} in ${p.repo}`,
    summary: { one: "review comment", many: "review comments", preposition: "in" },
  },
  "star.created": {
    emoji: ":star:",
    headline: (p) => `${p.actor} starred ${p.repo}${p.stars}`,
    summary: { one: "new star", many: "new stars", preposition: "on" },
  },
  fork: {
    emoji: ":fork_and_knife:",
    headline: (p) => `${p.actor} forked ${p.repo}${p.subject === "" ? "" : ` to ${p.subject}`}`,
    summary: { one: "new fork", many: "new forks", preposition: "on" },
  },
  "watch.started": {
    emoji: ":eyes:",
    headline: (p) => `${p.actor} started watching ${p.repo}`,
    summary: { one: "new watcher", many: "new watchers", preposition: "on" },
  },
  "release.published": {
    emoji: ":rocket:",
    headline: (p) =>
      `${p.actor} published ${p.prerelease ? "pre-release" : "release"} ${p.item} of ${p.repo}`,
    summary: { one: "release published", many: "releases published", preposition: "in" },
  },
  "workflow_run.failed": {
    emoji: ":rotating_light:",
    headline: (p) => `Workflow ${p.item} failed${on(p)} in ${p.repo}${p.outcome}`,
    summary: { one: "workflow run failed", many: "workflow runs failed", preposition: "in" },
  },
  "workflow_run.fixed": {
    emoji: ":green_heart:",
    headline: (p) => `Workflow ${p.item} is back to green${on(p)} in ${p.repo}`,
    summary: { one: "workflow fixed", many: "workflows fixed", preposition: "in" },
  },
  "workflow_run.succeeded": {
    emoji: ":heavy_check_mark:",
    headline: (p) => `Workflow ${p.item} succeeded${on(p)} in ${p.repo}`,
    summary: { one: "workflow run succeeded", many: "workflow runs succeeded", preposition: "in" },
  },
  "check_suite.failed": {
    emoji: ":no_entry:",
    headline: (p) =>
      `Checks by ${or(p.subject, "an app")} failed${p.item === "" ? "" : ` for ${p.item}`}${on(p)} in ${p.repo}${p.outcome}`,
    summary: { one: "check suite failed", many: "check suites failed", preposition: "in" },
  },
  "deployment_status.success": {
    emoji: ":ship:",
    headline: (p) => `Deployment to ${p.item} succeeded in ${p.repo}`,
    summary: { one: "deployment succeeded", many: "deployments succeeded", preposition: "in" },
  },
  "deployment_status.failure": {
    emoji: ":boom:",
    headline: (p) => `Deployment to ${p.item} failed in ${p.repo}${p.outcome}`,
    summary: { one: "deployment failed", many: "deployments failed", preposition: "in" },
  },
  "issue_comment.created": {
    emoji: ":left_speech_bubble:",
    headline: (p) => `${p.actor} commented on issue ${p.item} in ${p.repo}`,
    summary: { one: "issue comment", many: "issue comments", preposition: "in" },
  },
  "pull_request.commented": {
    emoji: ":left_speech_bubble:",
    headline: (p) => `${p.actor} commented on pull request ${p.item} in ${p.repo}`,
    summary: { one: "pull request comment", many: "pull request comments", preposition: "in" },
  },
  "pull_request_review_comment.created": {
    emoji: ":pencil2:",
    headline: (p) =>
      `${p.actor} commented on ${or(p.subject, "a line")} in pull request ${p.item} in ${p.repo}`,
    summary: { one: "comment on a diff", many: "comments on diffs", preposition: "in" },
  },
  "discussion.created": {
    emoji: ":loudspeaker:",
    headline: (p) => `${p.actor} started discussion ${p.item} in ${p.repo}`,
    summary: { one: "discussion started", many: "discussions started", preposition: "in" },
  },
  "discussion.answered": {
    emoji: ":bulb:",
    headline: (p) =>
      `${p.actor} chose ${p.subject === "" ? "an answer" : `${p.subject}’s answer`} for discussion ${p.item} in ${p.repo}`,
    summary: { one: "discussion answered", many: "discussions answered", preposition: "in" },
  },
  "discussion_comment.created": {
    emoji: ":speaking_head_in_silhouette:",
    headline: (p) => `${p.actor} commented on discussion ${p.item} in ${p.repo}`,
    summary: { one: "discussion comment", many: "discussion comments", preposition: "in" },
  },
  "push.default_branch": {
    emoji: ":arrow_heading_up:",
    headline: (p) =>
      `${p.actor} ${p.forced ? "force-pushed" : "pushed"}${p.item === "" ? "" : ` ${p.item}`} to ${or(p.branch, "the default branch")} in ${p.repo}`,
    summary: { one: "push", many: "pushes", preposition: "to" },
  },
  "dependabot_alert.created": {
    emoji: ":shield:",
    headline: (p) =>
      `New ${severe(p)}Dependabot alert ${p.item} for ${or(p.subject, "a dependency")} in ${p.repo}`,
    summary: { one: "Dependabot alert", many: "Dependabot alerts", preposition: "in" },
  },
  "code_scanning_alert.created": {
    emoji: ":mag_right:",
    headline: (p) =>
      `New ${severe(p)}code scanning alert ${p.item}${p.subject === "" ? "" : ` from ${p.subject}`} in ${p.repo}`,
    summary: { one: "code scanning alert", many: "code scanning alerts", preposition: "in" },
  },
  "secret_scanning_alert.created": {
    emoji: ":key:",
    headline: (p) => `New secret scanning alert ${p.item} in ${p.repo}`,
    summary: { one: "secret scanning alert", many: "secret scanning alerts", preposition: "in" },
  },
};
