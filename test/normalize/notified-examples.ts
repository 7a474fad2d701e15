/**
 * Every example payload of the event families the notifier covers, with the kind each must
 * normalise to: the table the normalise and format tests share.
 */
import type { WebhookEventName } from "@octokit/webhooks-types";
import type { ActivityKind } from "../../src/normalize/activity-event.js";
import { untypedExamplesFor } from "../helpers/examples.js";

export const COVERED_EVENTS = [
  "issues",
  "pull_request",
  "pull_request_review",
  "star",
  "fork",
  "watch",
  "release",
] as const satisfies readonly WebhookEventName[];

/**
 * What each delivered action becomes. Every action the examples contain must be listed, so an
 * example with a new action fails until someone decides whether it is announced.
 */
const EXPECTED_KIND: Record<
  (typeof COVERED_EVENTS)[number],
  Record<string, ActivityKind | null>
> = {
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
  return COVERED_EVENTS.flatMap((event) =>
    untypedExamplesFor(event).map((payload, index) => {
      const action = typeof payload.action === "string" ? payload.action : "";
      return {
        name: `${action === "" ? event : `${event}.${action}`} #${index}`,
        event,
        action,
        payload,
        expected: EXPECTED_KIND[event][action],
      };
    }),
  );
}
