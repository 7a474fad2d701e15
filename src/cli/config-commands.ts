/**
 * `notifier config validate` and `notifier preview`: check a config file, or show what a payload
 * would do. Both say, per channel, whether it threads and which replies it broadcasts; validate
 * also says what each reminder lists and when it next fires.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { readChannels, type ChannelKind, type ChannelRegistry } from "../settings/channels.js";
import { parseConfig } from "../repo-config/parse-config.js";
import { formatConfigError } from "../repo-config/config-error.js";
import { DEFAULT_CHANNEL, DEFAULT_CONFIG, DEFAULT_ROUTES } from "../repo-config/defaults.js";
import {
  DEFAULT_REMINDER_MAX,
  type NotifierConfig,
  type ReminderConfig,
} from "../repo-config/config-schema.js";
import type { ActivityEvent } from "../normalize/activity-event.js";
import { route, threadingOf, type ChannelTarget, type Threading } from "../route/route.js";
import { normalize, MalformedPayloadError } from "../normalize/normalize.js";
import { lateLabelTargets } from "../route/stateful-rules.js";
import { OPT_IN_EVENTS, optInEventOf } from "../repo-config/globs.js";
import { format } from "../format/format.js";
import { NO_PEOPLE, readPeopleFile, type PeopleDirectory } from "../settings/people.js";
import { directMessageFor } from "../threads/direct-messages.js";
import { DEFAULT_OLDER_THAN } from "../reminders/select.js";
import { nextOccurrence, parseSchedule } from "../shared/schedule.js";
import { wallTimeAt } from "../shared/zoned-time.js";
import { CliError, type CliIo } from "./io.js";

const DEFAULT_CONFIG_PATH = ".github/notifier.yml";

function readText(io: CliIo, path: string, what: string): string {
  try {
    return readFileSync(resolve(io.cwd, path), "utf8");
  } catch (error) {
    throw new CliError(
      `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/** Loads and validates a config file against the operator's channels; returns errors as lines. */
function loadConfig(
  io: CliIo,
  path: string,
  owner: string | null,
): { config: NotifierConfig | null; errors: string[]; channels: ChannelRegistry } {
  const channels = readChannels(io.env);
  const result = parseConfig({
    text: readText(io, path, "config file"),
    source: path,
    knownChannels: channels.names(),
    ...(owner ? { mayUse: (channel: string) => channels.mayUse(channel, owner) } : {}),
  });
  return result.ok
    ? { config: result.config, errors: [], channels }
    : { config: null, errors: result.errors.map(formatConfigError), channels };
}

/**
 * `notifier config validate [file] [--owner acme]`: prints every error (file, line, key), exit 1
 * on any; for a valid file, how each channel its routes name threads, and each reminder: where
 * it posts, what it lists and when it next fires after `now` (default: the real clock).
 *
 * @example
 * await validateCommand({ io, file: ".github/notifier.yml", owner: null }) // 0 when valid
 */
export async function validateCommand(params: {
  io: CliIo;
  file: string | undefined;
  owner: string | null;
  now?: Date;
}): Promise<number> {
  const { io } = params;
  const now = params.now ?? new Date();
  const file = params.file ?? DEFAULT_CONFIG_PATH;
  const { config, errors, channels } = loadConfig(io, file, params.owner);
  if (errors.length > 0 || !config) {
    for (const line of errors) io.stdout(`${line}\n`);
    io.stdout(`${errors.length} error${errors.length === 1 ? "" : "s"} in ${file}\n`);
    return 1;
  }
  const reminderCount =
    config.reminders === undefined ? "" : `, ${config.reminders.length} reminder(s)`;
  io.stdout(
    `${file} is valid: ${config.routes?.length ?? 0} route(s)${reminderCount}, default channel ${config.channel ?? "default"}\n`,
  );
  const lines = threadingByChannel({ config, kindOf: (name) => channels.get(name)?.kind });
  const inherited =
    config._extends === undefined
      ? ""
      : ` (keys this file leaves out are inherited from ${config._extends} when routing; not shown)`;
  if (lines.length > 0) io.stdout(`threads by channel${inherited}:\n${lines.join("\n")}\n`);
  if (config.reminders !== undefined && config.reminders.length > 0) {
    const described = config.reminders.map((reminder) =>
      describeReminder({ reminder, config, kindOf: (name) => channels.get(name)?.kind, now }),
    );
    io.stdout(`reminders:\n${described.join("\n")}\n`);
  } else if (config.reminders === undefined && config._extends !== undefined) {
    io.stdout(`reminders: none in this file; those of ${config._extends} apply (not shown)\n`);
  }
  return 0;
}

/**
 * One reminder of a valid config in three lines: channel and schedule, what it lists, when it
 * next fires (in its zone, and how far from `now`).
 *
 * @example
 * describeReminder({ reminder: { at: "weekdays at 09:30", channel: "eng" }, config: {}, kindOf: () => "bot", now })
 * // "- eng (bot channel): weekdays at 09:30, UTC\n  lists: …\n  next: Mon 2024-01-15 09:30 UTC (in 2d 23h)"
 */
function describeReminder(params: {
  reminder: ReminderConfig;
  config: NotifierConfig;
  kindOf: (channel: string) => ChannelKind | undefined;
  now: Date;
}): string {
  const { reminder, config, now } = params;
  const channel = reminder.channel ?? config.channel ?? DEFAULT_CHANNEL;
  const kind = params.kindOf(channel);
  const timeZone = reminder.timezone ?? "UTC";
  const parsed = parseSchedule(reminder.at);
  // A valid config's schedules parse; the check keeps the types honest.
  const next = parsed.ok
    ? describeFiring({
        at: nextOccurrence({ schedule: parsed.schedule, timeZone, after: now }),
        timeZone,
        now,
      })
    : "never (the schedule does not read)";
  return [
    `- ${channel} (${kind === undefined ? "unknown" : kind} channel): ${reminder.at}, ${timeZone}`,
    `  lists: ${describeSelection(reminder)}`,
    `  next: ${next}`,
  ].join("\n");
}

/**
 * What a reminder lists, in short: which pull requests, how old, and its filters. Shared with
 * `notifier reminders preview`, so both commands describe a reminder in the same words.
 *
 * @example
 * describeSelection({ at: "weekdays at 09:30", labels: ["needs-review"] })
 * // "open pull requests whose requested reviewers have not answered; waiting 1d or more; no drafts; labels needs-review; at most 20, oldest first"
 */
export function describeSelection(reminder: ReminderConfig): string {
  const olderThan = reminder.older_than ?? DEFAULT_OLDER_THAN;
  const parts = [
    reminder.waiting === "any"
      ? "every open pull request"
      : "open pull requests whose requested reviewers have not answered",
    olderThan === "0" ? "of any age" : `waiting ${olderThan} or more`,
    reminder.drafts === true ? "drafts included" : "no drafts",
  ];
  const filters: [string, string[] | undefined][] = [
    ["labels", reminder.labels],
    ["exclude_labels", reminder.exclude_labels],
    ["authors", reminder.authors],
    ["exclude_authors", reminder.exclude_authors],
    ["branches", reminder.branches],
  ];
  for (const [name, globs] of filters) {
    if (globs !== undefined && globs.length > 0) parts.push(`${name} ${globs.join(", ")}`);
  }
  parts.push(`at most ${reminder.max ?? DEFAULT_REMINDER_MAX}, oldest first`);
  return parts.join("; ");
}

const WEEKDAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

/**
 * The wall time a team reads, and how soon: shared with `notifier reminders preview`.
 *
 * @example
 * describeFiring({ at: new Date("2024-01-15T08:30:00Z"), timeZone: "Europe/Berlin", now: new Date("2024-01-12T09:00:00Z") })
 * // "Mon 2024-01-15 09:30 Europe/Berlin (in 2d 23h)"
 */
export function describeFiring(params: { at: Date; timeZone: string; now: Date }): string {
  const { at, timeZone, now } = params;
  const wall = wallTimeAt({ instant: at.getTime(), timeZone });
  const two = (n: number) => String(n).padStart(2, "0");
  const weekday =
    WEEKDAY_NAMES[new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay()];
  const minutes = Math.ceil((at.getTime() - now.getTime()) / 60_000);
  const units = [
    [Math.floor(minutes / 1440), "d"],
    [Math.floor((minutes % 1440) / 60), "h"],
    [minutes % 60, "m"],
  ] as const;
  const shown = units.filter(([count]) => count > 0).slice(0, 2);
  const soon =
    shown.length === 0 ? "now" : `in ${shown.map(([n, unit]) => `${n}${unit}`).join(" ")}`;
  return `${weekday} ${wall.year}-${two(wall.month)}-${two(wall.day)} ${two(wall.hour)}:${two(wall.minute)} ${timeZone} (${soon})`;
}

/**
 * `notifier preview --payload p.json --event issues [--config f]`: the route decision and the
 * Slack message that would be sent, without sending anything.
 */
export async function previewCommand(params: {
  io: CliIo;
  payloadFile: string;
  event: string;
  configFile: string | null;
}): Promise<number> {
  const { io } = params;
  let payload: unknown;
  try {
    payload = JSON.parse(readText(io, params.payloadFile, "payload file"));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `payload file ${params.payloadFile} is not JSON: ${(error as Error).message}`,
    );
  }
  let config = DEFAULT_CONFIG;
  let source = "the default routes (no --config)";
  let channels: ChannelRegistry | null = null;
  if (params.configFile) {
    const owner = ownerOf(payload);
    const loaded = loadConfig(io, params.configFile, owner);
    if (!loaded.config) {
      for (const line of loaded.errors) io.stderr(`${line}\n`);
      throw new CliError(
        `${params.configFile} is not valid; fix it first (notifier config validate)`,
        1,
      );
    }
    config = loaded.config;
    channels = loaded.channels;
    source = params.configFile;
  }
  channels ??= readChannels(io.env);

  let event;
  try {
    event = normalize(params.event, payload);
  } catch (error) {
    if (error instanceof MalformedPayloadError) {
      io.stdout(`skip: malformed payload: ${error.message}\n`);
      return 0;
    }
    throw error;
  }
  if (event === null) {
    io.stdout(`skip: not a notified event (${describeEvent(params.event, payload)})\n`);
    return 0;
  }
  const decision = route(event, config);
  io.stdout(
    `event: ${event.kind} on ${event.repository.fullName} by ${event.actor.login}\nconfig: ${source}\n`,
  );
  for (const note of statefulNotes({ event, config })) io.stdout(`note: ${note}\n`);
  if (decision.kind === "skip") {
    io.stdout(`skip: ${decision.reason}\n`);
    const optIn = optInEventOf(event.kind);
    if (optIn !== null && decision.reason.startsWith("no route matched")) {
      io.stdout(
        `security alerts go to a channel only when a route names them: add a route with on: [${optIn}.*] (or ${event.kind}) and a channel; \`*\` and the default routes never send them (${OPT_IN_EVENTS.join(", ")})\n`,
      );
    }
    return 0;
  }
  const registry = channels;
  const delivery = decision.targets.map(
    (target) =>
      `- ${target.channel}: ${describeDelivery({ event, target, kind: registry.get(target.channel)?.kind })}`,
  );
  const people = previewPeople(io);
  const direct = registry.dm() === null ? null : directMessageFor({ event, people });
  const message = format(event, { slackIdOf: (login) => people.lookup(login)?.slackId ?? null });
  io.stdout(
    `send to: ${decision.channels.join(", ")}\n${delivery.join("\n")}\n${
      direct === null
        ? ""
        : `direct message: ${direct.login} (${direct.slackId}), whatever the routes say\n`
    }message:\n${JSON.stringify(message, null, 2)}\n`,
  );
  return 0;
}

/**
 * The operator's people file (`SLACK_PEOPLE_FILE`), as the app reads it: mentions and DMs in the
 * preview. A bad file is a SettingsError naming the file and line, which the CLI prints.
 */
function previewPeople(io: CliIo): PeopleDirectory {
  const file = io.env.SLACK_PEOPLE_FILE?.trim();
  return file ? readPeopleFile(resolve(io.cwd, file)) : NO_PEOPLE;
}

/**
 * What the worker's two stateful rules would add to this preview, which keeps no state: a
 * success is "fixed" when the last run failed, and a label can send the item to a label route.
 *
 * @example statefulNotes({ event: succeededRun, config }) // ["workflow_run.succeeded is announced as workflow_run.fixed ..."]
 */
function statefulNotes(params: { event: ActivityEvent; config: NotifierConfig }): string[] {
  const { event, config } = params;
  const notes: string[] = [];
  if (event.kind === "workflow_run.succeeded") {
    notes.push(
      `workflow_run.succeeded is announced as workflow_run.fixed when the previous completed run of this workflow on ${event.headBranch ?? "its branch"} failed (the worker keeps the last conclusion; this preview cannot know, and routes it as succeeded)`,
    );
  }
  const late = lateLabelTargets({ event, config });
  if (late !== null) {
    const routes = late.routes.map((r) => `route ${r.index + 1} (${r.channel})`).join(", ");
    notes.push(
      `the label "${late.event.detail.lateLabel ?? ""}" also sends #${late.event.number ?? "?"} as ${late.event.kind} ("now labelled") to ${routes}, unless it was sent there before (when opened, or for an earlier label)`,
    );
  }
  return notes;
}

/**
 * How one channel of a valid config threads, a line per channel its routes name, sorted. When
 * the routes to one channel disagree, the route that wins the channel for an event decides (a
 * route without a digest, then the first), so each route's setting is listed.
 *
 * @example
 * threadingByChannel({ config: { routes: [{ on: ["pull_request.*"], channel: "eng", thread: false }] }, kindOf: () => "bot" })
 * // ["- eng (bot channel): every event is a top-level message (thread: false)"]
 */
function threadingByChannel(params: {
  config: NotifierConfig;
  kindOf: (channel: string) => ChannelKind | undefined;
}): string[] {
  const { config } = params;
  const byChannel = new Map<string, { index: number; threading: Threading }[]>();
  (config.routes ?? DEFAULT_ROUTES).forEach((entry, index) => {
    const channel = entry.channel ?? config.channel ?? DEFAULT_CHANNEL;
    const threading = threadingOf({ route: entry, config });
    byChannel.set(channel, [...(byChannel.get(channel) ?? []), { index, threading }]);
  });
  return [...byChannel]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([channel, entries]) => {
      const kind = params.kindOf(channel);
      const head = `- ${channel} (${kind === undefined ? "unknown" : kind} channel): `;
      const described = entries.map(({ index, threading }) => ({
        index,
        text: describeThreading({ kind, threading }),
      }));
      const texts = new Set(described.map(({ text }) => text));
      if (texts.size === 1) return head + [...texts][0];
      return [
        `${head}depends on the route that wins the channel for an event (one without a digest, then the first):`,
        ...described.map(({ index, text }) => `  - route ${index + 1}: ${text}`),
      ].join("\n");
    });
}

/** What a channel of `kind` does with `thread` and `broadcast`. */
function describeThreading(params: {
  kind: ChannelKind | undefined;
  threading: Threading;
}): string {
  const { kind, threading } = params;
  if (kind === "webhook") {
    return "every event is a top-level message (webhook channels cannot thread; thread and broadcast do not apply)";
  }
  if (kind === "log" || kind === "dm") return "log only: nothing is posted to Slack";
  if (!threading.thread) return "every event is a top-level message (thread: false)";
  const shown =
    threading.broadcast.length === 0
      ? "no reply is shown in the channel (broadcast: [])"
      : `replies also shown in the channel: ${threading.broadcast.join(", ")}`;
  return `threads each issue and pull request under one parent message; ${shown}`;
}

/** What one target does with this event: a top-level message, a thread reply, a broadcast reply. */
function describeDelivery(params: {
  event: ActivityEvent;
  target: ChannelTarget;
  kind: ChannelKind | undefined;
}): string {
  const { event, target, kind } = params;
  const channel = `${kind === undefined ? "unknown" : kind} channel`;
  if (kind === "log" || kind === "dm") return `${channel}, log only: nothing is posted to Slack`;
  if (target.digest !== null) {
    return `${channel}, in a digest (${target.digest}); digests are top-level messages`;
  }
  if (kind === "webhook") {
    return `${channel}, a top-level message (webhook channels cannot thread)`;
  }
  if (!target.thread) return `${channel}, a top-level message (thread: false)`;
  if (event.item === null) {
    return `${channel}, a top-level message (${event.kind} is not about an issue or pull request, so it has no thread)`;
  }
  const item = `${event.item.type === "issue" ? "issue" : "pull request"} #${event.item.number}`;
  const broadcast = target.broadcast.includes(event.kind)
    ? `also shown in the channel (${event.kind} is in broadcast)`
    : `not shown in the channel (broadcast: ${target.broadcast.length === 0 ? "[]" : target.broadcast.join(", ")})`;
  return `${channel}, threaded under ${item}'s parent message (the first message about it starts the thread); as a reply, ${broadcast}`;
}

function ownerOf(payload: unknown): string | null {
  const repository = (payload as { repository?: { owner?: { login?: unknown } } } | null)
    ?.repository;
  const login = repository?.owner?.login;
  return typeof login === "string" ? login : null;
}

function describeEvent(event: string, payload: unknown): string {
  const action = (payload as { action?: unknown } | null)?.action;
  return typeof action === "string" ? `${event}.${action}` : event;
}
