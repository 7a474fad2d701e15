/**
 * New comments on issues and pull requests: `issue_comment` (the conversation of an issue, or of
 * a pull request when `issue.pull_request` is set) and `pull_request_review_comment` (a line of
 * the diff). Each carries its item's snapshot, so the comment lands in the item's thread.
 */
import type {
  IssueCommentCreatedEvent,
  PullRequestReviewCommentCreatedEvent,
} from "@octokit/webhooks-types";
import type { ActivityEvent } from "./activity-event.js";
import {
  readIssueSnapshot,
  readPullRequestAsIssueSnapshot,
  readPullRequestSnapshot,
} from "./item-snapshot.js";
import { readPullRequestFields, type PullRequestFields } from "./pull-request.js";
import {
  baseEvent,
  excerpt,
  issueNumber,
  nonEmpty,
  readActor,
  readLabels,
  readRepository,
  readTitle,
  required,
  type PayloadSource,
} from "./shared-fields.js";
import { child, count, flag, text, type Untrusted } from "./untrusted.js";

/** Longest file path kept; GitHub's paths are far shorter in practice. */
const PATH_MAX_LENGTH = 1000;

/**
 * A new issue comment as `issue_comment.created`, or as `pull_request.commented` when the issue
 * is a pull request (`issue.pull_request` set). The link is the comment's, the body its text.
 *
 * @example
 * normalizeIssueComment({ payload }).kind // "issue_comment.created"
 */
export function normalizeIssueComment(params: {
  payload: Untrusted<IssueCommentCreatedEvent>;
}): ActivityEvent {
  const { payload } = params;
  const event = "issue_comment.created";
  const source: PayloadSource<IssueCommentCreatedEvent> = { event, payload };
  const repository = readRepository(source);
  const actor = readActor(source);
  const issue = required(child(payload, "issue"), { event, missing: "issue" });
  const comment = required(child(payload, "comment"), { event, missing: "comment" });
  const onPullRequest = child(issue, "pull_request") !== null;
  const kind = onPullRequest ? "pull_request.commented" : "issue_comment.created";
  const number = issueNumber(count(issue, "number"));
  const itemUrl =
    nonEmpty(text(issue, "html_url")) ??
    (number === null
      ? repository.url
      : `${repository.url}/${onPullRequest ? "pull" : "issues"}/${number}`);
  const fields = { number, title: readTitle(text(issue, "title")), url: itemUrl };
  const issueWithDraft = issue as Untrusted<{ draft?: boolean }>;
  return {
    ...baseEvent({ kind, repository, actor, url: nonEmpty(text(comment, "html_url")) ?? itemUrl }),
    title: fields.title,
    number,
    labels: readLabels(issue),
    draft: onPullRequest && flag(issueWithDraft, "draft"),
    body: excerpt(text(comment, "body")),
    item: onPullRequest
      ? readPullRequestAsIssueSnapshot({
          issue: issue as Parameters<typeof readPullRequestAsIssueSnapshot>[0]["issue"],
          fields,
        })
      : readIssueSnapshot({ kind, issue, fields }),
  };
}

/**
 * A new comment on a line of a pull request's diff as `pull_request_review_comment.created`:
 * the pull request's title, number, branches and snapshot, the comment's link, text and file.
 *
 * @example
 * normalizeReviewComment({ payload }).detail // { path: "README.md" }
 */
export function normalizeReviewComment(params: {
  payload: Untrusted<PullRequestReviewCommentCreatedEvent>;
}): ActivityEvent {
  const { payload } = params;
  const kind = "pull_request_review_comment.created";
  const event = kind;
  const source: PayloadSource<PullRequestReviewCommentCreatedEvent> = { event, payload };
  const repository = readRepository(source);
  const actor = readActor(source);
  // The comment's pull request is a full one with `draft` optional: read as the review's is.
  const pullRequest = required(child(payload, "pull_request"), {
    event,
    missing: "pull_request",
  }) as Untrusted<PullRequestFields> & Parameters<typeof readPullRequestSnapshot>[0]["pullRequest"];
  const comment = required(child(payload, "comment"), { event, missing: "comment" });
  const fields = readPullRequestFields({ pullRequest, repository });
  const path = nonEmpty(text(comment, "path"));
  return {
    ...baseEvent({ kind, repository, actor, url: fields.url }),
    ...fields,
    url: nonEmpty(text(comment, "html_url")) ?? fields.url,
    body: excerpt(text(comment, "body")),
    detail: path === null || path.length > PATH_MAX_LENGTH ? {} : { path },
    item: readPullRequestSnapshot({ kind, pullRequest, fields }),
  };
}
