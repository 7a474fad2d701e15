/** `pull_request_review.submitted` deliveries, one kind per review state. */
import type { PullRequestReviewSubmittedEvent } from "@octokit/webhooks-types";
import type { ActivityEvent } from "./activity-event.js";
import { readPullRequestSnapshot } from "./item-snapshot.js";
import { readPullRequestFields } from "./pull-request.js";
import {
  baseEvent,
  excerpt,
  nonEmpty,
  readActor,
  readRepository,
  required,
  type PayloadSource,
} from "./shared-fields.js";
import { child, text, type Untrusted } from "./untrusted.js";

export type ReviewKind =
  | "pull_request_review.approved"
  | "pull_request_review.changes_requested"
  | "pull_request_review.commented";

/**
 * A submitted review as an {@link ActivityEvent}: the pull request's title and number, the
 * review's link and body.
 *
 * @example
 * normalizeReview({ kind: "pull_request_review.approved", payload }).url // ".../pull/1#pullrequestreview-2"
 */
export function normalizeReview(params: {
  kind: ReviewKind;
  payload: Untrusted<PullRequestReviewSubmittedEvent>;
}): ActivityEvent {
  const { kind, payload } = params;
  const event = "pull_request_review.submitted";
  const source: PayloadSource<PullRequestReviewSubmittedEvent> = { event, payload };
  const repository = readRepository(source);
  const actor = readActor(source);
  const pullRequest = required(child(payload, "pull_request"), {
    event,
    missing: "pull_request",
  });
  const review = required(child(payload, "review"), { event, missing: "review" });
  const fields = readPullRequestFields({ pullRequest, repository });
  return {
    ...baseEvent({ kind, repository, actor, url: fields.url }),
    ...fields,
    url: nonEmpty(text(review, "html_url")) ?? fields.url,
    body: excerpt(text(review, "body")),
    item: readPullRequestSnapshot({ kind, pullRequest, fields }),
  };
}
