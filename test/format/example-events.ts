/**
 * One real ActivityEvent per kind, normalised from @octokit/webhooks-examples payloads. Kinds
 * the examples lack (a merge, an approval, a failed run, a comment on a pull request...) are the
 * nearest example with the deciding field changed; `secret_scanning_alert` comes from our fixture
 * built from GitHub's published schema; `workflow_run.fixed` is a success as routing renames it.
 */
import type { ActivityEvent, ActivityKind } from "../../src/normalize/activity-event.js";
import { normalize } from "../../src/normalize/normalize.js";
import { secretScanningAlertCreated } from "../fixtures/fixtures.js";
import { exampleOf, untypedExamplesFor } from "../helpers/examples.js";

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

/** The completed workflow run example that names a pull request, ended with `conclusion`. */
function workflowRun(conclusion: string): Delivery {
  // Untyped: the workflow run payload's type is too large a union for the compiler to spread.
  const payload = untypedExamplesFor("workflow_run", "completed").find(
    (example) => (example.workflow_run as { pull_requests: unknown[] }).pull_requests.length === 1,
  );
  if (payload === undefined) throw new Error("no workflow_run example names a pull request");
  const run = payload.workflow_run as Record<string, unknown>;
  return {
    event: "workflow_run",
    payload: { ...payload, workflow_run: { ...run, name: "CI", conclusion, status: "completed" } },
  };
}

/** The first completed check suite example, from another app than GitHub Actions, failed. */
function failedCheckSuite(): Delivery {
  const payload = exampleOf("check_suite", "completed");
  return {
    event: "check_suite",
    payload: { ...payload, check_suite: { ...payload.check_suite, conclusion: "failure" } },
  };
}

function deploymentStatus(state: string): Delivery {
  const payload = exampleOf("deployment_status", "created");
  return {
    event: "deployment_status",
    payload: { ...payload, deployment_status: { ...payload.deployment_status, state } },
  };
}

/** The issue comment example, made a comment on pull request #1 as GitHub sends those. */
function pullRequestComment(): Delivery {
  const payload = exampleOf("issue_comment", "created");
  const pullRequest = {
    url: "https://api.github.com/repos/Codertocat/Hello-World/pulls/1",
    html_url: "https://github.com/Codertocat/Hello-World/pull/1",
    diff_url: "https://github.com/Codertocat/Hello-World/pull/1.diff",
    patch_url: "https://github.com/Codertocat/Hello-World/pull/1.patch",
    merged_at: null,
  };
  return {
    event: "issue_comment",
    payload: {
      ...payload,
      issue: {
        ...payload.issue,
        html_url: pullRequest.html_url,
        pull_request: pullRequest,
      },
      comment: {
        ...payload.comment,
        html_url: "https://github.com/Codertocat/Hello-World/pull/1#issuecomment-492700400",
      },
    },
  };
}

/** The push example to the default branch. */
function defaultBranchPush(): Delivery {
  const payload = untypedExamplesFor("push").find((example) => example.ref === "refs/heads/master");
  if (payload === undefined) throw new Error("no push example to the default branch");
  return { event: "push", payload };
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
  "workflow_run.failed": () => workflowRun("failure"),
  // Normalize never says fixed (routing does, from the store): a success, renamed.
  "workflow_run.fixed": () => workflowRun("success"),
  "workflow_run.succeeded": () => workflowRun("success"),
  "check_suite.failed": failedCheckSuite,
  "deployment_status.success": () => deploymentStatus("success"),
  "deployment_status.failure": () => deploymentStatus("failure"),
  "issue_comment.created": () => ({
    event: "issue_comment",
    payload: exampleOf("issue_comment", "created"),
  }),
  "pull_request.commented": pullRequestComment,
  "pull_request_review_comment.created": () => ({
    event: "pull_request_review_comment",
    payload: exampleOf("pull_request_review_comment", "created"),
  }),
  "discussion.created": () => ({
    event: "discussion",
    payload: exampleOf("discussion", "created"),
  }),
  "discussion.answered": () => ({
    event: "discussion",
    payload: exampleOf("discussion", "answered"),
  }),
  "discussion_comment.created": () => ({
    event: "discussion_comment",
    payload: exampleOf("discussion_comment", "created"),
  }),
  "push.default_branch": defaultBranchPush,
  "dependabot_alert.created": () => ({
    event: "dependabot_alert",
    payload: exampleOf("dependabot_alert", "created"),
  }),
  "code_scanning_alert.created": () => ({
    event: "code_scanning_alert",
    payload: exampleOf("code_scanning_alert", "created"),
  }),
  "secret_scanning_alert.created": () => ({
    event: "secret_scanning_alert",
    payload: secretScanningAlertCreated(),
  }),
};

/** Kinds routing makes of another kind normalize gives: `fixed` is a success after a failure. */
const ROUTED_FROM: Partial<Record<ActivityKind, ActivityKind>> = {
  "workflow_run.fixed": "workflow_run.succeeded",
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
  const expected = ROUTED_FROM[kind] ?? kind;
  if (normalized === null || normalized.kind !== expected) {
    throw new Error(`the ${kind} example normalised to ${normalized?.kind ?? "null"}`);
  }
  return { ...normalized, kind };
}
