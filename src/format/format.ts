/**
 * ActivityEvent -> Slack message: Block Kit with a plain fallback. Pure; every piece of user text
 * is escaped and held to Slack's limits.
 */
import type { KnownBlock } from "@slack/types";
import { PUSH_COMMITS_SHOWN, type ActivityEvent } from "../normalize/activity-event.js";
import { context, section } from "./blocks.js";
import { escapeWithin, fitMarkup, link, singleLine } from "./escape.js";
import { KIND_STYLES } from "./kind-style.js";
import type { FormatOptions } from "./mention.js";
import { headlineParts, PART_LENGTH, shortList, SHORT_SHA } from "./render-parts.js";
import type { SlackMessage } from "./slack-message.js";
import { SLACK_LIMITS } from "./slack-limits.js";

export { formatSummary } from "./format-summary.js";
export type { FormatOptions } from "./mention.js";

/** Lines of a body shown; a preview, not the whole description. */
const BODY_LINES = 8;
/** Escaped characters of a body shown. */
const BODY_LENGTH = 1500;
/** Labels listed before "and N more". */
const LABELS_SHOWN = 10;
/** Escaped characters of each commit message's first line shown under a push. */
const COMMIT_MESSAGE_LENGTH = 150;
/** A commit SHA, as it may be shown (and as nothing else). */
const HEX = /^[0-9a-f]{7,64}$/i;

/**
 * The Slack message announcing one event: a headline (who did what, where, with links), the
 * start of the body as a quote (a comment, an answer, a deployment's description...), a push's
 * first commits, and a context line (labels, branches, draft, bot, and each kind's own facts:
 * a run's conclusion and commit, a discussion's category, a scanning rule...).
 *
 * With `options.slackIdOf`, the person the event is about is a real mention, in the blocks and
 * the fallback text: the requested reviewer (a user, not a team) on a review request, the
 * assignee on an assignment, the pull request's author on a review. Nothing else is: user text
 * stays escaped, so a title saying `<@U123>` pings nobody.
 *
 * @example
 * format(normalize("issues", payload)!).text
 * // "Codertocat opened issue #1 Spelling error in the README file in Codertocat/Hello-World"
 * format(reviewRequested, { slackIdOf: (login) => people.lookup(login)?.slackId ?? null }).text
 * // "Codertocat asked <@U0123ABCD> to review pull request #2 Update the README ..."
 */
export function format(event: ActivityEvent, options?: FormatOptions): SlackMessage {
  const style = KIND_STYLES[event.kind];
  const blocks: KnownBlock[] = [
    section(
      `${style.emoji} ${style.headline(headlineParts({ event, rendering: "linked", options }))}`,
    ),
  ];
  const quote = bodyQuote(event.body);
  if (quote !== "") blocks.push(section(quote));
  const commits = commitList(event);
  if (commits !== "") blocks.push(section(commits));
  const details = detailLines(event);
  if (details.length > 0) blocks.push(context(details));
  return {
    text: fitMarkup(
      style.headline(headlineParts({ event, rendering: "plain", options })),
      SLACK_LIMITS.fallbackText,
    ),
    blocks,
  };
}

/** The body's first lines as a mrkdwn quote, or `""` when there is no body. */
function bodyQuote(body: string | null): string {
  if (body === null) return "";
  const cleaned = body
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/\r\n?/g, "\n")
    .replace(/[^\S\n]|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, " ")
    .trim();
  if (cleaned === "") return "";
  const lines = cleaned.split("\n");
  const shown = lines.slice(0, BODY_LINES).join("\n") + (lines.length > BODY_LINES ? "\n…" : "");
  return escapeWithin(shown, BODY_LENGTH)
    .split("\n")
    .map((line) => `>${line}`)
    .join("\n");
}

/**
 * A push's first commits, one line each (short SHA linked to the commit, then the first line of
 * its message), then `and N more`; `""` for other kinds.
 */
function commitList(event: ActivityEvent): string {
  if (event.kind !== "push.default_branch") return "";
  const commits = event.detail.commits ?? [];
  const lines = commits.slice(0, PUSH_COMMITS_SHOWN).map((commit) => {
    const sha = HEX.test(commit.sha) ? commit.sha.slice(0, SHORT_SHA) : "";
    const shaPart = sha === "" ? "" : `${link({ url: commit.url, label: sha })} `;
    return `• ${shaPart}${escapeWithin(singleLine(commit.message), COMMIT_MESSAGE_LENGTH)}`;
  });
  const more = (event.detail.commitCount ?? commits.length) - lines.length;
  if (more > 0) lines.push(`and ${more} more`);
  return lines.join("\n");
}

/** Labels, branches, draft and bot markers and each kind's own facts, each an escaped mrkdwn line. */
function detailLines(event: ActivityEvent): string[] {
  const lines: string[] = [...kindLines(event)];
  const labels = event.labels.map((label) => escapeWithin(singleLine(label), PART_LENGTH.label));
  if (labels.length > 0) lines.push(`:label: ${shortList({ names: labels, shown: LABELS_SHOWN })}`);
  if (event.headBranch !== null && event.baseBranch !== null) {
    const head = escapeWithin(singleLine(event.headBranch), PART_LENGTH.subject);
    const base = escapeWithin(singleLine(event.baseBranch), PART_LENGTH.subject);
    lines.push(`:twisted_rightwards_arrows: ${head} → ${base}`);
  }
  if (event.draft && event.kind !== "pull_request.opened") lines.push(":construction: Draft");
  if (event.actor.isBot) lines.push(":robot_face: Automated");
  return lines;
}

/**
 * What a kind has to say beyond its headline: who set CI or a deployment off and the
 * conclusion, a discussion's category, a push's pusher (when not the sender), a package's
 * manifest, a scanning rule, a secret's type.
 */
function kindLines(event: ActivityEvent): string[] {
  const { detail, kind } = event;
  const plain = (value: string, max: number = PART_LENGTH.subject) =>
    escapeWithin(singleLine(value), max);
  const by = `:bust_in_silhouette: ${plain(event.actor.login, PART_LENGTH.login)}`;
  switch (kind) {
    case "workflow_run.failed":
    case "workflow_run.fixed":
    case "workflow_run.succeeded":
    case "check_suite.failed": {
      const sha = detail.headSha !== undefined && HEX.test(detail.headSha) ? detail.headSha : "";
      return [
        by,
        ...(detail.conclusion === undefined
          ? []
          : [`:checkered_flag: ${plain(detail.conclusion)}`]),
        ...(sha === "" ? [] : [`:pushpin: ${sha.slice(0, SHORT_SHA)}`]),
      ];
    }
    case "deployment_status.success":
    case "deployment_status.failure":
      return [by];
    case "discussion.created":
    case "discussion.answered":
    case "discussion_comment.created":
      return detail.category === undefined
        ? []
        : [`:card_index_dividers: ${plain(detail.category)}`];
    case "push.default_branch":
      return detail.pusher === undefined ||
        detail.pusher.toLowerCase() === event.actor.login.toLowerCase()
        ? []
        : [`:bust_in_silhouette: Pushed by ${plain(detail.pusher, PART_LENGTH.login)}`];
    case "dependabot_alert.created":
      return detail.manifestPath === undefined
        ? []
        : [`:page_facing_up: ${plain(detail.manifestPath, PART_LENGTH.item)}`];
    case "code_scanning_alert.created":
      return detail.ruleId === undefined ? [] : [`:scroll: Rule ${plain(detail.ruleId)}`];
    default:
      return [];
  }
}
