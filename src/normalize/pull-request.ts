/**
 * `pull_request` deliveries: opened, reopened, ready for review, review requested, labeled,
 * assigned, merged, closed.
 */
import type {
  PullRequest,
  PullRequestAssignedEvent,
  PullRequestEvent,
  PullRequestLabeledEvent,
  PullRequestReviewRequestedEvent,
} from "@octokit/webhooks-types";
import type { ActivityDetail, ActivityEvent, ActivityRepository } from "./activity-event.js";
import { readPullRequestSnapshot, teamName } from "./item-snapshot.js";
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
  | "pull_request.labeled"
  | "pull_request.assigned"
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
  return {
    ...baseEvent({ kind, repository, actor, url: fields.url }),
    ...fields,
    body: excerpt(text(pullRequest, "body")),
    detail: pullRequestDetail({ kind, payload }),
    item: readPullRequestSnapshot({ kind, pullRequest, fields }),
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

function pullRequestDetail(params: {
  kind: PullRequestKind;
  payload: Untrusted<PullRequestEvent>;
}): ActivityDetail {
  switch (params.kind) {
    case "pull_request.review_requested":
      return readRequestedReviewer(params.payload);
    case "pull_request.labeled": {
      const payload = params.payload as Untrusted<PullRequestLabeledEvent>;
      const label = nonEmpty(text(child(payload, "label"), "name"));
      return label === null ? {} : { label };
    }
    case "pull_request.assigned": {
      const payload = params.payload as Untrusted<PullRequestAssignedEvent>;
      const assignee = nonEmpty(text(child(payload, "assignee"), "login"));
      return assignee === null ? {} : { assignee };
    }
    default:
      return {};
  }
}

/** The user (by login) or team (by name) asked to review, when the payload says, and which. */
function readRequestedReviewer(payload: Untrusted<PullRequestEvent>): ActivityDetail {
  const user = child(payload as Untrusted<RequestedReviewerEvent>, "requested_reviewer");
  const login = nonEmpty(text(user, "login"));
  if (login !== null) return { requestedReviewer: login, requestedReviewerIsTeam: false };
  const team = teamName(child(payload as Untrusted<RequestedTeamEvent>, "requested_team"));
  return team === null ? {} : { requestedReviewer: team, requestedReviewerIsTeam: true };
}
