/** `pull_request` deliveries: opened, reopened, ready for review, review requested, merged, closed. */
import type {
  PullRequest,
  PullRequestEvent,
  PullRequestReviewRequestedEvent,
} from "@octokit/webhooks-types";
import type { ActivityEvent, ActivityRepository } from "./activity-event.js";
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

export type PullRequestKind =
  | "pull_request.opened"
  | "pull_request.reopened"
  | "pull_request.ready_for_review"
  | "pull_request.review_requested"
  | "pull_request.merged"
  | "pull_request.closed";

/** The fields read from a pull request, common to full and review-payload ("simple") shapes. */
export type PullRequestFields = Pick<
  PullRequest,
  "html_url" | "number" | "title" | "labels" | "draft" | "head" | "base" | "body"
>;

type RequestedReviewerEvent = Extract<
  PullRequestReviewRequestedEvent,
  { requested_reviewer: unknown }
>;
type RequestedTeamEvent = Extract<PullRequestReviewRequestedEvent, { requested_team: unknown }>;

/**
 * A `pull_request` payload as an {@link ActivityEvent} of `kind`.
 *
 * @example
 * normalizePullRequest({ kind: "pull_request.merged", event: "pull_request.closed", payload })
 */
export function normalizePullRequest(params: {
  kind: PullRequestKind;
  /** `event.action` as delivered, for error messages (`pull_request.closed` for a merge). */
  event: string;
  payload: Untrusted<PullRequestEvent>;
}): ActivityEvent {
  const { kind, event, payload } = params;
  const source: PayloadSource<PullRequestEvent> = { event, payload };
  const repository = readRepository(source);
  const actor = readActor(source);
  const pullRequest = required(child(payload, "pull_request"), {
    event,
    missing: "pull_request",
  });
  const fields = readPullRequestFields({ pullRequest, repository });
  const requestedReviewer =
    kind === "pull_request.review_requested" ? readRequestedReviewer(payload) : null;
  return {
    ...baseEvent({ kind, repository, actor, url: fields.url }),
    ...fields,
    body: excerpt(text(pullRequest, "body")),
    detail: requestedReviewer === null ? {} : { requestedReviewer },
  };
}

/**
 * Title, number, link, labels, draft flag and branches of a pull request object.
 *
 * @example
 * readPullRequestFields({ pullRequest, repository }).headBranch // "changes"
 */
export function readPullRequestFields(params: {
  pullRequest: Untrusted<PullRequestFields>;
  repository: ActivityRepository;
}): Pick<
  ActivityEvent,
  "title" | "number" | "url" | "labels" | "draft" | "baseBranch" | "headBranch"
> {
  const { pullRequest, repository } = params;
  const number = issueNumber(count(pullRequest, "number"));
  return {
    title: readTitle(text(pullRequest, "title")),
    number,
    url:
      nonEmpty(text(pullRequest, "html_url")) ??
      (number === null ? repository.url : `${repository.url}/pull/${number}`),
    labels: readLabels(pullRequest),
    draft: flag(pullRequest, "draft"),
    baseBranch: nonEmpty(text(child(pullRequest, "base"), "ref")),
    headBranch: nonEmpty(text(child(pullRequest, "head"), "ref")),
  };
}

/** The user (by login) or team (by name) asked to review, when the payload says. */
function readRequestedReviewer(payload: Untrusted<PullRequestEvent>): string | null {
  const user = child(payload as Untrusted<RequestedReviewerEvent>, "requested_reviewer");
  const team = child(payload as Untrusted<RequestedTeamEvent>, "requested_team");
  return nonEmpty(text(user, "login")) ?? nonEmpty(text(team, "name"));
}
