/**
 * `workflow_run` and `check_suite` deliveries: finished CI. Only failures and successes of
 * workflow runs are announced, and only failures of check suites from apps other than GitHub
 * Actions (whose failures arrive as workflow runs already, so one failure is told once).
 */
import type { CheckSuiteCompletedEvent, WorkflowRunCompletedEvent } from "@octokit/webhooks-types";
import {
  PULL_REQUEST_NUMBERS_MAX,
  type ActivityDetail,
  type ActivityEvent,
} from "./activity-event.js";
import {
  baseEvent,
  issueNumber,
  nonEmpty,
  readActor,
  readRepository,
  readTitle,
  required,
  type PayloadSource,
} from "./shared-fields.js";
import { child, count, items, text, type Untrusted } from "./untrusted.js";

/** Conclusions that mean the run or suite failed; `cancelled`, `skipped`, `neutral`, `action_required` and `stale` do not. */
const FAILED_CONCLUSIONS: ReadonlySet<string> = new Set([
  "failure",
  "timed_out",
  "startup_failure",
]);
/** The slug of GitHub Actions' own app, whose check suites are announced as workflow runs. */
const GITHUB_ACTIONS_SLUG = "github-actions";
/** A commit SHA as GitHub writes it. */
const SHA = /^[0-9a-f]{7,64}$/i;

type WorkflowRunPayload = Untrusted<WorkflowRunCompletedEvent>;
type CheckSuitePayload = Untrusted<CheckSuiteCompletedEvent>;

/**
 * A completed workflow run as `workflow_run.failed` or `workflow_run.succeeded` (routing turns a
 * success after a failure into `workflow_run.fixed`); `null` for a run that is not completed or
 * ended otherwise (cancelled, skipped, neutral, action required, stale).
 *
 * @example
 * normalizeWorkflowRun({ payload })?.detail // { workflowName: "CI", runNumber: 36, conclusion: "failure", ... }
 */
export function normalizeWorkflowRun(params: {
  payload: WorkflowRunPayload;
}): ActivityEvent | null {
  const { payload } = params;
  const event = "workflow_run.completed";
  const run = required(child(payload, "workflow_run"), { event, missing: "workflow_run" });
  const status = text(run, "status");
  const conclusion = nonEmpty(text(run, "conclusion"));
  if ((status !== null && status !== "completed") || conclusion === null) return null;
  const kind = FAILED_CONCLUSIONS.has(conclusion)
    ? "workflow_run.failed"
    : conclusion === "success"
      ? "workflow_run.succeeded"
      : null;
  if (kind === null) return null;
  const source: PayloadSource<WorkflowRunCompletedEvent> = { event, payload };
  const repository = readRepository(source);
  const actor = readActor(source);
  const workflowName =
    nonEmpty(text(run, "name")) ?? nonEmpty(text(child(payload, "workflow"), "name"));
  const workflowId = count(run, "workflow_id");
  const runNumber = issueNumber(count(run, "run_number"));
  const runAttempt = issueNumber(count(run, "run_attempt"));
  const detail: ActivityDetail = {
    ...(workflowName === null ? {} : { workflowName: readTitle(workflowName) }),
    ...(workflowId === null || !Number.isSafeInteger(workflowId) ? {} : { workflowId }),
    ...(runNumber === null ? {} : { runNumber }),
    ...(runAttempt === null ? {} : { runAttempt }),
    conclusion,
    ...shaAndPullRequests(run),
  };
  return {
    ...baseEvent({ kind, repository, actor, url: nonEmpty(text(run, "html_url")) }),
    title: workflowName === null ? null : readTitle(workflowName),
    headBranch: ownHeadBranch({ payload, parent: run }),
    detail,
  };
}

/**
 * A completed check suite that failed, from an app other than GitHub Actions, as
 * `check_suite.failed`; `null` for anything else. Its link is the commit's checks page.
 *
 * @example
 * normalizeCheckSuite({ payload })?.detail.appName // "octocoders-linter"
 */
export function normalizeCheckSuite(params: { payload: CheckSuitePayload }): ActivityEvent | null {
  const { payload } = params;
  const event = "check_suite.completed";
  const suite = required(child(payload, "check_suite"), { event, missing: "check_suite" });
  const conclusion = nonEmpty(text(suite, "conclusion"));
  if (conclusion === null || !FAILED_CONCLUSIONS.has(conclusion)) return null;
  const app = child(suite, "app");
  if (text(app, "slug") === GITHUB_ACTIONS_SLUG) return null;
  const source: PayloadSource<CheckSuiteCompletedEvent> = { event, payload };
  const repository = readRepository(source);
  const actor = readActor(source);
  const appName = nonEmpty(text(app, "name")) ?? nonEmpty(text(app, "slug"));
  const found = shaAndPullRequests(suite);
  return {
    ...baseEvent({
      kind: "check_suite.failed",
      repository,
      actor,
      url: found.headSha === undefined ? null : `${repository.url}/commit/${found.headSha}/checks`,
    }),
    headBranch: ownHeadBranch({ payload, parent: suite }),
    detail: {
      ...(appName === null ? {} : { appName: readTitle(appName) }),
      conclusion,
      ...found,
    },
  };
}

/**
 * The head branch of a run or suite, or null when its head repository is another one (a fork's
 * pull request): its `main` is the fork's, so neither a `branches` filter, the default branch
 * nor the CI history of this repository's branches may take it. A payload naming no head
 * repository (check suites do not) is taken as this repository's.
 */
function ownHeadBranch(params: {
  payload: Untrusted<{ repository: { id: number } }>;
  parent: Untrusted<{ head_branch: string | null; head_repository?: { id: number } | null }>;
}): string | null {
  const headId = count(child(params.parent, "head_repository"), "id");
  const ownId = count(child(params.payload, "repository"), "id");
  if (headId !== null && ownId !== null && headId !== ownId) return null;
  return nonEmpty(text(params.parent, "head_branch"));
}

/** The head SHA (when it looks like one) and the pull requests' numbers of a run or suite. */
function shaAndPullRequests(
  parent: Untrusted<{
    head_sha: string;
    pull_requests: { number: number }[];
  }>,
): Pick<ActivityDetail, "headSha" | "pullRequestNumbers"> {
  const sha = text(parent, "head_sha");
  const numbers = items(parent, "pull_requests").flatMap((pullRequest) => {
    const number = issueNumber(count(pullRequest, "number"));
    return number === null ? [] : [number];
  });
  return {
    ...(sha !== null && SHA.test(sha) ? { headSha: sha.toLowerCase() } : {}),
    pullRequestNumbers: [...new Set(numbers)].slice(0, PULL_REQUEST_NUMBERS_MAX),
  };
}
