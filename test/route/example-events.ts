/**
 * Activity events for routing tests: real example payloads, sometimes with one field changed
 * to reach a filter's other side, normalised by the real normaliser.
 */
import type { WebhookEventMap } from "@octokit/webhooks-types";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";
import { normalize } from "../../src/normalize/normalize.js";
import { exampleOf } from "../helpers/examples.js";

/** A real example payload of `event.action`, changed by `change`, through the real normaliser. */
function eventFrom<
  E extends "issues" | "pull_request" | "pull_request_review" | "star" | "fork" | "release",
>(params: {
  event: E;
  action?: string;
  change?: (payload: WebhookEventMap[E]) => void;
}): ActivityEvent {
  const payload = exampleOf(params.event, params.action as never) as WebhookEventMap[E];
  params.change?.(payload);
  const normalized = normalize(params.event, payload);
  if (normalized === null)
    throw new Error(`${params.event}.${params.action} is not a notified event`);
  return normalized;
}

function labelled(names: string[]) {
  return (payload: {
    issue?: { labels?: { name: string }[] };
    pull_request?: { labels: { name: string }[] };
  }) => {
    const template = payload.issue?.labels?.[0] ?? payload.pull_request?.labels[0];
    const labels = names.map((name) => ({ ...template, name }));
    if (payload.issue) payload.issue.labels = labels;
    if (payload.pull_request) payload.pull_request.labels = labels;
  };
}

/** The example events, by what makes each one interesting. */
export const EVENTS = {
  /** Codertocat opens "Spelling error in the README file", labelled `bug`. */
  issueOpened: () => eventFrom({ event: "issues", action: "opened" }),
  issueClosed: () =>
    eventFrom({
      event: "issues",
      action: "opened",
      change: (payload) => {
        Object.assign(payload, { action: "closed" });
        Object.assign(payload.issue, { state: "closed", state_reason: "completed" });
      },
    }),
  issueByDependabot: () =>
    eventFrom({
      event: "issues",
      action: "opened",
      change: (payload) => {
        payload.sender.login = "dependabot[bot]";
        payload.sender.type = "Bot";
      },
    }),
  issueByRenovate: () =>
    eventFrom({
      event: "issues",
      action: "opened",
      change: (payload) => {
        payload.sender.login = "Renovate[bot]";
        payload.sender.type = "Bot";
      },
    }),
  issueNoNotify: () =>
    eventFrom({ event: "issues", action: "opened", change: labelled(["bug", "No-Notify"]) }),
  issueHighPriority: () =>
    eventFrom({ event: "issues", action: "opened", change: labelled(["priority:high"]) }),
  issueWontfix: () =>
    eventFrom({ event: "issues", action: "opened", change: labelled(["bug", "wontfix"]) }),
  issueUnlabelled: () => eventFrom({ event: "issues", action: "opened", change: labelled([]) }),
  issueUrgent: () =>
    eventFrom({
      event: "issues",
      action: "opened",
      change: (payload) => {
        payload.issue.title = "[urgent] README crashes the site";
      },
    }),
  /** Codertocat opens "Update the README with new information." into `master`, no labels. */
  pullRequestOpened: () => eventFrom({ event: "pull_request", action: "opened" }),
  pullRequestDraft: () =>
    eventFrom({
      event: "pull_request",
      action: "opened",
      change: (payload) => {
        payload.pull_request.draft = true;
      },
    }),
  pullRequestIntoRelease: () =>
    eventFrom({
      event: "pull_request",
      action: "opened",
      change: (payload) => {
        payload.pull_request.base.ref = "release/1.2";
      },
    }),
  pullRequestIntoFeature: () =>
    eventFrom({
      event: "pull_request",
      action: "opened",
      change: (payload) => {
        payload.pull_request.base.ref = "feature/search/v2";
      },
    }),
  pullRequestMerged: () =>
    eventFrom({
      event: "pull_request",
      action: "closed",
      change: (payload) => {
        Object.assign(payload.pull_request, {
          merged: true,
          merged_at: payload.pull_request.closed_at,
        });
      },
    }),
  pullRequestClosed: () => eventFrom({ event: "pull_request", action: "closed" }),
  /** A review (state `commented`) on a pull request into `master`. */
  reviewCommented: () => eventFrom({ event: "pull_request_review", action: "submitted" }),
  starCreated: () => eventFrom({ event: "star", action: "created" }),
  fork: () => eventFrom({ event: "fork" }),
  releasePublished: () => eventFrom({ event: "release", action: "published" }),
} satisfies Record<string, () => ActivityEvent>;

export type ExampleEventName = keyof typeof EVENTS;
