/**
 * One conditional read of a config file from GitHub's contents API, with GitHub's answers
 * sorted into: the file, no file, unchanged, or "try again later".
 */
import type { ProbotOctokit } from "probot";
import { describeConfigFile, type ConfigFileRef } from "./config-files.js";
import { RetryLaterError } from "../shared/retry-later.js";
import {
  decodeContent,
  errorHeadersOf,
  isRateLimited,
  retryAtOf,
  statusOf,
} from "../shared/github-responses.js";

/** The part of an installation's Octokit the loader uses. */
export type GitHubClient = Pick<ProbotOctokit, "request">;

/**
 * GitHub could not say what a config file holds right now (5xx, timeout, rate limit, network).
 * The worker should retry the delivery later, at `retryAt` when GitHub said when.
 */
export class ConfigUnavailableError extends RetryLaterError {
  /** `owner/repo:path` of the file. */
  readonly file: string;
  /** GitHub's HTTP status, or null when no answer came (timeout, network). */
  readonly status: number | null;

  constructor(params: {
    file: string;
    status: number | null;
    retryAt: Date | null;
    reason: string;
  }) {
    super({
      message: `cannot read ${params.file} from GitHub now (${params.reason}); the delivery should be retried later`,
      retryAt: params.retryAt,
    });
    this.name = "ConfigUnavailableError";
    this.file = params.file;
    this.status = params.status;
  }
}

export type FetchOutcome =
  | { kind: "found"; body: string; etag: string | null }
  /** No readable file; `note` says why when it is worth telling the repository's owner. */
  | { kind: "missing"; note: string | null }
  | { kind: "not-modified" };

/**
 * Reads a file from the repository's default branch, revalidating with `etag` when given.
 * Throws {@link ConfigUnavailableError} for answers that may change on retry.
 *
 * @example
 * await fetchConfigFile({ octokit, file: repositoryConfigFile({ owner: "acme", repo: "api" }), etag: null, timeoutMs: 10_000, now: new Date() })
 * // { kind: "found", body: "channel: eng\n", etag: "\"abc\"" }
 */
export async function fetchConfigFile(params: {
  octokit: GitHubClient;
  file: ConfigFileRef;
  etag: string | null;
  timeoutMs: number;
  now: Date;
}): Promise<FetchOutcome> {
  const { octokit, file, etag } = params;
  const signal = AbortSignal.timeout(params.timeoutMs);
  let response;
  try {
    response = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: file.owner,
      repo: file.repo,
      path: file.path,
      headers: {
        // Raw text, not base64 JSON (also works past the 1 MB limit of the JSON form).
        accept: "application/vnd.github.raw+json",
        ...(etag === null ? {} : { "if-none-match": etag }),
      },
      request: { signal },
    });
  } catch (error) {
    return outcomeOfError({ error, file, now: params.now });
  }
  // Octokit reads a body cut short by the timeout as "" rather than failing: an empty
  // config would silently mean "the defaults".
  if (signal.aborted) {
    throw new ConfigUnavailableError({
      file: describeConfigFile(file),
      status: null,
      retryAt: null,
      reason: `no complete answer within ${params.timeoutMs}ms`,
    });
  }
  const body = decodeContent(response.data);
  if (body === null) {
    return { kind: "missing", note: "GitHub has a directory or a link at that path, not a file" };
  }
  return { kind: "found", body, etag: response.headers.etag ?? null };
}

function outcomeOfError(params: { error: unknown; file: ConfigFileRef; now: Date }): FetchOutcome {
  const { error, file, now } = params;
  const described = describeConfigFile(file);
  const headers = errorHeadersOf(error);
  // Octokit reports timeouts and network failures as status 500 with no response.
  const status = headers === null ? null : statusOf(error);
  const message = error instanceof Error ? error.message : String(error);

  if (status === 304) return { kind: "not-modified" };
  if (status === 404 || status === 410 || status === 451) return { kind: "missing", note: null };

  if (isRateLimited({ status, headers, message })) {
    throw new ConfigUnavailableError({
      file: described,
      status,
      retryAt: retryAtOf({ headers: headers ?? {}, now }),
      reason: `rate limited, HTTP ${status}`,
    });
  }
  if (status === 403) {
    // Not transient: retrying would fail the same way until someone changes the app's permissions.
    return {
      kind: "missing",
      note: `GitHub refused to show the file (HTTP 403: ${message}); give the app read access to it (permission "Single file" or "Contents")`,
    };
  }
  const reason = status === null ? message : `HTTP ${status}`;
  throw new ConfigUnavailableError({ file: described, status, retryAt: null, reason });
}
