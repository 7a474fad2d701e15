/**
 * Raw webhook delivery -> {@link ActivityEvent}, or `null` for activity nobody is notified of.
 * Pure: the payload is untrusted JSON and is only read, never trusted to match its type.
 */
import type {
  CheckSuiteCompletedEvent,
  CodeScanningAlertCreatedEvent,
  DependabotAlertCreatedEvent,
  DeploymentStatusCreatedEvent,
  DiscussionAnsweredEvent,
  DiscussionCommentCreatedEvent,
  DiscussionCreatedEvent,
  ForkEvent,
  IssueCommentCreatedEvent,
  IssuesEvent,
  PullRequestEvent,
  PullRequestReviewCommentCreatedEvent,
  PullRequestReviewSubmittedEvent,
  PushEvent,
  ReleasePublishedEvent,
  SecretScanningAlertCreatedEvent,
  StarCreatedEvent,
  WatchStartedEvent,
  WorkflowRunCompletedEvent,
} from "@octokit/webhooks-types";
import type { ActivityEvent } from "./activity-event.js";
import { normalizeCheckSuite, normalizeWorkflowRun } from "./ci.js";
import { normalizeIssueComment, normalizeReviewComment } from "./comments.js";
import { normalizeDeploymentStatus } from "./deployment-status.js";
import { normalizeDiscussion, normalizeDiscussionComment } from "./discussions.js";
import { normalizeIssue, type IssueKind } from "./issues.js";
import { MalformedPayloadError } from "./malformed-payload-error.js";
import { normalizeReview, type ReviewKind } from "./pull-request-review.js";
import { normalizePullRequest, type PullRequestKind } from "./pull-request.js";
import { normalizePush } from "./push.js";
import { normalizeRelease } from "./release.js";
import { normalizeFork, normalizeStarOrWatch } from "./repository-reaction.js";
import {
  normalizeCodeScanningAlert,
  normalizeDependabotAlert,
  normalizeSecretScanningAlert,
} from "./security-alerts.js";
import { required } from "./shared-fields.js";
import { child, flag, text, untrusted, type Untrusted } from "./untrusted.js";

export { deliveryMeta } from "./delivery-meta.js";
export { MalformedPayloadError } from "./malformed-payload-error.js";

const ISSUE_ACTIONS: ReadonlySet<string> = new Set([
  "opened",
  "closed",
  "reopened",
  "labeled",
  "assigned",
]);
const PULL_REQUEST_ACTIONS: ReadonlySet<string> = new Set([
  "opened",
  "reopened",
  "ready_for_review",
  "review_requested",
  "labeled",
  "assigned",
]);
// GitHub sends review states in lower case; the REST API answers in upper case, so accept both.
const REVIEW_KINDS: ReadonlyMap<string, ReviewKind> = new Map([
  ["approved", "pull_request_review.approved"],
  ["changes_requested", "pull_request_review.changes_requested"],
  ["commented", "pull_request_review.commented"],
]);

/**
 * The activity a delivery announces, or `null` when it is not a notified event (the worker
 * records that as the reason it sent nothing).
 *
 * @throws {MalformedPayloadError} a notified event lacks what every message needs
 *   (its repository, sender, the issue or pull request...).
 * @example
 * normalize("issues", { action: "opened", issue, repository, sender })?.kind // "issues.opened"
 * normalize("push", tagPush) // null
 */
export function normalize(eventName: string, payload: unknown): ActivityEvent | null {
  switch (eventName) {
    case "issues":
      return normalizeIssuesDelivery(objectPayload<IssuesEvent>(eventName, payload));
    case "pull_request":
      return normalizePullRequestDelivery(objectPayload<PullRequestEvent>(eventName, payload));
    case "pull_request_review":
      return normalizeReviewDelivery(
        objectPayload<PullRequestReviewSubmittedEvent>(eventName, payload),
      );
    case "star":
    case "watch": {
      const body = objectPayload<StarCreatedEvent | WatchStartedEvent>(eventName, payload);
      const expected = eventName === "star" ? "created" : "started";
      if (actionOf(eventName, body) !== expected) return null;
      const kind = eventName === "star" ? "star.created" : "watch.started";
      return normalizeStarOrWatch({ kind, payload: body });
    }
    case "fork":
      return normalizeFork({ payload: objectPayload<ForkEvent>(eventName, payload) });
    case "release": {
      const body = objectPayload<ReleasePublishedEvent>(eventName, payload);
      return actionOf(eventName, body) === "published" ? normalizeRelease({ payload: body }) : null;
    }
    case "workflow_run": {
      const body = objectPayload<WorkflowRunCompletedEvent>(eventName, payload);
      return actionOf(eventName, body) === "completed"
        ? normalizeWorkflowRun({ payload: body })
        : null;
    }
    case "check_suite": {
      const body = objectPayload<CheckSuiteCompletedEvent>(eventName, payload);
      return actionOf(eventName, body) === "completed"
        ? normalizeCheckSuite({ payload: body })
        : null;
    }
    case "deployment_status": {
      const body = objectPayload<DeploymentStatusCreatedEvent>(eventName, payload);
      return actionOf(eventName, body) === "created"
        ? normalizeDeploymentStatus({ payload: body })
        : null;
    }
    case "issue_comment": {
      const body = objectPayload<IssueCommentCreatedEvent>(eventName, payload);
      return actionOf(eventName, body) === "created"
        ? normalizeIssueComment({ payload: body })
        : null;
    }
    case "pull_request_review_comment": {
      const body = objectPayload<PullRequestReviewCommentCreatedEvent>(eventName, payload);
      return actionOf(eventName, body) === "created"
        ? normalizeReviewComment({ payload: body })
        : null;
    }
    case "discussion": {
      const body = objectPayload<DiscussionCreatedEvent | DiscussionAnsweredEvent>(
        eventName,
        payload,
      );
      const action = actionOf(eventName, body);
      return action === "created" || action === "answered"
        ? normalizeDiscussion({ kind: `discussion.${action}`, payload: body })
        : null;
    }
    case "discussion_comment": {
      const body = objectPayload<DiscussionCommentCreatedEvent>(eventName, payload);
      return actionOf(eventName, body) === "created"
        ? normalizeDiscussionComment({ payload: body })
        : null;
    }
    case "push":
      return normalizePush({ payload: objectPayload<PushEvent>(eventName, payload) });
    case "dependabot_alert": {
      const body = objectPayload<DependabotAlertCreatedEvent>(eventName, payload);
      return actionOf(eventName, body) === "created"
        ? normalizeDependabotAlert({ payload: body })
        : null;
    }
    case "code_scanning_alert": {
      const body = objectPayload<CodeScanningAlertCreatedEvent>(eventName, payload);
      return actionOf(eventName, body) === "created"
        ? normalizeCodeScanningAlert({ payload: body })
        : null;
    }
    case "secret_scanning_alert": {
      const body = objectPayload<SecretScanningAlertCreatedEvent>(eventName, payload);
      return actionOf(eventName, body) === "created"
        ? normalizeSecretScanningAlert({ payload: body })
        : null;
    }
    default:
      return null;
  }
}

function normalizeIssuesDelivery(payload: Untrusted<IssuesEvent>): ActivityEvent | null {
  const action = actionOf("issues", payload);
  if (!ISSUE_ACTIONS.has(action)) return null;
  return normalizeIssue({ kind: `issues.${action}` as IssueKind, payload });
}

function normalizePullRequestDelivery(payload: Untrusted<PullRequestEvent>): ActivityEvent | null {
  const action = actionOf("pull_request", payload);
  const event = `pull_request.${action}`;
  if (action === "closed") {
    const pullRequest = required(child(payload, "pull_request"), {
      event,
      missing: "pull_request",
    });
    const kind = flag(pullRequest, "merged") ? "pull_request.merged" : "pull_request.closed";
    return normalizePullRequest({ kind, event, payload });
  }
  if (!PULL_REQUEST_ACTIONS.has(action)) return null;
  return normalizePullRequest({ kind: event as PullRequestKind, event, payload });
}

function normalizeReviewDelivery(
  payload: Untrusted<PullRequestReviewSubmittedEvent>,
): ActivityEvent | null {
  if (actionOf("pull_request_review", payload) !== "submitted") return null;
  const event = "pull_request_review.submitted";
  const review = required(child(payload, "review"), { event, missing: "review" });
  const state = required(text(review, "state"), { event, missing: "review.state" });
  // `dismissed` and `pending` reviews are not announced.
  const kind = REVIEW_KINDS.get(state.toLowerCase());
  return kind === undefined ? null : normalizeReview({ kind, payload });
}

/** The payload of a notified family; anything but a JSON object is malformed. */
function objectPayload<T>(eventName: string, payload: unknown): Untrusted<T> {
  const body = untrusted<T>(payload);
  if (body === null) {
    throw new MalformedPayloadError({
      event: eventName,
      missing: "body",
      problem: "is not a JSON object",
    });
  }
  return body;
}

/** `action`, which every notified family but `fork` and `push` carries. */
function actionOf(eventName: string, payload: Untrusted<{ action: string }>): string {
  const action = text(payload, "action");
  if (action === null) throw new MalformedPayloadError({ event: eventName, missing: "action" });
  return action;
}
