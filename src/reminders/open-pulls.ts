/**
 * Reading GitHub's open pull requests and their reviews for a reminder run, through the
 * installation. GitHub's list is the truth about what is open (pull requests opened before the
 * app was installed, merges whose webhook was missed); its JSON is read like a webhook body,
 * value by value, since a bad item must cost one line of a reminder, never the run.
 */
import type { PullRequest, PullRequestReview, Team, User } from "@octokit/webhooks-types";
import { ITEM_LIST_MAX } from "../normalize/activity-event.js";
import { nonEmpty, readLabels, readTitle } from "../normalize/shared-fields.js";
import {
  child,
  count,
  flag,
  items,
  text,
  untrusted,
  type Untrusted,
} from "../normalize/untrusted.js";
import { errorHeadersOf, isRateLimited, retryAtOf, statusOf } from "../shared/github-responses.js";
import type { InstallationOctokit } from "../shared/installation-auth.js";
import { RetryLaterError } from "../shared/retry-later.js";
import type { OpenPull } from "./types.js";

/** The part of an installation's Octokit these reads use. */
export type PullsClient = Pick<InstallationOctokit, "request">;

/** GitHub's largest page of pull requests: one list call per 100 open pull requests. */
const PAGE_SIZE = 100;
/**
 * A `Link` header's `rel="next"`, matched as Octokit's own pagination matches it. GitHub sends
 * the header when a list spans pages (`next` on every page but the last, `prev` on every page
 * but the first), and none when everything fits on one page.
 */
const NEXT_LINK = /<[^<>]*>;\s*rel="next"/;
/** Longest login, team slug or label kept; GitHub's are far shorter (39, 100, 50). */
const NAME_MAX_LENGTH = 100;

/** What listing a repository's open pull requests came to. */
export type OpenPullsOutcome =
  | {
      kind: "listed";
      /** Oldest first, as GitHub sorts them. */
      pulls: OpenPull[];
      /** True when `maxPulls` stopped the reading: more may be open than `pulls` holds. */
      truncated: boolean;
    }
  /** The repository is gone for the app (uninstalled, deleted, renamed away, blocked): skip it. */
  | RepositoryGone;

/** GitHub answered 404, 410 or 451: nothing to remind of there, and retrying will not change it. */
export interface RepositoryGone {
  kind: "gone";
  /** GitHub's status and what it said, for a log line. */
  reason: string;
}

/**
 * GitHub refused the app (401, or a 403 that is not a rate limit): retrying will fail the same
 * way until someone changes the app's installation or permissions.
 */
export class GitHubRefusedError extends Error {
  /** `owner/repo`. */
  readonly repository: string;
  readonly status: number;

  constructor(params: { repository: string; status: number; what: string; detail: string }) {
    super(
      `GitHub refused to ${params.what} of ${params.repository} (HTTP ${params.status}: ${params.detail}); ` +
        (params.status === 401
          ? "the installation's token was not accepted: check the app's private key and that the app is still installed"
          : 'give the app read access to pull requests (permission "Pull requests: Read-only")'),
    );
    this.name = "GitHubRefusedError";
    this.repository = params.repository;
    this.status = params.status;
  }
}

/**
 * Reads a repository's open pull requests, oldest first, one call per 100 until GitHub's `Link`
 * header names no next page (a short page is the last one too), or `maxPulls`: exactly 100 or
 * 200 open pull requests take one or two calls, not one more for an empty page. Throws {@link RetryLaterError} for answers that may change on retry (5xx, rate
 * limits, timeouts, network) and {@link GitHubRefusedError} for 401 and 403.
 *
 * @example
 * await listOpenPulls({ octokit, owner: "acme", repo: "api", maxPulls: 1000, timeoutMs: 10_000 })
 * // { kind: "listed", pulls: [{ repository: "acme/api", number: 12, ... }], truncated: false }
 */
export async function listOpenPulls(params: {
  octokit: PullsClient;
  owner: string;
  repo: string;
  /** Most pull requests read; reading stops at the page that reaches it. */
  maxPulls: number;
  /** Per request. */
  timeoutMs: number;
  /** For `Retry-After`; the system clock when absent. */
  now?: () => Date;
}): Promise<OpenPullsOutcome> {
  const { octokit, owner, repo, maxPulls } = params;
  const repository = `${owner}/${repo}`;
  const pulls: OpenPull[] = [];
  for (let page = 1; ; page++) {
    const answer = await call({
      ...params,
      what: "list the open pull requests",
      send: (signal) =>
        octokit.request("GET /repos/{owner}/{repo}/pulls", {
          owner,
          repo,
          state: "open",
          sort: "created",
          direction: "asc",
          per_page: PAGE_SIZE,
          page,
          request: { signal },
        }),
    });
    if (answer.kind === "gone") return answer;
    const listed = answer.items.flatMap((item) => {
      const pull = readOpenPull({ item, repository });
      return pull === null ? [] : [pull];
    });
    pulls.push(...listed);
    if (!morePages({ answer, page })) return { kind: "listed", pulls, truncated: false };
    if (pulls.length >= maxPulls) {
      return { kind: "listed", pulls: pulls.slice(0, maxPulls), truncated: true };
    }
  }
}

/**
 * Whether another page of the list follows `page`. A short page is the last. Otherwise GitHub's
 * `Link` header says: `rel="next"` or not; no header on the first page is GitHub's single page
 * (it omits the header then, and Octokit's pagination reads it so). No header on a later page,
 * where GitHub always sends one, is a server that sends none: a full page may have a next one.
 */
function morePages(params: { answer: ItemsAnswer; page: number }): boolean {
  const { answer, page } = params;
  if (answer.items.length < PAGE_SIZE) return false;
  if (answer.link === null) return page > 1;
  return NEXT_LINK.test(answer.link);
}

/**
 * The logins whose latest verdict on a pull request is an approval, oldest approval first, from
 * one call (its first 100 reviews). A comment leaves a reviewer's verdict as it was; a request
 * for changes or a dismissal takes the approval back. `[]` when the pull request or repository
 * is gone (404, 410, 451) since it was listed: the run lists it without approvals rather than
 * failing. Throws as {@link listOpenPulls} does otherwise.
 *
 * @example
 * await approvalsOf({ octokit, owner: "acme", repo: "api", number: 12, timeoutMs: 10_000 })
 * // ["alice"]
 */
export async function approvalsOf(params: {
  octokit: PullsClient;
  owner: string;
  repo: string;
  number: number;
  timeoutMs: number;
  now?: () => Date;
}): Promise<string[]> {
  const { octokit, owner, repo, number } = params;
  const answer = await call({
    ...params,
    what: `read the reviews of pull request #${number}`,
    send: (signal) =>
      octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
        owner,
        repo,
        pull_number: number,
        per_page: PAGE_SIZE,
        request: { signal },
      }),
  });
  return answer.kind === "gone" ? [] : latestApprovals(answer.items);
}

/** Latest verdict per reviewer (case-insensitive login) over reviews in GitHub's order, oldest first. */
function latestApprovals(reviews: Untrusted<unknown>[]): string[] {
  const approved = new Map<string, string>();
  for (const item of reviews) {
    const review = item as Untrusted<PullRequestReview>;
    const login = loginOf(child(review, "user"));
    if (login === null) continue;
    const key = login.toLowerCase();
    const state = text(review, "state")?.toUpperCase();
    if (state === "APPROVED") {
      if (!approved.has(key)) approved.set(key, login);
    } else if (state === "CHANGES_REQUESTED" || state === "DISMISSED") {
      approved.delete(key);
    }
    // COMMENTED and PENDING leave the verdict as it was.
  }
  return [...approved.values()].slice(0, ITEM_LIST_MAX);
}

/**
 * One item of GitHub's list as an {@link OpenPull}, or null when it lacks what a reminder needs
 * (a number, a link, when it was opened).
 */
function readOpenPull(params: { item: Untrusted<unknown>; repository: string }): OpenPull | null {
  const pull = params.item as Untrusted<PullRequest>;
  const number = count(pull, "number");
  const url = nonEmpty(text(pull, "html_url"));
  const createdAt = new Date(text(pull, "created_at") ?? Number.NaN);
  if (number === null || !Number.isSafeInteger(number) || number <= 0) return null;
  if (url === null || Number.isNaN(createdAt.getTime())) return null;
  const base = child(pull, "base");
  const baseRepository = child(base, "repo");
  const fullName = nonEmpty(text(baseRepository, "full_name"));
  // Each requested reviewer is a user or, in older answers, a team: with a login it is a user.
  const reviewers = items(pull, "requested_reviewers") as Untrusted<User | Team>[];
  const users = reviewers.map((reviewer) => loginOf(reviewer as Untrusted<User>));
  const teams = [
    ...items(pull, "requested_teams"),
    ...reviewers.filter((_, index) => users[index] === null),
  ].map((team) => nonEmpty(text(team as Untrusted<Team>, "slug")));
  return {
    // GitHub's spelling of the name, unless the list names another repository (a rename).
    repository:
      fullName !== null && fullName.toLowerCase() === params.repository.toLowerCase()
        ? fullName
        : params.repository,
    number,
    title: readTitle(text(pull, "title")),
    url,
    author: loginOf(child(pull, "user")),
    draft: flag(pull, "draft"),
    labels: bounded(readLabels(pull)),
    requestedUsers: bounded(users),
    requestedTeams: bounded(teams),
    baseBranch: text(base, "ref") ?? "",
    defaultBranch: nonEmpty(text(baseRepository, "default_branch")),
    createdAt,
  };
}

/** A user's login, or null when missing, blank or absurdly long. */
function loginOf(user: Untrusted<Pick<User, "login">> | null): string | null {
  const login = nonEmpty(text(user, "login"));
  return login === null || login.length > NAME_MAX_LENGTH ? null : login;
}

/** Distinct names of a usable length, the first {@link ITEM_LIST_MAX}. */
function bounded(names: readonly (string | null)[]): string[] {
  const fit = names.filter(
    (name): name is string => name !== null && name.length <= NAME_MAX_LENGTH,
  );
  return [...new Set(fit)].slice(0, ITEM_LIST_MAX);
}

/** A JSON array answer, with its `Link` header (null when none). */
interface ItemsAnswer {
  kind: "items";
  items: Untrusted<unknown>[];
  link: string | null;
}

/** A JSON array answer, or the repository gone; everything else throws. */
type CallAnswer = ItemsAnswer | RepositoryGone;

/**
 * Sends one request with a timeout and sorts GitHub's answer: a list, gone, try again later
 * ({@link RetryLaterError}), or refused ({@link GitHubRefusedError}).
 */
async function call(params: {
  owner: string;
  repo: string;
  timeoutMs: number;
  now?: () => Date;
  /** What the request does, for messages: "list the open pull requests". */
  what: string;
  send: (signal: AbortSignal) => Promise<{ data: unknown; headers: { link?: string } }>;
}): Promise<CallAnswer> {
  const repository = `${params.owner}/${params.repo}`;
  const now = params.now ?? (() => new Date());
  const signal = AbortSignal.timeout(params.timeoutMs);
  const unavailable = (reason: string, retryAt: Date | null = null) =>
    new RetryLaterError({
      message: `cannot ${params.what} of ${repository} from GitHub now (${reason}); the reminder should be retried later`,
      retryAt,
    });
  let data: unknown;
  let link: string | null = null;
  try {
    const response = await params.send(signal);
    data = response.data;
    link = typeof response.headers.link === "string" ? response.headers.link : null;
  } catch (error) {
    const headers = errorHeadersOf(error);
    // Octokit reports timeouts and network failures with a status but no response.
    const status = headers === null ? null : statusOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (status === 404 || status === 410 || status === 451) {
      return { kind: "gone", reason: `HTTP ${status}: ${message.slice(0, 200)}` };
    }
    if (isRateLimited({ status, headers, message })) {
      throw unavailable(
        `rate limited, HTTP ${status}`,
        retryAtOf({ headers: headers ?? {}, now: now() }),
      );
    }
    if (status === 401 || status === 403) {
      throw new GitHubRefusedError({
        repository,
        status,
        what: params.what,
        detail: message.slice(0, 200),
      });
    }
    throw unavailable(status === null ? message : `HTTP ${status}`);
  }
  // Octokit may read a body cut short by the timeout as "" rather than fail.
  if (signal.aborted) throw unavailable(`no complete answer within ${params.timeoutMs}ms`);
  if (!Array.isArray(data)) throw unavailable("the answer was not a JSON list");
  return {
    kind: "items",
    items: data.flatMap((element: unknown) => {
      const object = untrusted<unknown>(element);
      return object === null ? [] : [object];
    }),
    link,
  };
}
