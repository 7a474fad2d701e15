/**
 * Many events -> one Slack message: counts per kind and repository, who did it, and links to the
 * first few items. Used when a channel's queue bursts and for digests.
 */
import type { KnownBlock } from "@slack/types";
import type {
  ActivityEvent,
  ActivityKind,
  ActivityRepository,
} from "../normalize/activity-event.js";
import { context, section } from "./blocks.js";
import { escapeWithin, fitMarkup, singleLine } from "./escape.js";
import { KIND_STYLES } from "./kind-style.js";
import { itemLabel, PART_LENGTH, starCount, textOrLink, type Rendering } from "./render-parts.js";
import type { SlackMessage } from "./slack-message.js";
import { SLACK_LIMITS } from "./slack-limits.js";

/** Actors named before "and N others". */
const ACTORS_NAMED = 2;
/** Items linked per group before "and N more". */
const ITEMS_LINKED = 3;
/** Blocks kept free after the groups: the "not shown" note and the channel footer. */
const BLOCKS_AFTER_GROUPS = 2;

interface Group {
  kind: ActivityKind;
  /** As of the group's latest event, so a star count is the newest. */
  repository: ActivityRepository;
  events: ActivityEvent[];
}

/**
 * One message summarising `events` for the operator channel `channel`.
 *
 * @example
 * formatSummary({ channel: "eng", events }).text
 * // "14 GitHub updates: 12 new stars on acme/api from @a, @b and 10 others; 2 pull requests merged in acme/web from @c"
 */
export function formatSummary(params: { channel: string; events: ActivityEvent[] }): SlackMessage {
  const { events } = params;
  if (events.length === 0) {
    const nothing = "No new GitHub activity.";
    return { text: nothing, blocks: [section(nothing)] };
  }
  const groups = groupByKindAndRepository(events);
  const repositories = new Set(events.map((event) => event.repository.fullName)).size;
  const count = `${events.length} GitHub ${events.length === 1 ? "update" : "updates"}`;
  const across = repositories === 1 ? "" : ` across ${repositories} repositories`;

  const blocks: KnownBlock[] = [section(`:newspaper: *${count}*${across}`)];
  let shown = 0;
  for (const group of groups) {
    const groupBlocks = groupBlocksOf(group);
    if (blocks.length + groupBlocks.length + BLOCKS_AFTER_GROUPS > SLACK_LIMITS.blocks) break;
    blocks.push(...groupBlocks);
    shown += 1;
  }
  const hidden = groups.slice(shown);
  if (hidden.length > 0) {
    const hiddenEvents = hidden.reduce((sum, group) => sum + group.events.length, 0);
    blocks.push(context([`…and ${hiddenEvents} more in ${hidden.length} other groups not shown`]));
  }
  const channel = escapeWithin(singleLine(params.channel), PART_LENGTH.repo);
  if (channel !== "") blocks.push(context([`Summary for the “${channel}” channel`]));

  const lines = groups.map((group) => groupLine({ group, rendering: "plain" }));
  return {
    text: fitMarkup(`${count}: ${lines.join("; ")}`, SLACK_LIMITS.fallbackText),
    blocks,
  };
}

/** Groups in order of size, then of first appearance. */
function groupByKindAndRepository(events: ActivityEvent[]): Group[] {
  const groups = new Map<string, Group>();
  for (const event of events) {
    const key = JSON.stringify([event.kind, event.repository.fullName]);
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, { kind: event.kind, repository: event.repository, events: [event] });
    } else {
      group.events.push(event);
      group.repository = event.repository;
    }
  }
  // Array#sort is stable, so equal sizes keep their first-appearance order.
  return [...groups.values()].sort((a, b) => b.events.length - a.events.length);
}

function groupBlocksOf(group: Group): KnownBlock[] {
  const headline = section(
    `${KIND_STYLES[group.kind].emoji} ${groupLine({ group, rendering: "linked" })}`,
  );
  const links = itemLinks(group);
  return links.length === 0 ? [headline] : [headline, context(links)];
}

/** `12 new stars on acme/api from @a, @b and 10 others (now 1,204 stars)`. */
function groupLine(params: { group: Group; rendering: Rendering }): string {
  const { group, rendering } = params;
  const { summary } = KIND_STYLES[group.kind];
  const size = group.events.length;
  const noun = `${size} ${size === 1 ? summary.one : summary.many}`;
  const repo = textOrLink({
    rendering,
    url: group.repository.url,
    label: group.repository.fullName,
    max: PART_LENGTH.repo,
  });
  const stars = group.kind === "star.created" ? starCount(group.repository.stars) : "";
  const bold = rendering === "linked" ? `*${noun}*` : noun;
  return `${bold} ${summary.preposition} ${repo} from ${actorList(group.events)}${stars}`;
}

/** `@a`, `@a and @b`, `@a, @b and @c`, `@a, @b and 10 others`. */
function actorList(events: ActivityEvent[]): string {
  const logins = [...new Set(events.map((event) => event.actor.login))].map(
    (login) => `@${escapeWithin(singleLine(login), PART_LENGTH.login)}`,
  );
  if (logins.length <= ACTORS_NAMED + 1) {
    return logins.length === 1
      ? (logins[0] ?? "")
      : `${logins.slice(0, -1).join(", ")} and ${logins.at(-1) ?? ""}`;
  }
  const others = logins.length - ACTORS_NAMED;
  return `${logins.slice(0, ACTORS_NAMED).join(", ")} and ${others} others`;
}

/** Links to the first few distinct items (or forks) of a group, one context element each. */
function itemLinks(group: Group): string[] {
  const targets = new Map<string, string>();
  for (const event of group.events) {
    const label = event.kind === "fork" ? (event.detail.forkFullName ?? "") : itemLabel(event);
    if (label !== "" && !targets.has(event.url)) targets.set(event.url, label);
  }
  const links = [...targets]
    .slice(0, ITEMS_LINKED)
    .map(([url, label]) => textOrLink({ rendering: "linked", url, label, max: PART_LENGTH.item }))
    // A label of only blanks renders as nothing; a context block with no element is refused by Slack.
    .filter((link) => link !== "");
  const more = targets.size - ITEMS_LINKED;
  return more > 0 ? [...links, `and ${more} more`] : links;
}
