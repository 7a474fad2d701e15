/**
 * Block Kit builders that hold every message to Slack's limits. All text is mrkdwn with
 * `verbatim: true`, so Slack does not turn bare `@here`, `#channel` or URLs in user text into
 * mentions and links: only the links we build are links.
 */
import type { ContextBlock, MrkdwnElement, SectionBlock } from "@slack/types";
import { fitMarkup } from "./escape.js";
import { SLACK_LIMITS } from "./slack-limits.js";

/**
 * A section of assembled, already-escaped mrkdwn, cut to the section limit if it ever exceeds it.
 *
 * @example
 * section(":star: <https://github.com/octocat|octocat> starred ...")
 */
export function section(markup: string): SectionBlock {
  return { type: "section", text: mrkdwn(markup, SLACK_LIMITS.sectionText) };
}

/**
 * A context block of already-escaped mrkdwn lines (at most ten, each within its limit);
 * empty strings are left out.
 *
 * @example
 * context([":label: bug, docs", "feature → main"])
 */
export function context(markups: string[]): ContextBlock {
  return {
    type: "context",
    elements: markups
      .filter((markup) => markup !== "")
      .slice(0, SLACK_LIMITS.contextElements)
      .map((markup) => mrkdwn(markup, SLACK_LIMITS.contextText)),
  };
}

function mrkdwn(markup: string, max: number): MrkdwnElement {
  // Slack rejects empty text objects; a lone space is not empty.
  const text = fitMarkup(markup, max);
  return { type: "mrkdwn", text: text === "" ? " " : text, verbatim: true };
}
