/**
 * Which reminders exist and when each runs, from what the scheduler knows: the config of every
 * repository it found (grouped, so a reminder many repositories inherit is one list) and the
 * operator's people file. Also the reminder run a due reminder is stored as, and its id, which is
 * what makes several instances post it once. Pure: the caller passes the time.
 */
import { createHash } from "node:crypto";
import type { NotifierConfig, ReminderConfig } from "../repo-config/config-schema.js";
import { DEFAULT_CHANNEL } from "../repo-config/defaults.js";
import { quietWindowAt, type QuietHours } from "../shared/quiet-hours.js";
import { occurrencesBetween, parseSchedule, type Schedule } from "../shared/schedule.js";

/** A reminder is posted when it is less late than this (a restart, a slow routing), else skipped. */
export const LATE_LIMIT_MS = 60 * 60 * 1000;

const UTC = "UTC";

/** A repository the scheduler found, with the config in effect for it. */
export interface RepositoryConfig {
  installationId: number;
  /** `owner/name`. */
  repository: string;
  config: NotifierConfig;
}

/** What quiet hours do to a reminder due inside them: posted when they end, or skipped. */
export interface ReminderQuiet {
  quietHours: QuietHours;
  action: "hold" | "drop";
}

/**
 * A repository reminder: one per installation and reminder (with its channel and quiet hours),
 * whatever number of repositories use it, so a reminder a shared file gives many repositories
 * posts one list.
 */
export interface ChannelReminder {
  kind: "channel";
  /** Names the reminder: a hash of the installation and everything that shapes its message. */
  key: string;
  /** Names its runs: see {@link slotsOf}. */
  slot: string;
  installationId: number;
  /** The operator's channel it posts to (the reminder's, else the config's, else `default`). */
  channel: string;
  reminder: ReminderConfig;
  /** `owner/name` of every repository that uses it, sorted. */
  repositories: string[];
  schedule: Schedule;
  timeZone: string;
  quiet: ReminderQuiet | null;
}

/** A person's reminder from the people file: a direct message of what waits for their review. */
export interface PersonReminder {
  kind: "person";
  key: string;
  /** Names its runs: the person (one reminder each), so an edit of the schedule keeps it. */
  slot: string;
  /** GitHub login as the people file writes it. */
  login: string;
  schedule: Schedule;
  timeZone: string;
}

export type KnownReminder = ChannelReminder | PersonReminder;

/**
 * The repository reminders in these configs, grouped by installation and content. A reminder
 * whose schedule does not parse (config validation keeps those out) is left out.
 *
 * @example
 * channelReminders([{ installationId: 1, repository: "acme/api", config }, { installationId: 1, repository: "acme/web", config }])
 * // [{ kind: "channel", repositories: ["acme/api", "acme/web"], ... }] when both inherit one reminder
 */
export function channelReminders(found: readonly RepositoryConfig[]): ChannelReminder[] {
  const byKey = new Map<string, ChannelReminder>();
  for (const { installationId, repository, config } of found) {
    for (const reminder of config.reminders ?? []) {
      const parsed = parseSchedule(reminder.at);
      if (!parsed.ok) continue;
      const channel = reminder.channel ?? config.channel ?? DEFAULT_CHANNEL;
      const timeZone = reminder.timezone ?? UTC;
      const quiet = quietOf({ config, timeZone });
      const key = hashOf({ installationId, channel, reminder, quiet });
      const known = byKey.get(key);
      if (known !== undefined) {
        if (!known.repositories.includes(repository)) known.repositories.push(repository);
        continue;
      }
      byKey.set(key, {
        kind: "channel",
        key,
        slot: "",
        installationId,
        channel,
        reminder,
        repositories: [repository],
        schedule: parsed.schedule,
        timeZone,
        quiet,
      });
    }
  }
  const reminders = [...byKey.values()];
  for (const reminder of reminders) reminder.repositories.sort();
  slotsOf(reminders);
  return reminders;
}

/**
 * Gives each reminder the slot its runs are stored under: its installation, channel, time of
 * day and zone, and its rank among the reminders sharing them. Not its content, which `key`
 * hashes: an edit (a new `max`, a label) must not make a time posted under the old content due
 * again under the new, whether a restart within the hour brings the edit or two instances
 * hold the reminder before and after it. Two reminders of one channel at one time keep two.
 */
function slotsOf(reminders: readonly ChannelReminder[]): void {
  const sharing = new Map<string, ChannelReminder[]>();
  for (const reminder of reminders) {
    const { hour, minute } = reminder.schedule;
    const place = JSON.stringify([
      reminder.installationId,
      reminder.channel,
      hour,
      minute,
      reminder.timeZone,
    ]);
    sharing.set(place, [...(sharing.get(place) ?? []), reminder]);
  }
  for (const [place, group] of sharing) {
    group.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    group.forEach((reminder, rank) => {
      reminder.slot = createHash("sha256").update(`${place}\n${rank}`).digest("hex").slice(0, 16);
    });
  }
}

/**
 * The people file's reminders.
 *
 * @example
 * personReminders([{ login: "octocat", remind: { schedule, timezone: "Europe/Berlin" } }])
 * // [{ kind: "person", login: "octocat", timeZone: "Europe/Berlin", ... }]
 */
export function personReminders(
  people: readonly {
    login: string;
    remind: { schedule: Schedule; timezone: string } | null;
  }[],
): PersonReminder[] {
  return people.flatMap((person) =>
    person.remind === null
      ? []
      : [
          {
            kind: "person" as const,
            slot: `person-${createHash("sha256")
              .update(person.login.toLowerCase())
              .digest("hex")
              .slice(0, 16)}`,
            key: `person-${createHash("sha256")
              .update(
                `${person.login.toLowerCase()}\n${person.remind.schedule.text}\n${person.remind.timezone}`,
              )
              .digest("hex")
              .slice(0, 16)}`,
            login: person.login,
            schedule: person.remind.schedule,
            timeZone: person.remind.timezone,
          },
        ],
  );
}

/** When a scheduled time is posted: at once, when quiet hours end (`hold`), or never (`drop`). */
export type DueTime =
  { kind: "post"; at: Date; heldUntilQuietEnd: boolean } | { kind: "drop"; reason: string };

/**
 * When a reminder scheduled at `scheduledAt` is posted, given its quiet hours.
 *
 * @example
 * dueTime({ reminder, scheduledAt: new Date("2026-01-05T06:00:00Z") })
 * // { kind: "post", at: 2026-01-05T07:00:00Z, heldUntilQuietEnd: true } with quiet hours to 08:00 Berlin
 */
export function dueTime(params: { reminder: KnownReminder; scheduledAt: Date }): DueTime {
  const { reminder, scheduledAt } = params;
  if (reminder.kind !== "channel" || reminder.quiet === null) {
    return { kind: "post", at: scheduledAt, heldUntilQuietEnd: false };
  }
  const window = quietWindowAt({ now: scheduledAt, quietHours: reminder.quiet.quietHours });
  if (window === null) return { kind: "post", at: scheduledAt, heldUntilQuietEnd: false };
  if (reminder.quiet.action === "drop") {
    return { kind: "drop", reason: `quiet hours (${window.label}), quiet_hours_action: drop` };
  }
  return { kind: "post", at: window.end, heldUntilQuietEnd: true };
}

/** One scheduled time of a reminder and when it is posted. */
export interface ReminderOccurrence {
  scheduledAt: Date;
  due: DueTime;
}

/**
 * The reminder's scheduled times whose due time falls in (`after`, `until`], oldest first:
 * quiet hours may hold a time up to a day, so times scheduled a day before `after` are looked at.
 *
 * @example
 * dueBetween({ reminder, after: new Date("2026-01-05T08:00:00Z"), until: new Date("2026-01-05T09:00:00Z") })
 */
export function dueBetween(params: {
  reminder: KnownReminder;
  after: Date;
  until: Date;
}): ReminderOccurrence[] {
  const { reminder, after, until } = params;
  if (until.getTime() <= after.getTime()) return [];
  const scheduled = occurrencesBetween({
    schedule: reminder.schedule,
    timeZone: reminder.timeZone,
    after: new Date(after.getTime() - 25 * 60 * 60 * 1000),
    until,
    limit: 64,
  });
  return scheduled
    .map((scheduledAt) => ({ scheduledAt, due: dueTime({ reminder, scheduledAt }) }))
    .filter(({ due, scheduledAt }) => {
      const at = due.kind === "post" ? due.at : scheduledAt;
      return at.getTime() > after.getTime() && at.getTime() <= until.getTime();
    });
}

/**
 * The id a reminder's run at one scheduled time is stored under, as a delivery: the same in
 * every instance, so the store keeps the first and answers `duplicate` to the others. `key` is
 * the reminder's `slot`, which an edit of the reminder keeps.
 *
 * @example
 * reminderRunId({ key: "3f2a…", scheduledAt: new Date("2026-01-05T08:30:00Z") }) // "reminder-3f2a…-20260105T0830Z"
 */
export function reminderRunId(params: { key: string; scheduledAt: Date }): string {
  // Schedules name minutes: `2026-01-05T08:30` is the time, written without separators.
  const stamp = `${params.scheduledAt.toISOString().slice(0, 16).replace(/[-:]/g, "")}Z`;
  return `reminder-${params.key}-${stamp}`;
}

/** What a stored reminder run holds: enough to run it in any instance. */
export type ReminderRun =
  | {
      kind: "channel";
      key: string;
      /** The scheduled time (ISO). */
      scheduledAt: string;
      /** When it was due: the scheduled time, or the end of the quiet hours that held it (ISO). */
      dueAt: string;
      installationId: number;
      channel: string;
      reminder: ReminderConfig;
      repositories: string[];
    }
  | {
      kind: "person";
      key: string;
      scheduledAt: string;
      dueAt: string;
      login: string;
    };

/**
 * The run of a due reminder.
 *
 * @example
 * runOf({ reminder, scheduledAt, dueAt }) // { kind: "channel", key, scheduledAt: "2026-…", ... }
 */
export function runOf(params: {
  reminder: KnownReminder;
  scheduledAt: Date;
  dueAt: Date;
}): ReminderRun {
  const { reminder } = params;
  const times = {
    key: reminder.key,
    scheduledAt: params.scheduledAt.toISOString(),
    dueAt: params.dueAt.toISOString(),
  };
  if (reminder.kind === "person") return { kind: "person", ...times, login: reminder.login };
  return {
    kind: "channel",
    ...times,
    installationId: reminder.installationId,
    channel: reminder.channel,
    reminder: reminder.reminder,
    repositories: reminder.repositories,
  };
}

/**
 * Reads a stored run back; null when the text is not one (it is the store's, but read as
 * untrusted all the same: a row written by another version must not crash routing).
 *
 * @example
 * decodeRun(JSON.stringify(run)) // run
 */
export function decodeRun(text: string): ReminderRun | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const run = value as Record<string, unknown>;
  const isTime = (v: unknown) => typeof v === "string" && !Number.isNaN(Date.parse(v));
  if (typeof run.key !== "string" || !isTime(run.scheduledAt) || !isTime(run.dueAt)) return null;
  if (run.kind === "person") {
    return typeof run.login === "string" ? (value as ReminderRun) : null;
  }
  if (run.kind !== "channel") return null;
  const ok =
    typeof run.installationId === "number" &&
    typeof run.channel === "string" &&
    typeof run.reminder === "object" &&
    run.reminder !== null &&
    typeof (run.reminder as { at?: unknown }).at === "string" &&
    Array.isArray(run.repositories) &&
    run.repositories.every((name) => typeof name === "string");
  return ok ? (value as ReminderRun) : null;
}

function quietOf(params: { config: NotifierConfig; timeZone: string }): ReminderQuiet | null {
  const quiet = params.config.quiet_hours;
  if (quiet === undefined) return null;
  return {
    quietHours: { from: quiet.from, to: quiet.to, timezone: quiet.timezone ?? params.timeZone },
    action: params.config.quiet_hours_action ?? "hold",
  };
}

function hashOf(params: {
  installationId: number;
  channel: string;
  reminder: ReminderConfig;
  quiet: ReminderQuiet | null;
}): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        params.installationId,
        params.channel,
        canonical(params.reminder),
        params.quiet && canonical(params.quiet),
      ]),
    )
    .digest("hex")
    .slice(0, 16);
}

/** Keys sorted at every level, so two files writing one reminder in another key order agree. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, canonical(v)]),
  );
}
