/**
 * The config check on pull requests: when one changes `.github/notifier.yml` (in any
 * repository, the owner's `.github` repository included), validate the file at the head
 * commit and post a "notifier config" check run with its errors or a routing preview.
 */
import type {
  PullRequestOpenedEvent,
  PullRequestReopenedEvent,
  PullRequestSynchronizeEvent,
} from "@octokit/webhooks-types";
import type { ProbotOctokit } from "probot";
import { parseConfig } from "../repo-config/parse-config.js";
import {
  buildConfigCheckRun,
  type ConfigCheckResult,
  type ConfigCheckRun,
  type ConfigCheckTarget,
} from "./config-check-body.js";
import { CONFIG_PATH } from "../repo-config/config-files.js";
import { decodeContent, statusOf } from "../shared/github-responses.js";
import type { Log } from "../shared/log.js";

export {
  buildConfigCheckRun,
  type CheckRunBody,
  type CheckRunUpdate,
} from "./config-check-body.js";

/** The part of an installation's Octokit the check uses. */
export type ConfigCheckClient = Pick<ProbotOctokit, "request" | "paginate">;

type CheckedPullRequestEvent =
  PullRequestOpenedEvent | PullRequestSynchronizeEvent | PullRequestReopenedEvent;

const CHECKED_ACTIONS: readonly string[] = ["opened", "synchronize", "reopened"];

/**
 * GitHub did not answer a request the check needs. The message names the request and, for
 * refusals, the permission the App lacks; the worker retries the delivery.
 */
export class ConfigCheckError extends Error {
  readonly status: number | null;

  constructor(params: { what: string; status: number | null; cause: unknown; permission: string }) {
    const reason = params.cause instanceof Error ? params.cause.message : String(params.cause);
    // GitHub answers 403, or 404 to hide a private resource, when the App lacks a permission.
    const hint =
      params.status === 403 || params.status === 404
        ? `; the App needs the permission "${params.permission}"`
        : "";
    super(
      `cannot ${params.what} (${params.status === null ? reason : `HTTP ${params.status}: ${reason}`})${hint}`,
      {
        cause: params.cause,
      },
    );
    this.name = "ConfigCheckError";
    this.status = params.status;
  }
}

/**
 * Checks the config file a pull request changes and posts the check run. Returns
 * "not-applicable" for other events and for pull requests that leave the file alone.
 * Throws {@link ConfigCheckError} when GitHub cannot answer (retry later).
 *
 * @example
 * await checkConfigChange({ octokit, eventName: "pull_request", payload, knownChannels: channels.names(), mayUse: channels.mayUse, log })
 * // "posted"
 */
export async function checkConfigChange(params: {
  octokit: ConfigCheckClient;
  eventName: string;
  payload: unknown;
  knownChannels: readonly string[];
  /** Whether repositories of `owner` may route to `channel` (`ChannelRegistry.mayUse`). */
  mayUse: (channel: string, owner: string) => boolean;
  log: Pick<Log, "info" | "debug">;
}): Promise<"posted" | "not-applicable"> {
  const { octokit, log } = params;
  if (!isCheckedPullRequest(params.eventName, params.payload)) return "not-applicable";
  const { pull_request: pullRequest, repository } = params.payload;
  const owner = repository.owner.login;
  const repo = repository.name;
  const where = `${owner}/${repo}#${pullRequest.number}`;

  const change = await configChange({ octokit, owner, repo, number: pullRequest.number, where });
  if (change === "untouched") {
    log.debug(
      { pullRequest: where },
      `pull request does not change ${CONFIG_PATH}; no config check`,
    );
    return "not-applicable";
  }

  const text =
    change === "removed"
      ? null
      : await readAtCommit({ octokit, owner, repo, sha: pullRequest.head.sha, where });
  let result: ConfigCheckResult;
  if (text === null) {
    result = { kind: "removed" };
  } else {
    const parsed = parseConfig({
      text,
      source: CONFIG_PATH,
      knownChannels: params.knownChannels,
      mayUse: (channel) => params.mayUse(channel, owner),
    });
    result = parsed.ok
      ? { kind: "valid", config: parsed.config }
      : { kind: "invalid", errors: parsed.errors };
  }

  const target: ConfigCheckTarget = {
    owner,
    repo,
    headSha: pullRequest.head.sha,
    baseBranch: pullRequest.base.ref,
    defaultBranch: repository.default_branch,
  };
  const run = buildConfigCheckRun({
    target,
    result,
    mayUse: (channel) => params.mayUse(channel, owner),
  });
  await postConfigCheckRun({ octokit, owner, repo, run, where });
  log.info(
    {
      pullRequest: where,
      conclusion: run.body.conclusion,
      result: result.kind,
      updates: run.updates.length,
    },
    "posted the notifier config check run",
  );
  return "posted";
}

/**
 * Creates the check run with its first 50 annotations, then adds each further 50 with an
 * update, as GitHub takes no more per request.
 *
 * @example
 * await postConfigCheckRun({ octokit, owner: "acme", repo: "api", run: buildConfigCheckRun({ target, result }), where: "acme/api#7" })
 */
export async function postConfigCheckRun(params: {
  octokit: ConfigCheckClient;
  owner: string;
  repo: string;
  run: ConfigCheckRun;
  /** `owner/repo#number`, for messages. */
  where: string;
}): Promise<void> {
  const { octokit, owner, repo, run, where } = params;
  let checkRunId: number;
  try {
    const created = await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      owner,
      repo,
      ...run.body,
    });
    checkRunId = Number(created.data.id);
  } catch (error) {
    throw new ConfigCheckError({
      what: `post the config check run on ${where}`,
      status: statusOf(error),
      cause: error,
      permission: "Checks: write",
    });
  }
  for (const [index, update] of run.updates.entries()) {
    try {
      await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
        owner,
        repo,
        check_run_id: checkRunId,
        ...update,
      });
    } catch (error) {
      throw new ConfigCheckError({
        what: `add annotations ${(index + 1) * 50 + 1}–${(index + 1) * 50 + update.output.annotations.length} to the config check run on ${where}`,
        status: statusOf(error),
        cause: error,
        permission: "Checks: write",
      });
    }
  }
}

function isCheckedPullRequest(
  eventName: string,
  payload: unknown,
): payload is CheckedPullRequestEvent {
  if (eventName !== "pull_request" || typeof payload !== "object" || payload === null) return false;
  const { action, pull_request: pullRequest, repository } = payload as Record<string, unknown>;
  return (
    typeof action === "string" &&
    CHECKED_ACTIONS.includes(action) &&
    typeof pullRequest === "object" &&
    pullRequest !== null &&
    typeof repository === "object" &&
    repository !== null
  );
}

/**
 * How the pull request changes the config file. Stops paging once it is found. A rename away
 * from the path is a removal.
 */
async function configChange(params: {
  octokit: ConfigCheckClient;
  owner: string;
  repo: string;
  number: number;
  where: string;
}): Promise<"changed" | "removed" | "untouched"> {
  const { octokit, owner, repo, number } = params;
  try {
    const pages = octokit.paginate.iterator("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner,
      repo,
      pull_number: number,
      per_page: 100,
    });
    for await (const page of pages) {
      for (const file of page.data) {
        if (file.filename === CONFIG_PATH) return file.status === "removed" ? "removed" : "changed";
        if (file.previous_filename === CONFIG_PATH) return "removed";
      }
    }
    return "untouched";
  } catch (error) {
    throw new ConfigCheckError({
      what: `list the files of ${params.where}`,
      status: statusOf(error),
      cause: error,
      permission: "Pull requests: read",
    });
  }
}

/** The file's text at `sha`, or null when the commit has none there. */
async function readAtCommit(params: {
  octokit: ConfigCheckClient;
  owner: string;
  repo: string;
  sha: string;
  where: string;
}): Promise<string | null> {
  const { octokit, owner, repo, sha } = params;
  let data: unknown;
  try {
    const response = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner,
      repo,
      path: CONFIG_PATH,
      ref: sha,
      // Raw text, not base64 JSON.
      headers: { accept: "application/vnd.github.raw+json" },
    });
    data = response.data;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw new ConfigCheckError({
      what: `read ${CONFIG_PATH} at ${sha.slice(0, 7)} of ${params.where}`,
      status: statusOf(error),
      cause: error,
      permission: "Contents: read",
    });
  }
  // Null for a directory or link at that path: nothing routing would read as a file.
  return decodeContent(data);
}

/**
 * {@link checkConfigChange} for the worker: authenticates as the delivery's installation only
 * for pull request events the check applies to.
 *
 * @example
 * const checkChange = createConfigChecker({ auth: (id) => probot.auth(id), knownChannels: channels.names(), mayUse: channels.mayUse, log });
 * await checkChange({ installationId: 42, eventName: "pull_request", payload });
 */
export function createConfigChecker(params: {
  auth: (installationId: number) => Promise<ConfigCheckClient>;
  knownChannels: readonly string[];
  mayUse: (channel: string, owner: string) => boolean;
  log: Pick<Log, "info" | "debug">;
}): (delivery: {
  installationId: number | null;
  eventName: string;
  payload: unknown;
}) => Promise<"posted" | "not-applicable"> {
  return async ({ installationId, eventName, payload }) => {
    // Without an installation there is no token to read the pull request with.
    if (installationId === null || !isCheckedPullRequest(eventName, payload))
      return "not-applicable";
    return checkConfigChange({
      octokit: await params.auth(installationId),
      eventName,
      payload,
      knownChannels: params.knownChannels,
      mayUse: params.mayUse,
      log: params.log,
    });
  };
}

/**
 * {@link createConfigChecker} as the worker's `checkChange`: a check GitHub will never accept
 * (no permission, a 4xx other than 429) must not hold the pull request's notification back, so
 * it is logged and counted as not applicable; a transient GitHub failure throws, and the
 * delivery is retried, check included.
 *
 * @example
 * const checkChange = createConfigCheckStep({ auth, knownChannels: channels.names(), mayUse: channels.mayUse, log });
 */
export function createConfigCheckStep(params: {
  auth: (installationId: number) => Promise<ConfigCheckClient>;
  knownChannels: readonly string[];
  mayUse: (channel: string, owner: string) => boolean;
  log: Pick<Log, "info" | "debug" | "warn">;
}): (delivery: {
  installationId: number | null;
  eventName: string;
  payload: unknown;
}) => Promise<"posted" | "not-applicable"> {
  const checkConfig = createConfigChecker(params);
  return async (delivery) => {
    try {
      return await checkConfig(delivery);
    } catch (error) {
      if (
        error instanceof ConfigCheckError &&
        error.status !== null &&
        error.status < 500 &&
        error.status !== 429
      ) {
        params.log.warn({ err: error }, "config check on the pull request could not be posted");
        return "not-applicable";
      }
      throw error;
    }
  };
}
