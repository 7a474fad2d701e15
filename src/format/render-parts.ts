/**
 * Rendering the parts of an event shared by single messages and summaries, each escaped and
 * held to a length, linked in blocks and plain in the fallback text.
 */
import type { ActivityEvent } from "../normalize/activity-event.js";
import { escapeWithin, link, singleLine } from "./escape.js";
import type { HeadlineParts } from "./kind-style.js";
import { slackMention, type FormatOptions } from "./mention.js";

/** Room for each piece, chosen so that a headline with all its links stays under 3000 characters. */
export const PART_LENGTH = { login: 100, repo: 200, item: 500, subject: 100, label: 50 } as const;

/** Whether to render links (blocks) or plain escaped text (the fallback `text`). */
export type Rendering = "linked" | "plain";

/**
 * Escaped one-line text, linked to `url` when rendering blocks.
 *
 * @example
 * textOrLink({ rendering: "plain", url, label: "<b>", max: 10 }) // "&lt;b&gt;"
 */
export function textOrLink(params: {
  rendering: Rendering;
  url: string | null;
  label: string;
  max: number;
}): string {
  return params.rendering === "linked"
    ? link({ url: params.url, label: params.label, maxLabel: params.max })
    : escapeWithin(singleLine(params.label), params.max);
}

/**
 * What a headline links to, as plain text: `#12 Title` for issues, pull requests, comments,
 * discussions and alerts; the release title; `CI #36` for a workflow run; a check suite's short
 * commit SHA; a deployment's environment; `3 commits` for a push; `""` for kinds without one.
 *
 * @example
 * itemLabel(workflowRunFailed) // "CI #36"
 */
export function itemLabel(event: ActivityEvent): string {
  const { detail } = event;
  switch (event.kind) {
    case "star.created":
    case "watch.started":
    case "fork":
      return "";
    case "workflow_run.failed":
    case "workflow_run.fixed":
    case "workflow_run.succeeded": {
      const name = present(detail.workflowName) ?? "run";
      return detail.runNumber === undefined ? name : `${name} #${detail.runNumber}`;
    }
    case "check_suite.failed":
      return detail.headSha === undefined ? "" : detail.headSha.slice(0, SHORT_SHA);
    case "deployment_status.success":
    case "deployment_status.failure":
      return present(detail.environment) ?? "an environment";
    case "push.default_branch": {
      const commits = detail.commitCount ?? 0;
      return commits === 0 ? "" : `${commits} ${commits === 1 ? "commit" : "commits"}`;
    }
    default: {
      const title =
        event.title === null || singleLine(event.title) === "" ? "(untitled)" : event.title;
      return event.number === null ? title : `#${event.number} ${title}`;
    }
  }
}

/** Hex digits of a commit SHA shown, as GitHub shows them. */
export const SHORT_SHA = 7;

/** `value` unless it is missing or blank once on one line. */
function present(value: string | undefined): string | null {
  return value === undefined || singleLine(value) === "" ? null : value;
}

/**
 * Already-rendered names joined with commas, the first `shown` of them, then `and N more`.
 *
 * @example
 * shortList({ names: ["bug", "docs", "ui"], shown: 2 }) // "bug, docs and 1 more"
 */
export function shortList(params: { names: string[]; shown: number }): string {
  const { names, shown } = params;
  const more = names.length > shown ? ` and ${names.length - shown} more` : "";
  return `${names.slice(0, shown).join(", ")}${more}`;
}

/**
 * A person named in a message: their Slack mention when the operator mapped the login,
 * else the login as escaped text.
 *
 * @example
 * personName({ login: "octocat", options }) // "<@U0123ABCD>" or "octocat"
 */
export function personName(params: { login: string; options?: FormatOptions | undefined }): string {
  return slackMention(params) ?? escapeWithin(singleLine(params.login), PART_LENGTH.login);
}

/**
 * ` (now 1,204 stars)`, or `""` when the count is unknown.
 *
 * @example
 * starCount(1204) // " (now 1,204 stars)"
 */
export function starCount(stars: number | null): string {
  if (stars === null || !Number.isFinite(stars) || stars < 0) return "";
  return ` (now ${Math.trunc(stars).toLocaleString("en-US")} ${stars === 1 ? "star" : "stars"})`;
}

/**
 * Every piece of an event's headline, escaped and held to its length.
 *
 * @example
 * KIND_STYLES[event.kind].headline(headlineParts({ event, rendering: "linked" }))
 */
export function headlineParts(params: {
  event: ActivityEvent;
  rendering: Rendering;
  /** Mentions for the people the event is about; none without it. */
  options?: FormatOptions | undefined;
}): HeadlineParts {
  const { event, rendering, options } = params;
  const label = itemLabel(event);
  const tag = event.detail.tagName;
  const tagNote =
    event.kind === "release.published" && tag !== undefined && tag !== event.title
      ? ` (${escapeWithin(singleLine(tag), PART_LENGTH.subject)})`
      : "";
  return {
    actor: textOrLink({
      rendering,
      url: event.actor.url,
      label: event.actor.login,
      max: PART_LENGTH.login,
    }),
    repo: textOrLink({
      rendering,
      url: event.repository.url,
      label: event.repository.fullName,
      max: PART_LENGTH.repo,
    }),
    item:
      label === ""
        ? ""
        : `${textOrLink({ rendering, url: event.url, label, max: PART_LENGTH.item })}${tagNote}`,
    subject: subject({ event, rendering, options }),
    authorMention: event.kind.startsWith("pull_request_review.")
      ? (slackMention({ login: event.item?.author, options }) ?? "")
      : "",
    stars: event.kind === "star.created" ? starCount(event.repository.stars) : "",
    draft: event.draft,
    prerelease: event.detail.prerelease === true,
    notPlanned: event.detail.stateReason === "not_planned",
    branch: plainPart(event.headBranch, PART_LENGTH.subject),
    outcome: outcome(event),
    lateLabel:
      event.kind === "issues.opened" || event.kind === "pull_request.opened"
        ? plainPart(event.detail.lateLabel, PART_LENGTH.label)
        : "",
    severity: plainPart(event.detail.severity, PART_LENGTH.subject),
    forced: event.kind === "push.default_branch" && event.detail.forced === true,
  };
}

/** Words for the ways a run, suite or deployment can fail besides a plain `failure`. */
const OUTCOME_WORDS: Readonly<Record<string, string>> = {
  timed_out: "timed out",
  startup_failure: "startup failure",
  error: "error",
};

/** ` (timed out)` and the like after a failure that was not a plain one; `""` otherwise. */
function outcome(event: ActivityEvent): string {
  const said =
    event.kind === "workflow_run.failed" || event.kind === "check_suite.failed"
      ? event.detail.conclusion
      : event.kind === "deployment_status.failure"
        ? event.detail.deploymentState
        : undefined;
  if (said === undefined || said === "failure") return "";
  const word = Object.hasOwn(OUTCOME_WORDS, said) ? OUTCOME_WORDS[said] : undefined;
  const shown = word ?? escapeWithin(singleLine(said), PART_LENGTH.subject);
  return shown === "" ? "" : ` (${shown})`;
}

/** Escaped one-line text within `max`, or `""` when there is none. */
function plainPart(value: string | null | undefined, max: number): string {
  return value === null || value === undefined ? "" : escapeWithin(singleLine(value), max);
}

/** The untrusted text a kind's headline names beside its item, before escaping. */
function rawSubject(event: ActivityEvent): string | undefined {
  const { detail } = event;
  switch (event.kind) {
    case "issues.labeled":
    case "pull_request.labeled":
      return detail.label;
    case "issues.assigned":
    case "pull_request.assigned":
      return detail.assignee;
    case "pull_request.review_requested":
      return detail.requestedReviewer;
    case "check_suite.failed":
      return detail.appName;
    case "pull_request_review_comment.created":
      return detail.path;
    case "discussion.answered":
      return detail.answerAuthor;
    case "dependabot_alert.created":
      return detail.packageName === undefined
        ? undefined
        : detail.ecosystem === undefined
          ? detail.packageName
          : `${detail.packageName} (${detail.ecosystem})`;
    case "code_scanning_alert.created":
      return detail.toolName;
    default:
      return undefined;
  }
}

/**
 * The label added, the assignee, the reviewer, the new fork, the app whose checks failed, the
 * file commented on, the answer's author, the vulnerable package or the scanning tool. An assignee or a
 * requested reviewer (a user, not a team) the operator mapped is a mention.
 */
function subject(params: {
  event: ActivityEvent;
  rendering: Rendering;
  options: FormatOptions | undefined;
}): string {
  const { event, rendering, options } = params;
  const { detail } = event;
  const person =
    event.kind === "issues.assigned" || event.kind === "pull_request.assigned"
      ? detail.assignee
      : event.kind === "pull_request.review_requested" && detail.requestedReviewerIsTeam !== true
        ? detail.requestedReviewer
        : undefined;
  const mention = slackMention({ login: person, options });
  if (mention !== null) return mention;
  const raw = rawSubject(event);
  if (raw !== undefined) return escapeWithin(singleLine(raw), PART_LENGTH.subject);
  if (event.kind === "fork" && detail.forkFullName !== undefined) {
    return textOrLink({
      rendering,
      url: detail.forkUrl ?? null,
      label: detail.forkFullName,
      max: PART_LENGTH.repo,
    });
  }
  return "";
}
