/**
 * The parent message of an issue's or pull request's thread: what the item is, and its live
 * state (open, draft, merged or closed; CI; labels; requested reviewers; review verdicts;
 * assignees), edited in place as events arrive. Pure; escaped and held to Slack's limits with
 * the same helpers as every other message.
 */
import { section } from "../format/blocks.js";
import { escapeWithin, fitMarkup, singleLine } from "../format/escape.js";
import type { FormatOptions } from "../format/mention.js";
import { PART_LENGTH, personName, shortList, textOrLink } from "../format/render-parts.js";
import type { SlackMessage } from "../format/slack-message.js";
import { SLACK_LIMITS } from "../format/slack-limits.js";
import { pathSegment } from "../normalize/shared-fields.js";
import type { CiState, ItemState } from "./item-state.js";

/** Names listed on one line before "and N more". */
const NAMES_SHOWN = 10;
/** Room for one line of the state, so that all of them fit one section. */
const LINE_LENGTH = 450;

const TYPE_LOOK: Record<ItemState["type"], { emoji: string; noun: string }> = {
  issue: { emoji: ":memo:", noun: "Issue" },
  pull_request: { emoji: ":inbox_tray:", noun: "Pull request" },
};

const STATE_LOOK: Record<ItemState["state"], { emoji: string; word: string }> = {
  open: { emoji: ":large_green_circle:", word: "Open" },
  draft: { emoji: ":white_circle:", word: "Draft" },
  merged: { emoji: ":large_purple_circle:", word: "Merged" },
  closed: { emoji: ":red_circle:", word: "Closed" },
};

const CI_LOOK: Record<CiState, { emoji: string; words: string }> = {
  failing: { emoji: ":rotating_light:", words: "CI failing" },
  fixed: { emoji: ":green_heart:", words: "CI fixed, back to green" },
  passing: { emoji: ":heavy_check_mark:", words: "CI passing" },
};

/**
 * The parent of `state`'s thread: `blocks[0]` is the headline (type, `#number title` linked,
 * repository, author), `blocks[1]` the live state, one line each for the state, CI (failing,
 * fixed or passing, once a result arrived), labels,
 * requested reviewers (mentions where `options.slackIdOf` maps them; left out once the item is
 * merged or closed), approvals, change requests and assignees.
 *
 * @example
 * formatParent({ state, options: { slackIdOf } }).text
 * // "Pull request #2 Update the README with new information. in Codertocat/Hello-World by Codertocat: Merged"
 */
export function formatParent(params: { state: ItemState; options?: FormatOptions }): SlackMessage {
  const { state, options } = params;
  const type = TYPE_LOOK[state.type];
  const look = STATE_LOOK[state.state];
  const headline = `${type.emoji} *${itemPart({ state, linked: true })}*${originPart({ state, linked: true })}`;
  const ci = state.ci === undefined ? undefined : CI_LOOK[state.ci];
  const lines = [
    `${look.emoji} *${look.word}*`,
    ...(ci === undefined ? [] : [`${ci.emoji} ${ci.words}`]),
    ...detailLines({ state, options }),
  ];
  const text = `${type.noun} ${itemPart({ state, linked: false })}${originPart({ state, linked: false })}: ${look.word}${ci === undefined ? "" : `, ${ci.words}`}`;
  return {
    text: fitMarkup(text, SLACK_LIMITS.fallbackText),
    blocks: [
      section(headline),
      section(lines.map((line) => fitMarkup(line, LINE_LENGTH)).join("\n")),
    ],
  };
}

/** `#12 Title`, linked to the item in blocks. */
function itemPart(params: { state: ItemState; linked: boolean }): string {
  const { state, linked } = params;
  const title = singleLine(state.title) === "" ? "(untitled)" : state.title;
  return textOrLink({
    rendering: linked ? "linked" : "plain",
    url: state.url,
    label: `#${state.number} ${title}`,
    max: PART_LENGTH.item,
  });
}

/** ` in owner/name by author`, each linked in blocks. */
function originPart(params: { state: ItemState; linked: boolean }): string {
  const { state, linked } = params;
  const rendering = linked ? "linked" : "plain";
  const site = siteOf(state);
  const repo = textOrLink({
    rendering,
    url: `${site}/${state.repository}`,
    label: state.repository,
    max: PART_LENGTH.repo,
  });
  const author =
    state.author === null
      ? ""
      : ` by ${textOrLink({
          rendering,
          url: `${site}/${pathSegment(state.author)}`,
          label: state.author,
          max: PART_LENGTH.login,
        })}`;
  return ` in ${repo}${author}`;
}

/** Labels, requested reviewers, verdicts and assignees; lines with nothing to say left out. */
function detailLines(params: { state: ItemState; options: FormatOptions | undefined }): string[] {
  const { state, options } = params;
  const plain = (name: string, max: number = PART_LENGTH.login) =>
    escapeWithin(singleLine(name), max);
  const line = (prefix: string, names: string[]) =>
    names.length === 0 ? [] : [`${prefix} ${shortList({ names, shown: NAMES_SHOWN })}`];
  const settled = state.state === "merged" || state.state === "closed";
  const reviewers = settled
    ? []
    : [
        ...state.requestedReviewers.map((login) => personName({ login, options })),
        ...state.requestedTeams.map((team) => `${plain(team)} (team)`),
      ];
  const verdicts = Object.entries(state.reviews);
  const by = (verdict: string) =>
    verdicts.filter(([, given]) => given === verdict).map(([login]) => plain(login));
  return [
    ...line(
      ":label:",
      state.labels.map((label) => plain(label, PART_LENGTH.label)),
    ),
    ...line(":eyes: Review requested from", reviewers),
    ...line(":white_check_mark: Approved by", by("approved")),
    ...line(":warning: Changes requested by", by("changes_requested")),
    ...line(
      ":bust_in_silhouette: Assigned to",
      state.assignees.map((login) => plain(login)),
    ),
  ];
}

/**
 * The GitHub site the item lives on (`https://github.com`, or an Enterprise host), from its
 * link; github.com when the link says nothing usable.
 */
function siteOf(state: ItemState): string {
  try {
    const url = new URL(state.url);
    if (url.protocol === "https:" || url.protocol === "http:") return url.origin;
  } catch {
    // Not a URL: fall through.
  }
  return "https://github.com";
}
