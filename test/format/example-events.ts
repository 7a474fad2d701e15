/**
 * One real ActivityEvent per kind, normalised from @octokit/webhooks-examples payloads. Kinds
 * the examples lack (a merge, an approval...) are the nearest example with the deciding field
 * changed.
 */
import type { ActivityEvent, ActivityKind } from "../../src/normalize/activity-event.js";
import { normalize } from "../../src/normalize/normalize.js";
import { exampleOf } from "../helpers/examples.js";

type Delivery = { event: string; payload: unknown };

function review(state: string): Delivery {
  const payload = exampleOf("pull_request_review", "submitted");
  return {
    event: "pull_request_review",
    payload: { ...payload, review: { ...payload.review, state } },
  };
}

function closedPullRequest(merged: boolean): Delivery {
  const payload = exampleOf("pull_request", "closed");
  return {
    event: "pull_request",
    payload: { ...payload, pull_request: { ...payload.pull_request, merged } },
  };
}

const DELIVERIES: Record<ActivityKind, () => Delivery> = {
  "issues.opened": () => ({ event: "issues", payload: exampleOf("issues", "opened") }),
  "issues.closed": () => ({
    event: "issues",
    payload: { ...exampleOf("issues", "reopened"), action: "closed" },
  }),
  "issues.reopened": () => ({ event: "issues", payload: exampleOf("issues", "reopened") }),
  "issues.labeled": () => ({ event: "issues", payload: exampleOf("issues", "labeled") }),
  "issues.assigned": () => ({ event: "issues", payload: exampleOf("issues", "assigned") }),
  "pull_request.opened": () => ({
    event: "pull_request",
    payload: exampleOf("pull_request", "opened"),
  }),
  "pull_request.reopened": () => ({
    event: "pull_request",
    payload: exampleOf("pull_request", "reopened"),
  }),
  "pull_request.ready_for_review": () => ({
    event: "pull_request",
    payload: exampleOf("pull_request", "ready_for_review"),
  }),
  "pull_request.review_requested": () => ({
    event: "pull_request",
    payload: exampleOf("pull_request", "review_requested"),
  }),
  "pull_request.labeled": () => ({
    event: "pull_request",
    payload: exampleOf("pull_request", "labeled"),
  }),
  "pull_request.assigned": () => ({
    event: "pull_request",
    payload: exampleOf("pull_request", "assigned"),
  }),
  "pull_request.merged": () => closedPullRequest(true),
  "pull_request.closed": () => closedPullRequest(false),
  "pull_request_review.approved": () => review("approved"),
  "pull_request_review.changes_requested": () => review("changes_requested"),
  "pull_request_review.commented": () => review("commented"),
  "star.created": () => ({ event: "star", payload: exampleOf("star", "created") }),
  fork: () => ({ event: "fork", payload: exampleOf("fork") }),
  "watch.started": () => ({ event: "watch", payload: exampleOf("watch", "started") }),
  "release.published": () => ({ event: "release", payload: exampleOf("release", "published") }),
};

/**
 * The event of `kind` normalised from a real example payload.
 *
 * @example
 * format(exampleEvent("pull_request.merged"))
 */
export function exampleEvent(kind: ActivityKind): ActivityEvent {
  const { event, payload } = DELIVERIES[kind]();
  const normalized = normalize(event, payload);
  if (normalized?.kind !== kind) {
    throw new Error(`the ${kind} example normalised to ${normalized?.kind ?? "null"}`);
  }
  return normalized;
}
