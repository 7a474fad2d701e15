/**
 * The issue or pull request of an event as its payload shows it after the event: state, labels,
 * requested reviewers, assignees. A thread's parent message is drawn from it, so every list is
 * bounded and every value checked: a hostile payload yields a shorter snapshot, never a crash.
 */
import type { Issue, PullRequest, Team, User } from "@octokit/webhooks-types";
import {
  ITEM_LIST_MAX,
  type ActivityKind,
  type ActivityEvent,
  type ItemSnapshot,
} from "./activity-event.js";
import { nonEmpty, readLabels } from "./shared-fields.js";
import { child, flag, items, text, type Untrusted } from "./untrusted.js";

/** The fields read from a pull request, common to full and review-payload ("simple") shapes. */
type PullRequestSnapshotFields = Pick<
  PullRequest,
  "state" | "draft" | "merged_at" | "user" | "assignees" | "labels"
> & {
  /** Only in `pull_request` payloads; a review's pull request has `merged_at` alone. */
  merged?: boolean | null;
  // Older payloads list teams among the reviewers; both shapes are read.
  requested_reviewers: (User | Team)[];
  requested_teams: Team[];
};

/** Longest login, team or label name kept; GitHub's are far shorter (39 for logins, 50 for labels). */
const NAME_MAX_LENGTH = 100;

/**
 * The snapshot of an issue. `kind` wins over the payload's `state` where it decides it
 * (`issues.closed` is closed whatever the payload says).
 *
 * @example
 * readIssueSnapshot({ kind: "issues.opened", issue, fields }).state // "open"
 */
export function readIssueSnapshot(params: {
  kind: ActivityKind;
  issue: Untrusted<Pick<Issue, "state" | "user" | "assignees" | "labels">>;
  /** What the event already read: number, title and link. */
  fields: Pick<ActivityEvent, "number" | "title" | "url">;
}): ItemSnapshot | null {
  const { kind, issue, fields } = params;
  if (fields.number === null) return null;
  const closed =
    kind === "issues.closed" ||
    (kind !== "issues.opened" && kind !== "issues.reopened" && text(issue, "state") === "closed");
  return {
    type: "issue",
    number: fields.number,
    title: fields.title ?? "",
    url: fields.url,
    author: loginOf(child(issue, "user")),
    state: closed ? "closed" : "open",
    labels: bounded(readLabels(issue)),
    requestedReviewers: [],
    requestedTeams: [],
    assignees: logins(items(issue, "assignees")),
  };
}

/** An issue as `issue_comment` payloads show a pull request: `pull_request` set, maybe `draft`. */
type PullRequestAsIssue = Pick<Issue, "state" | "user" | "assignees" | "labels"> & {
  pull_request: { merged_at?: string | null };
  draft?: boolean;
};

/**
 * The snapshot of a pull request from the issue an `issue_comment` payload carries for it
 * (`issue.pull_request` set): merged when `pull_request.merged_at` says so, draft when `draft`
 * is `true`. Such a payload lists no requested reviewers or teams: both are `[]` here, and the
 * thread keeps the ones it knew (see `nextItemState`).
 *
 * @example
 * readPullRequestAsIssueSnapshot({ issue, fields }).type // "pull_request"
 */
export function readPullRequestAsIssueSnapshot(params: {
  issue: Untrusted<PullRequestAsIssue>;
  /** What the event already read: number, title and link. */
  fields: Pick<ActivityEvent, "number" | "title" | "url">;
}): ItemSnapshot | null {
  const { issue, fields } = params;
  if (fields.number === null) return null;
  const merged = nonEmpty(text(child(issue, "pull_request"), "merged_at")) !== null;
  const state: ItemSnapshot["state"] =
    text(issue, "state") === "closed"
      ? merged
        ? "merged"
        : "closed"
      : flag(issue, "draft")
        ? "draft"
        : "open";
  return {
    type: "pull_request",
    number: fields.number,
    title: fields.title ?? "",
    url: fields.url,
    author: loginOf(child(issue, "user")),
    state,
    labels: bounded(readLabels(issue)),
    requestedReviewers: [],
    requestedTeams: [],
    assignees: logins(items(issue, "assignees")),
  };
}

/**
 * The snapshot of a pull request, from a `pull_request` payload or a review's. `kind` wins
 * over the payload where it decides the state (`pull_request.merged` is merged).
 *
 * @example
 * readPullRequestSnapshot({ kind: "pull_request.merged", pullRequest, fields }).state // "merged"
 */
export function readPullRequestSnapshot(params: {
  kind: ActivityKind;
  pullRequest: Untrusted<PullRequestSnapshotFields>;
  /** What the event already read: number, title and the pull request's link. */
  fields: Pick<ActivityEvent, "number" | "title" | "url">;
}): ItemSnapshot | null {
  const { pullRequest, fields } = params;
  if (fields.number === null) return null;
  // Each entry is a user or a team: with a login it is a user.
  const reviewers = items(pullRequest, "requested_reviewers") as Untrusted<User>[];
  const teamsAmongReviewers = reviewers.filter(
    (reviewer) => loginOf(reviewer) === null,
  ) as Untrusted<Team>[];
  return {
    type: "pull_request",
    number: fields.number,
    title: fields.title ?? "",
    url: fields.url,
    author: loginOf(child(pullRequest, "user")),
    state: pullRequestState(params),
    labels: bounded(readLabels(pullRequest)),
    requestedReviewers: logins(reviewers),
    requestedTeams: bounded(
      [...items(pullRequest, "requested_teams"), ...teamsAmongReviewers].flatMap((team) => {
        const name = teamName(team);
        return name === null ? [] : [name];
      }),
    ),
    assignees: logins(items(pullRequest, "assignees")),
  };
}

/**
 * A team's name, or its slug when it has no usable name.
 *
 * @example
 * teamName(child(payload, "requested_team")) // "Docs"
 */
export function teamName(team: Untrusted<Pick<Team, "name" | "slug">> | null): string | null {
  const name = nonEmpty(text(team, "name")) ?? nonEmpty(text(team, "slug"));
  return name === null || name.length > NAME_MAX_LENGTH ? null : name;
}

function pullRequestState(params: {
  kind: ActivityKind;
  pullRequest: Untrusted<PullRequestSnapshotFields>;
}): ItemSnapshot["state"] {
  const { kind, pullRequest } = params;
  if (kind === "pull_request.merged") return "merged";
  if (kind === "pull_request.closed") return "closed";
  const reopened = kind === "pull_request.reopened";
  // A review payload's pull request has `merged_at` but no `merged` flag.
  const merged = flag(pullRequest, "merged") || nonEmpty(text(pullRequest, "merged_at")) !== null;
  if (!reopened && merged) return "merged";
  if (!reopened && text(pullRequest, "state") === "closed") return "closed";
  if (kind === "pull_request.ready_for_review") return "open";
  return flag(pullRequest, "draft") ? "draft" : "open";
}

/** A user's login, or `null` when missing, blank or absurdly long. */
function loginOf(user: Untrusted<Pick<User, "login">> | null): string | null {
  const login = nonEmpty(text(user, "login"));
  return login === null || login.length > NAME_MAX_LENGTH ? null : login;
}

/** The logins of `users`, distinct, users without one skipped, at most {@link ITEM_LIST_MAX}. */
function logins(users: Untrusted<Pick<User, "login">>[]): string[] {
  return bounded(
    users.flatMap((user) => {
      const login = loginOf(user);
      return login === null ? [] : [login];
    }),
  );
}

/** Distinct names no longer than {@link NAME_MAX_LENGTH}, the first {@link ITEM_LIST_MAX}. */
function bounded(names: string[]): string[] {
  const fit = names.filter((name) => name.length <= NAME_MAX_LENGTH);
  return [...new Set(fit)].slice(0, ITEM_LIST_MAX);
}
