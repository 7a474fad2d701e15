/**
 * A reminder's Slack message: the pull requests still waiting, grouped by repository, one line
 * each (link, author, how long, waiting for whom, approvals so far). Pure. Titles, logins, team
 * slugs and labels are strangers' text, escaped like every other message's; reviewers the
 * operator mapped are mentioned, the only mentions built. Lines are packed into as few sections
 * as Slack's limits allow, and whatever still does not fit is counted in a visible note.
 */
import type { KnownBlock } from "@slack/types";
import { context, section } from "../format/blocks.js";
import { escapeWithin, fitMarkup, link, singleLine } from "../format/escape.js";
import type { FormatOptions } from "../format/mention.js";
import { PART_LENGTH, personName, shortList } from "../format/render-parts.js";
import type { SlackMessage } from "../format/slack-message.js";
import { SLACK_LIMITS } from "../format/slack-limits.js";
import { pathSegment } from "../normalize/shared-fields.js";
import type { ReminderWaiting, WaitingPull } from "./types.js";

/** The pull requests of one repository, in the order they are listed. */
export interface ReminderGroup {
  /** `owner/name`. */
  repository: string;
  pulls: WaitingPull[];
}

/** Room for a pull request's `#N title` label: enough to recognise it, never a wall of text. */
const TITLE_LENGTH = 150;
/** Reviewers and approvers named on a line before "and N more". */
const NAMES_SHOWN = 5;
/** Blocks besides the sections of lines: the header and the closing context. */
const BLOCKS_BESIDES_LINES = 2;
const NOTHING_WAITING = "No pull requests are waiting for review.";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * A channel's reminder: the header, one heading per repository with its pull requests, then
 * "and N more" (`more`, plus any left out to fit Slack's limits) and the schedule. The header
 * says what the reminder lists: pull requests waiting for review, or (`waiting: any`) every
 * open one, reviewers requested or not.
 *
 * @example
 * formatChannelReminder({ groups: [{ repository: "acme/api", pulls }], more: 0, now, slackIdOf, schedule: "weekdays at 09:30" }).text
 * // "2 pull requests waiting for review: acme/api #12, #15"
 * @example
 * formatChannelReminder({ groups, more: 0, now, slackIdOf, waiting: "any" }).text
 * // "2 open pull requests: acme/api #12, #15"
 */
export function formatChannelReminder(params: {
  groups: readonly ReminderGroup[];
  /** Pull requests that matched but were not listed (past the reminder's `max`). */
  more: number;
  now: Date;
  /** Slack user id of a GitHub login, from the operator's people file; null when unmapped. */
  slackIdOf: (login: string) => string | null;
  /** The reminder's `at`, shown so readers know where the message comes from. */
  schedule?: string | undefined;
  /** The reminder's `waiting`: what its pull requests are; `review` when absent. */
  waiting?: ReminderWaiting | undefined;
}): SlackMessage {
  const { now, more } = params;
  const options: FormatOptions = { slackIdOf: params.slackIdOf };
  const groups = params.groups.filter((group) => group.pulls.length > 0);
  const total = countOf(groups) + Math.max(0, more);
  const across = groups.length > 1 ? ` in ${groups.length} repositories` : "";
  const any = params.waiting === "any";
  const headline = any
    ? plural(total, "open pull request")
    : `${pullRequests(total)} waiting for review`;
  return assemble({
    header: `:hourglass_flowing_sand: *${headline}*${across}`,
    headline,
    nothing: any ? "No pull requests are open." : NOTHING_WAITING,
    moreOf: any ? "open" : "waiting",
    groups,
    more,
    line: (pull) => pullLine({ pull, now, options, reader: null }),
    footer:
      params.schedule === undefined || singleLine(params.schedule) === ""
        ? null
        : `Reminder “${escapeWithin(singleLine(params.schedule), PART_LENGTH.subject)}”`,
  });
}

/**
 * A person's own reminder, sent as a direct message: the pull requests waiting for their review,
 * grouped by repository in the order given, then "and N more", each line saying who else is
 * requested. Mapped people (the author, the other reviewers) show as mentions: nobody else is in
 * a direct message, so they show as names and notify no one; the person is not named at all.
 *
 * @example
 * formatPersonalReminder({ login: "octocat", pulls, more: 0, now, slackIdOf }).text
 * // "1 pull request waiting for your review: acme/api #12"
 */
export function formatPersonalReminder(params: {
  login: string;
  pulls: readonly WaitingPull[];
  more: number;
  now: Date;
  slackIdOf: (login: string) => string | null;
}): SlackMessage {
  const { now, more } = params;
  const options: FormatOptions = { slackIdOf: params.slackIdOf };
  const groups = groupByRepository(params.pulls);
  const total = params.pulls.length + Math.max(0, more);
  const headline = `${pullRequests(total)} waiting for your review`;
  return assemble({
    header: `:eyes: *${headline}*`,
    headline,
    nothing: NOTHING_WAITING,
    moreOf: "waiting",
    groups,
    more,
    line: (pull) => pullLine({ pull, now, options, reader: params.login }),
    footer: null,
  });
}

/**
 * How long something has waited, in the largest unit that has passed: minutes under an hour,
 * hours under a day, then days.
 *
 * @example waitedFor(5 * 3_600_000) // "5 hours"
 * @example waitedFor(3 * 86_400_000 + 1) // "3 days"
 */
export function waitedFor(ms: number): string {
  if (ms < 60_000) return "less than a minute";
  if (ms < HOUR_MS) return plural(Math.floor(ms / 60_000), "minute");
  if (ms < DAY_MS) return plural(Math.floor(ms / HOUR_MS), "hour");
  return plural(Math.floor(ms / DAY_MS), "day");
}

/** The blocks and the fallback text of either reminder. */
function assemble(params: {
  header: string;
  /** The header as plain words, for the fallback text. */
  headline: string;
  /** The whole message when there is nothing to list. */
  nothing: string;
  /** What the pull requests left out are, in "…and N more waiting". */
  moreOf: "waiting" | "open";
  groups: readonly ReminderGroup[];
  more: number;
  line: (pull: WaitingPull) => string;
  /** Extra closing context (already escaped), or null. */
  footer: string | null;
}): SlackMessage {
  const { groups } = params;
  if (groups.length === 0 && params.more <= 0) {
    return { text: params.nothing, blocks: [section(params.nothing)] };
  }
  const packed = packSections({
    groups,
    line: params.line,
    maxSections: SLACK_LIMITS.blocks - BLOCKS_BESIDES_LINES,
  });
  const hidden = Math.max(0, params.more) + packed.leftOut;
  const closing = [
    hidden === 0
      ? ""
      : `…and ${hidden} more ${params.moreOf}` +
        (packed.leftOut === 0
          ? ""
          : ` (${packed.leftOut} left out to fit Slack's limits on a message's size)`),
    params.footer ?? "",
  ].filter((markup) => markup !== "");
  const blocks: KnownBlock[] = [section(params.header), ...packed.sections.map(section)];
  if (closing.length > 0) blocks.push(context(closing));
  return { text: fallbackText({ ...params, hidden }), blocks };
}

/**
 * Lines packed into as few sections as fit: a repository's heading starts with (and is never
 * parted from) its first pull request; sections past `maxSections` are left out and counted.
 */
function packSections(params: {
  groups: readonly ReminderGroup[];
  line: (pull: WaitingPull) => string;
  maxSections: number;
}): { sections: string[]; leftOut: number } {
  const sections: string[] = [];
  let current = "";
  let leftOut = 0;
  const limit = SLACK_LIMITS.sectionText;
  /** Adds one unit of text to the current section or a new one; false when no section is left. */
  const place = (unit: string, separator: string): boolean => {
    if (current !== "" && current.length + separator.length + unit.length <= limit) {
      current += separator + unit;
      return true;
    }
    if (current !== "") {
      if (sections.length + 1 >= params.maxSections) return false;
      sections.push(current);
    }
    current = unit;
    return true;
  };
  let full = false;
  for (const group of params.groups) {
    for (const [index, pull] of group.pulls.entries()) {
      if (full) {
        leftOut += 1;
        continue;
      }
      const line = params.line(pull);
      const placed =
        index === 0
          ? place(`${repositoryHeading(group.repository)}\n${line}`, "\n\n")
          : place(line, "\n");
      if (!placed) {
        full = true;
        leftOut += 1;
      }
    }
  }
  if (current !== "") sections.push(current);
  return { sections, leftOut };
}

/** `*<https://github.com/acme/api|acme/api>*`. */
function repositoryHeading(repository: string): string {
  const url = `https://github.com/${repository.split("/").map(pathSegment).join("/")}`;
  return `*${link({ url, label: repository, maxLabel: PART_LENGTH.repo })}*`;
}

/**
 * `• <url|#12 Fix the build> by alice · waiting 3 days · for <@U1>, @acme/api-team · approved by bob`;
 * in a person's own reminder `also waiting for` the other reviewers, and the author mentioned.
 */
function pullLine(params: {
  pull: WaitingPull;
  now: Date;
  options: FormatOptions;
  /** The login a direct message goes to, or null for a channel. */
  reader: string | null;
}): string {
  const { pull, now, options, reader } = params;
  // In a channel only reviewers are mentioned: authors are not asked to do anything.
  const author =
    pull.author === null
      ? ""
      : ` by ${reader === null ? plainName(pull.author) : personName({ login: pull.author, options })}`;
  const parts = [
    `• ${link({ url: pull.url, label: `#${pull.number} ${pull.title}`, maxLabel: TITLE_LENGTH })}${author}`,
    `waiting ${waitedFor(now.getTime() - pull.waitingSince.getTime())}`,
  ];
  const reviewers = [
    ...pull.requestedUsers
      .filter((login) => reader === null || login.toLowerCase() !== reader.toLowerCase())
      .map((login) => personName({ login, options })),
    ...pull.requestedTeams.map((slug) => `@${plainName(slug)}`),
  ];
  const named = shortList({ names: reviewers, shown: NAMES_SHOWN });
  if (reader === null) {
    parts.push(reviewers.length === 0 ? "no reviewer requested" : `for ${named}`);
  } else if (reviewers.length > 0) {
    parts.push(`also waiting for ${named}`);
  }
  if (pull.approvals.length > 0) {
    const approvers = pull.approvals.map(plainName);
    parts.push(`approved by ${shortList({ names: approvers, shown: NAMES_SHOWN })}`);
  }
  return parts.join(" · ");
}

/** `2 pull requests waiting for review: acme/api #12, #15; acme/web #3 and 4 more`. */
function fallbackText(params: {
  headline: string;
  groups: readonly ReminderGroup[];
  hidden: number;
}): string {
  const listed = params.groups
    .filter((group) => group.pulls.length > 0)
    .map(
      (group) =>
        `${escapeWithin(singleLine(group.repository), PART_LENGTH.repo)} ${group.pulls.map((pull) => `#${pull.number}`).join(", ")}`,
    );
  const more = params.hidden > 0 ? ` and ${params.hidden} more` : "";
  const body = listed.length === 0 ? "" : `: ${listed.join("; ")}${more}`;
  return fitMarkup(`${params.headline}${body}`, SLACK_LIMITS.fallbackText);
}

/** Pull requests grouped by repository (case-insensitive), groups in order of first appearance. */
function groupByRepository(pulls: readonly WaitingPull[]): ReminderGroup[] {
  const groups = new Map<string, ReminderGroup>();
  for (const pull of pulls) {
    const key = pull.repository.toLowerCase();
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { repository: pull.repository, pulls: [pull] });
    else group.pulls.push(pull);
  }
  return [...groups.values()];
}

/** A login or team slug as escaped text on one line. */
function plainName(name: string): string {
  return escapeWithin(singleLine(name), PART_LENGTH.login);
}

function countOf(groups: readonly ReminderGroup[]): number {
  return groups.reduce((sum, group) => sum + group.pulls.length, 0);
}

function pullRequests(count: number): string {
  return plural(count, "pull request");
}

function plural(count: number, noun: string): string {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}
