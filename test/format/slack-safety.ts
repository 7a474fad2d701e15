/**
 * An independent check of a formatted message: within Slack's limits, and no `<`, `>` or `&`
 * that is not ours: only links `<http(s)://...|label>` we built, mentions of the users a test
 * allows, `>` quote markers at line starts, and the three entities.
 */
import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../../src/format/slack-message.js";
import { isWellFormed } from "./hostile-text.js";

const OUR_LINK = /<(https?:\/\/[^\s<>|]+)\|([^<>]*)>/g;

/**
 * Every way `message` breaks the rules; `[]` when it is safe to post.
 *
 * @example
 * expect(slackProblems(format(event))).toEqual([]);
 */
export function slackProblems(
  message: SlackMessage,
  options: {
    wellFormedInput?: boolean;
    /** Slack user ids a message may mention (`<@U…>`); any other `<@`, and all `<!`, are problems. */
    mentions?: string[];
  } = {},
): string[] {
  const problems: string[] = [];
  const allowed = new Set((options.mentions ?? []).map((id) => `<@${id}>`));
  const check = (where: string, text: string, max: number) => {
    if (text.trim().length === 0) problems.push(`${where}: empty text`);
    if (text.length > max) problems.push(`${where}: ${text.length} characters, limit ${max}`);
    const withoutMentions = text.replace(/<@[A-Z0-9]+>/g, (mention) =>
      allowed.has(mention) ? "" : mention,
    );
    problems.push(...markupProblems(withoutMentions).map((problem) => `${where}: ${problem}`));
    if (options.wellFormedInput === true && !isWellFormed(text)) {
      problems.push(`${where}: a cut left a lone surrogate`);
    }
  };
  check("text", message.text, 4000);
  if (message.blocks.length === 0) problems.push("no blocks");
  if (message.blocks.length > 50) problems.push(`${message.blocks.length} blocks, limit 50`);
  message.blocks.forEach((block: KnownBlock, index) => {
    const where = `blocks[${index}]`;
    if (block.type === "section") {
      if (block.text?.type !== "mrkdwn" || block.text.verbatim !== true) {
        problems.push(`${where}: text is not verbatim mrkdwn`);
      }
      check(where, block.text?.text ?? "", 3000);
    } else if (block.type === "context") {
      if (block.elements.length === 0 || block.elements.length > 10) {
        problems.push(`${where}: ${block.elements.length} elements`);
      }
      block.elements.forEach((element, at) => {
        if (element.type !== "mrkdwn" || element.verbatim !== true) {
          problems.push(`${where}.elements[${at}]: not verbatim mrkdwn`);
        } else {
          check(`${where}.elements[${at}]`, element.text, 2000);
        }
      });
    } else {
      problems.push(`${where}: unexpected ${block.type} block`);
    }
  });
  return problems;
}

function markupProblems(text: string): string[] {
  const problems: string[] = [];
  for (const [, url] of text.matchAll(OUR_LINK)) {
    if (url !== undefined && url.length > 500) problems.push(`link of ${url.length} characters`);
  }
  const withoutLinks = text.replace(OUR_LINK, (_, _url: string, label: string) => label);
  if (withoutLinks.includes("<")) {
    problems.push(`unescaped "<" near ${JSON.stringify(around(withoutLinks, "<"))}`);
  }
  const withoutQuotes = withoutLinks.replace(/^>/gm, "");
  if (withoutQuotes.includes(">")) {
    problems.push(`unescaped ">" near ${JSON.stringify(around(withoutQuotes, ">"))}`);
  }
  if (/&(?!amp;|lt;|gt;)/.test(text)) {
    problems.push(
      `unescaped "&" near ${JSON.stringify(around(text.replace(/&(amp|lt|gt);/g, ""), "&"))}`,
    );
  }
  return problems;
}

function around(text: string, needle: string): string {
  const at = text.indexOf(needle);
  return text.slice(Math.max(0, at - 20), at + 20);
}
