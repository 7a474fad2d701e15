/**
 * What a `pull_request` or `pull_request_review` delivery tells about its pull request's review
 * state, read from the raw payload for the store to apply (`ReviewWaits.recordReviewUpdate`).
 * Every `pull_request` action carries the pull request whole, so each one refreshes the snapshot
 * (open, draft, who is requested), dated by the pull request's `updated_at` so the store keeps
 * the newest of snapshots that arrive out of order; `review_requested` also dates the request,
 * and a submitted or dismissed review gives its reviewer's verdict, dated by the review's
 * `submitted_at` (and a submitted one answers its reviewer's request); `opened` tells that the
 * app sees the pull request from its start, so the approvals it keeps are complete. The payload
 * is untrusted: a bad shape reads as nothing (null), and names are bounded as the store
 * requires. Pure: no I/O, no clock.
 */
import type {
  PullRequest,
  PullRequestEvent,
  PullRequestReviewEvent,
  Team,
  User,
} from "@octokit/webhooks-types";
import {
  child,
  count,
  flag,
  items,
  text,
  untrusted,
  type Untrusted,
} from "../normalize/untrusted.js";
import type { ReviewUpdate } from "./types.js";

/** PostgreSQL's INTEGER, the store's column: GitHub's pull request numbers stay far below it. */
const MAX_NUMBER = 2_147_483_647;
/** Names per list the store accepts (`src/store/review-states.ts`); more are dropped here. */
const MAX_NAMES = 50;
/** Longest login or team slug the store accepts; a longer one is no GitHub name and is dropped. */
const MAX_NAME_CHARS = 100;
/** Longest `owner/name` the store accepts. */
const MAX_REPOSITORY_CHARS = 200;
const REPOSITORY = /^[^/\s]+\/[^/\s]+$/;
/** A login or team slug: no white space, no control character (as the store checks). */
const NAME = /^[^\s\p{Cc}]+$/u;

/** GitHub's time stamps: ISO 8601 in UTC or with an offset (`Date.parse` alone takes far more). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The review update a delivery carries, or null when it carries none: another event, or a
 * payload without a usable repository, number or state.
 *
 * @example
 * reviewUpdateOf({ eventName: "pull_request", payload: reviewRequested, installationId: 1,
 *   receivedAt: new Date() })
 * // { installationId: 1, repository: "Codertocat/Hello-World", number: 2,
 * //   snapshotAt: new Date("2019-05-15T15:20:33Z"), open: true, draft: false,
 * //   requestedUsers: ["octocat"], requestedTeams: [],
 * //   requestedAt: new Date("2019-05-15T15:20:33Z"), opened: false, verdict: null }
 */
export function reviewUpdateOf(params: {
  /** `X-GitHub-Event`. */
  eventName: string;
  /** The parsed JSON body, unchecked. */
  payload: unknown;
  /** The installation that delivered it, if any. */
  installationId: number | null;
  /** When the delivery was received: the request's time when the payload gives none. */
  receivedAt: Date;
}): ReviewUpdate | null {
  const { eventName } = params;
  if (eventName !== "pull_request" && eventName !== "pull_request_review") return null;
  const payload = untrusted<PullRequestEvent | PullRequestReviewEvent>(params.payload);
  const action = text(payload, "action");
  if (action === null) return null;
  const pullRequest = untrusted<PullRequest>(payload?.pull_request);
  const repository = text(child(payload, "repository"), "full_name");
  const number = count(pullRequest, "number");
  const state = text(pullRequest, "state");
  if (
    repository === null ||
    repository.length > MAX_REPOSITORY_CHARS ||
    !REPOSITORY.test(repository)
  ) {
    return null;
  }
  if (number === null || !Number.isInteger(number) || number < 1 || number > MAX_NUMBER) {
    return null;
  }
  if (state === null) return null;
  const installationId = params.installationId;
  const { receivedAt } = params;
  const review =
    eventName === "pull_request_review" ? reviewOf({ action, payload, receivedAt }) : null;
  const updatedAt = timeOf({ text: text(pullRequest, "updated_at"), receivedAt });
  // A review answers its reviewer's request, whatever its verdict (GitHub drops the request,
  // and sends no `review_request_removed` for it): not waiting for them even if the snapshot,
  // taken around the review, still lists them.
  const answered = review?.action === "submitted" ? review.login.toLowerCase() : null;
  return {
    installationId:
      installationId !== null && Number.isSafeInteger(installationId) && installationId > 0
        ? installationId
        : null,
    repository,
    number,
    snapshotAt: updatedAt,
    open: state === "open",
    draft: flag(pullRequest, "draft"),
    requestedUsers: names(
      items(pullRequest, "requested_reviewers").map((reviewer) =>
        // Requested reviewers may list teams too (they have a slug, no login): not users.
        text(untrusted<User>(reviewer), "login"),
      ),
    ).filter((login) => login.toLowerCase() !== answered),
    requestedTeams: names(
      items(pullRequest, "requested_teams").map((team) => text(untrusted<Team>(team), "slug")),
    ),
    // The request updated the pull request: when the payload does not say when, its receipt.
    requestedAt:
      eventName === "pull_request" && action === "review_requested"
        ? (updatedAt ?? receivedAt)
        : null,
    opened: eventName === "pull_request" && action === "opened",
    verdict: review?.verdict ?? null,
  };
}

/**
 * The reviewer of a submitted or dismissed review and their verdict (null for a comment, or for
 * an edit of a review); null when the review names no usable reviewer.
 */
function reviewOf(params: {
  action: string;
  payload: Untrusted<PullRequestEvent | PullRequestReviewEvent> | null;
  receivedAt: Date;
}): { action: string; login: string; verdict: ReviewUpdate["verdict"] } | null {
  const { action } = params;
  const review = untrusted<PullRequestReviewEvent["review"]>(params.payload?.review);
  const login = text(child(review, "user"), "login");
  if (login === null || !isName(login)) return null;
  // A dismissal's payload is the dismissed review, with its own `submitted_at`.
  const at = timeOf({ text: text(review, "submitted_at"), receivedAt: params.receivedAt });
  if (action === "dismissed") {
    return { action, login, verdict: { login, verdict: "dismissed", at } };
  }
  // Lower-case in webhooks, upper-case in the REST API: either reads.
  const state = text(review, "state")?.toLowerCase();
  if (action === "submitted" && (state === "approved" || state === "changes_requested")) {
    return { action, login, verdict: { login, verdict: state, at } };
  }
  return { action, login, verdict: null };
}

/** The usable names, each once (in any case), at most {@link MAX_NAMES}. */
function names(candidates: readonly (string | null)[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const name of candidates) {
    if (name === null || !isName(name) || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    kept.push(name);
    if (kept.length === MAX_NAMES) break;
  }
  return kept;
}

function isName(name: string): boolean {
  return name.length <= MAX_NAME_CHARS && NAME.test(name);
}

/**
 * One of GitHub's time stamps (a pull request's `updated_at`, a review's `submitted_at`), or
 * null when the payload gives none usable. Never after the receipt: nothing in a delivery
 * happened after it arrived, and the store keeps the latest of these times, so one in the future
 * would hold that snapshot or verdict against every real one after it.
 */
function timeOf(params: { text: string | null; receivedAt: Date }): Date | null {
  const { receivedAt } = params;
  if (params.text === null || !ISO_TIME.test(params.text)) return null;
  const time = Date.parse(params.text);
  if (Number.isNaN(time)) return null;
  return time > receivedAt.getTime() ? receivedAt : new Date(time);
}
