/**
 * Every example payload of the event families the notifier covers, with the kind each must
 * normalise to: the table the normalise and format tests share. `secret_scanning_alert`, which
 * the examples package lacks, is our fixture built from GitHub's published schema.
 */
import type { WebhookEventName } from "@octokit/webhooks-types";
import type { ActivityKind } from "../../src/normalize/activity-event.js";
import { secretScanningAlertCreated } from "../fixtures/fixtures.js";
import { untypedExamplesFor } from "../helpers/examples.js";

export const COVERED_EVENTS = [
  "issues",
  "pull_request",
  "pull_request_review",
  "star",
  "fork",
  "watch",
  "release",
  "workflow_run",
  "check_suite",
  "deployment_status",
  "issue_comment",
  "pull_request_review_comment",
  "discussion",
  "discussion_comment",
  "push",
  "dependabot_alert",
  "code_scanning_alert",
  "secret_scanning_alert",
] as const satisfies readonly WebhookEventName[];

/** A kind for every example of an action, or one per example, in the examples' order. */
type Expected = ActivityKind | null | (ActivityKind | null)[];

/**
 * What each delivered action becomes. Every action the examples contain must be listed, so an
 * example with a new action fails until someone decides whether it is announced. Where the
 * outcome depends on more than the action (a run's conclusion, a push's branch), the list says
 * it per example.
 */
const EXPECTED_KIND: Record<(typeof COVERED_EVENTS)[number], Record<string, Expected>> = {
  issues: {
    opened: "issues.opened",
    closed: "issues.closed",
    reopened: "issues.reopened",
    labeled: "issues.labeled",
    assigned: "issues.assigned",
    deleted: null,
    demilestoned: null,
    edited: null,
    locked: null,
    milestoned: null,
    pinned: null,
    transferred: null,
    unassigned: null,
    unlabeled: null,
    unlocked: null,
    unpinned: null,
  },
  pull_request: {
    opened: "pull_request.opened",
    reopened: "pull_request.reopened",
    ready_for_review: "pull_request.ready_for_review",
    review_requested: "pull_request.review_requested",
    // Every `closed` example is an unmerged close; merged variants are made in the tests.
    closed: "pull_request.closed",
    assigned: "pull_request.assigned",
    converted_to_draft: null,
    labeled: "pull_request.labeled",
    locked: null,
    review_request_removed: null,
    synchronize: null,
    unassigned: null,
    unlabeled: null,
    unlocked: null,
  },
  pull_request_review: {
    // Every `submitted` example is a `commented` review; other states are made in the tests.
    submitted: "pull_request_review.commented",
    dismissed: null,
    edited: null,
  },
  star: { created: "star.created", deleted: null },
  fork: { "": "fork" },
  watch: { started: "watch.started" },
  release: {
    published: "release.published",
    created: null,
    deleted: null,
    edited: null,
    prereleased: null,
    released: null,
    unpublished: null,
  },
  workflow_run: {
    // #0 is `completed` with status `queued` and no conclusion; #1 and #2 succeeded.
    completed: [null, "workflow_run.succeeded", "workflow_run.succeeded"],
    requested: null,
  },
  // Every completed suite succeeded; #1 is GitHub Actions' own. Failures are made in the tests.
  check_suite: { completed: null, requested: null, rerequested: null },
  // #1 is `in_progress`.
  deployment_status: {
    created: [
      "deployment_status.success",
      null,
      "deployment_status.success",
      "deployment_status.success",
    ],
  },
  // Every comment is on an issue; comments on pull requests are made in the tests.
  issue_comment: { created: "issue_comment.created", deleted: null, edited: null },
  pull_request_review_comment: {
    created: "pull_request_review_comment.created",
    deleted: null,
    edited: null,
  },
  discussion: {
    created: "discussion.created",
    answered: "discussion.answered",
    category_changed: null,
    edited: null,
    labeled: null,
    locked: null,
    pinned: null,
    transferred: null,
    unanswered: null,
    unlabeled: null,
    unlocked: null,
  },
  discussion_comment: { created: "discussion_comment.created", deleted: null, edited: null },
  // Tag pushes and deletions, and two pushes to `master`, the default branch.
  push: { "": [null, null, null, null, "push.default_branch", "push.default_branch", null] },
  dependabot_alert: { created: "dependabot_alert.created", fixed: null },
  code_scanning_alert: {
    created: "code_scanning_alert.created",
    closed_by_user: null,
    fixed: null,
    reopened: null,
  },
  secret_scanning_alert: { created: "secret_scanning_alert.created" },
};

export interface ExampleCase {
  /** `issues.opened #2`: event, action and index among that event's examples. */
  name: string;
  event: (typeof COVERED_EVENTS)[number];
  action: string;
  payload: Record<string, unknown>;
  /** `undefined` when the table has no entry for the action. */
  expected: ActivityKind | null | undefined;
}

/**
 * One case per example payload of every covered event, each a fresh copy.
 *
 * @example
 * it.each(exampleCases())("$name", ({ event, payload, expected }) => ...)
 */
export function exampleCases(): ExampleCase[] {
  return COVERED_EVENTS.flatMap((event) => {
    const payloads =
      event === "secret_scanning_alert"
        ? [secretScanningAlertCreated()]
        : untypedExamplesFor(event);
    const seen = new Map<string, number>();
    return payloads.map((payload, index) => {
      const action = typeof payload.action === "string" ? payload.action : "";
      const nth = seen.get(action) ?? 0;
      seen.set(action, nth + 1);
      const listed = EXPECTED_KIND[event][action];
      return {
        name: `${action === "" ? event : `${event}.${action}`} #${index}`,
        event,
        action,
        payload,
        expected: Array.isArray(listed) ? listed[nth] : listed,
      };
    });
  });
}
