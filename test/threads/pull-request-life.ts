/**
 * The life of one pull request as GitHub delivers it, built from @octokit/webhooks-examples
 * payloads (pull request #2 of Codertocat/Hello-World, opened by Codertocat) with the fields
 * each step changes set as GitHub would: opened, octocat asked to review, octocat approves, the
 * `bug` label added, merged.
 */
import type { User } from "@octokit/webhooks-types";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";
import { normalize } from "../../src/normalize/normalize.js";
import { exampleOf } from "../helpers/examples.js";

type PullRequestPatch = Record<string, unknown>;

/** `payload` with its pull request changed by `patch`. */
function patched<P extends { pull_request: object }>(payload: P, patch: PullRequestPatch): P {
  return { ...payload, pull_request: { ...payload.pull_request, ...patch } };
}

function normalized(event: string, payload: unknown): ActivityEvent {
  const result = normalize(event, payload);
  if (result === null) throw new Error(`${event} example is not notified`);
  return result;
}

/** A GitHub user like the examples' sender, with another login. */
function user(login: string): User {
  const template = exampleOf("pull_request", "opened").sender;
  return { ...template, login, html_url: `https://github.com/${login}` };
}

/** Each step's event, in order. */
export function pullRequestLife(): {
  opened: ActivityEvent;
  reviewRequested: ActivityEvent;
  approved: ActivityEvent;
  labeled: ActivityEvent;
  merged: ActivityEvent;
} {
  const bug = exampleOf("pull_request", "labeled").label;
  const none = { labels: [], requested_reviewers: [], requested_teams: [], assignees: [] };
  const octocat = user("octocat");
  const review = exampleOf("pull_request_review", "submitted");
  return {
    opened: normalized("pull_request", patched(exampleOf("pull_request", "opened"), none)),
    reviewRequested: normalized(
      "pull_request",
      patched(exampleOf("pull_request", "review_requested"), {
        ...none,
        requested_reviewers: [octocat],
      }),
    ),
    approved: normalized("pull_request_review", {
      ...patched(review, none),
      sender: octocat,
      review: { ...review.review, state: "approved", user: octocat },
    }),
    labeled: normalized(
      "pull_request",
      patched(exampleOf("pull_request", "labeled"), { ...none, labels: [bug] }),
    ),
    merged: normalized(
      "pull_request",
      patched(exampleOf("pull_request", "closed"), { ...none, labels: [bug], merged: true }),
    ),
  };
}
