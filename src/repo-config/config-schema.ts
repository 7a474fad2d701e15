/**
 * The schema of `.github/notifier.yml`, the per-repository routing config. Strict: an
 * unknown key is an error, so a typo never silently turns a filter off. Absent keys keep
 * their documented defaults (see `defaults.ts`); `schema/notifier.schema.json` is generated
 * from this file for editors (`node scripts/generate-schema.mjs`).
 */
import { z } from "zod";
import { ACTIVITY_KINDS, ALERT_SEVERITIES } from "../normalize/activity-event.js";
import { scheduleProblem } from "../shared/schedule.js";
import { cutText, quoteValue } from "./config-error.js";
import { CONFIG_LIMITS } from "./config-limits.js";
import {
  clockTimeProblem,
  closest,
  digestProblem,
  extendsProblem,
  olderThanProblem,
  timezoneProblem,
} from "./config-values.js";
import {
  branchGlob,
  globProblem,
  kindGlob,
  kindsMatching,
  nameGlob,
  OPT_IN_EVENTS,
  optInEventOf,
  type GlobMatcher,
} from "./globs.js";
import { titlePatternProblem } from "./title-pattern.js";

/** Text of at most `maxChars` (default {@link CONFIG_LIMITS.textChars}), not empty. */
function text(maxChars: number = CONFIG_LIMITS.textChars) {
  return z
    .string()
    .min(1, { error: "must not be empty" })
    .max(maxChars, {
      error: (issue) =>
        `is too long: at most ${maxChars} characters (got ${typeof issue.input === "string" ? quoteValue(issue.input) : "more"})`,
    });
}

/**
 * Text with a check that reports `problem(value)` as the issue message. The check runs only on
 * text within the length limit, so no check ever sees a megabyte.
 */
function checked(problem: (value: string) => string | null, maxChars?: number) {
  const limit = maxChars ?? CONFIG_LIMITS.textChars;
  return text(limit).superRefine((value, ctx) => {
    if (value.length > limit) return;
    const message = problem(value);
    if (message !== null) ctx.addIssue({ code: "custom", message, input: value });
  });
}

/** A list of at most {@link CONFIG_LIMITS.listItems}. */
function list<T extends z.ZodType>(item: T) {
  return z.array(item).max(CONFIG_LIMITS.listItems, {
    error: (issue) =>
      `has ${Array.isArray(issue.input) ? issue.input.length : "too many"} entries; a list may have at most ${CONFIG_LIMITS.listItems}`,
  });
}

// A glob longer than the limit gets the length message; globProblem checks the rest.
function glob(compile: (glob: string) => GlobMatcher) {
  return checked((value) => globProblem({ glob: value, compile }), CONFIG_LIMITS.globChars);
}

function kindGlobProblem(glob: string): string | null {
  const problem = globProblem({ glob, compile: kindGlob });
  if (problem !== null) return problem;
  if (kindsMatching(glob).length > 0) return null;
  const branchMatches = branchGlob(glob);
  const optIn = ACTIVITY_KINDS.filter((kind) => optInEventOf(kind) !== null && branchMatches(kind));
  if (optIn.length > 0) {
    return `selects only security alert kinds (${optIn.join(", ")}), which a glob takes only when it starts with the event's name: write ${OPT_IN_EVENTS.map((name) => `"${name}.*"`).join(", ")} (got ${quoteValue(glob)})`;
  }
  const guess = closest(glob, ACTIVITY_KINDS);
  if (guess !== null) return `names no event kind: ${quoteValue(glob)}; did you mean "${guess}"?`;
  // A known event with an unknown action: its own kinds are the useful list, and a short one.
  const event = glob.slice(0, glob.indexOf("."));
  const ofEvent = ACTIVITY_KINDS.filter((kind) => kind.startsWith(`${event}.`));
  if (event !== "" && !/[*?[{]/.test(event) && ofEvent.length > 0) {
    return `names no event kind: ${quoteValue(glob)}; the ${event} kinds are ${ofEvent.join(", ")}`;
  }
  return `names no event kind: ${quoteValue(glob)}; kinds are ${ACTIVITY_KINDS.join(", ")}, and globs like "pull_request.*" select several`;
}

const nameGlobs = list(glob(nameGlob));

/** The token in `branches` that stands for the repository's default branch, as GitHub's workflow templates write it. */
export const DEFAULT_BRANCH_TOKEN = "$default-branch";

function severityProblem(value: unknown): string {
  const known = ALERT_SEVERITIES.map((severity) => `"${severity}"`).join(", ");
  if (typeof value !== "string") {
    const got =
      value === null ? "nothing" : typeof value === "object" ? "a mapping or list" : String(value);
    return `must be a severity: one of ${known} (got ${cutText(got, CONFIG_LIMITS.quotedChars)})`;
  }
  const guess = closest(value, ALERT_SEVERITIES);
  const hint = guess === null ? "" : `; did you mean "${guess}"?`;
  return `must be a severity: one of ${known} (got ${quoteValue(value)})${hint}`;
}
const channelName = text();

/** When a route, or the whole config, stays silent. */
export const quietHoursSchema = z
  .strictObject({
    /** Start of the quiet window, `HH:MM` on a 24-hour clock. */
    from: checked(clockTimeProblem).describe(
      'Start of the quiet window, "HH:MM" on a 24-hour clock, like "22:00".',
    ),
    /** End of the quiet window, `HH:MM`; before `from` means the window crosses midnight. */
    to: checked(clockTimeProblem).describe(
      'End of the quiet window, "HH:MM"; earlier than `from` means the window crosses midnight, like "07:00".',
    ),
    /** IANA time zone of `from` and `to`; defaults to the route's `timezone`, then UTC. */
    timezone: checked(timezoneProblem)
      .optional()
      .describe(
        'IANA time zone of `from` and `to`, like "Europe/Paris"; defaults to the route\'s `timezone`, then UTC.',
      ),
  })
  .superRefine((window, ctx) => {
    if (window.from === window.to && clockTimeProblem(window.from) === null) {
      ctx.addIssue({
        code: "custom",
        path: ["to"],
        message: "must differ from `from`: the window would be empty",
      });
    }
  })
  .describe(
    "A daily window in which notifications are held back or dropped (see `quiet_hours_action`).",
  );

/** What happens to a notification that falls in quiet hours. */
const quietHoursActionSchema = z
  .enum(["hold", "drop"])
  .describe(
    "During quiet hours: `hold` sends the notification when the window ends (default), `drop` discards it.",
  );

/** Whether a bot channel threads an item's activity under one parent message. */
const threadSchema = z
  .boolean()
  .describe(
    "Bot channels: post later activity on an issue or pull request as replies under its first message, which is kept up to date (default true). With false every event is a top-level message and no parent is kept or edited. Webhook channels cannot thread and ignore it. On a route, replaces the top-level value for the route's channel.",
  );

function broadcastKindProblem(kind: unknown): string {
  if (typeof kind !== "string") {
    const got =
      kind === null ? "nothing" : typeof kind === "object" ? "a mapping or list" : String(kind);
    return `must be an event kind name, like "pull_request.merged" (got ${cutText(got, CONFIG_LIMITS.quotedChars)})`;
  }
  if (/[*?]/.test(kind)) {
    return `is a glob (${quoteValue(kind)}); broadcast takes exact kind names: list each, like ["pull_request.merged", "pull_request.closed"]`;
  }
  const guess = closest(kind, ACTIVITY_KINDS);
  if (guess !== null) return `names no event kind: ${quoteValue(kind)}; did you mean "${guess}"?`;
  return `names no event kind: ${quoteValue(kind)}; kinds are ${ACTIVITY_KINDS.join(", ")}`;
}

/** Thread replies of these kinds are also shown in the channel (Slack's `reply_broadcast`). */
const broadcastSchema = list(
  z.enum(ACTIVITY_KINDS, { error: (issue) => broadcastKindProblem(issue.input) }),
).describe(
  `Bot channels that thread: replies of these event kinds (exact names, no globs) are also shown in the channel. Default ["pull_request.merged", "pull_request.closed", "issues.closed"]; a list given replaces it, and [] broadcasts nothing. On a route, replaces the top-level list for the route's channel.`,
);

/** Notifications dropped before any route is tried. */
export const ignoreSchema = z
  .strictObject({
    /** Actors (webhook `sender` logins) whose activity is never announced; globs, case-insensitive. */
    authors: nameGlobs
      .optional()
      .describe(
        'Logins whose activity is never announced; `*` and `?` are wildcards, case is ignored, like ["dependabot[bot]", "*[bot]"].',
      ),
    /** Issues and pull requests carrying any of these labels are never announced; globs, case-insensitive. */
    labels: nameGlobs
      .optional()
      .describe(
        'Issues and pull requests with any of these labels are never announced; `*` and `?` are wildcards, like ["no-notify"].',
      ),
  })
  .describe("Activity dropped before any route is tried.");

/** One route: which activity goes to which channel. Every filter present must pass. */
export const routeSchema = z
  .strictObject({
    /**
     * Event kinds this route takes: globs over the known kinds, like `issues.opened` or
     * `pull_request.*`. Security alert kinds are taken only by a glob that starts with their
     * event's name (`dependabot_alert.*`): `*` never sends an alert anywhere.
     */
    on: list(checked(kindGlobProblem).meta({ examples: [...ACTIVITY_KINDS] }))
      .min(1, { error: "must list at least one event kind, like [issues.opened]" })
      .describe(
        'Event kinds this route takes: globs over the known kinds, like ["issues.opened", "pull_request.*"]. Security alerts (dependabot_alert, code_scanning_alert, secret_scanning_alert) are taken only by a glob that starts with their event\'s name, like "dependabot_alert.*": "*" or "*.created" never send an alert.',
      ),
    /** Channel to post to, one the operator configured; defaults to the top-level `channel`. */
    channel: channelName
      .optional()
      .describe(
        "Channel to post to, one the operator configured; defaults to the top-level `channel`.",
      ),
    /** The issue or pull request must carry at least one of these labels (globs). Empty = no filter. */
    labels: nameGlobs
      .optional()
      .describe(
        'The issue or pull request must have at least one of these labels (globs, like "priority:*").',
      ),
    /** The issue or pull request must carry none of these labels (globs). */
    exclude_labels: nameGlobs
      .optional()
      .describe("The issue or pull request must have none of these labels (globs)."),
    /** Only activity by these actors (globs on the login). Empty = no filter. */
    authors: nameGlobs.optional().describe("Only activity by these logins (globs)."),
    /** No activity by these actors (globs on the login). */
    exclude_authors: nameGlobs.optional().describe("No activity by these logins (globs)."),
    /**
     * The branch (globs, `*` within a segment, `**` across; `$default-branch` is the repository's
     * default branch): the base branch of pull requests, their reviews and review comments; the
     * head branch of workflow runs and check suites; the branch pushed to. Workflow runs, check
     * suites and pushes without a branch do not pass; other kinds ignore it.
     */
    branches: list(glob(branchGlob))
      .optional()
      .describe(
        'The branch, like ["main", "release/*"]; `**` crosses "/", and "$default-branch" is the repository\'s default branch. For pull requests and their reviews and review comments: the base branch. For workflow runs, check suites and pushes: the head branch (the branch pushed to); one without a branch does not pass. Other kinds (issues, stars, deployments, alerts) ignore it.',
      ),
    /** Workflow runs: globs on the workflow's name (`workflow_run.name`), case-insensitive. An event without a workflow name does not pass. */
    workflows: nameGlobs
      .optional()
      .describe(
        'Only workflow runs of these workflows: globs on the workflow\'s name, case ignored, like ["CI", "Deploy *"]. Events without a workflow (every kind but workflow_run.*) do not pass a route that sets it.',
      ),
    /** Deployments: globs on the deployment's environment, case-insensitive. An event without an environment does not pass. */
    environments: nameGlobs
      .optional()
      .describe(
        'Only deployments to these environments: globs on the environment name, case ignored, like ["production", "staging-*"]. Events without an environment (every kind but deployment_status.*) do not pass a route that sets it.',
      ),
    /**
     * Security alerts: the lowest severity listed is the threshold, so `[high]` takes high and
     * critical. Secret scanning alerts carry no severity and always pass; other kinds ignore it.
     */
    severities: list(z.enum(ALERT_SEVERITIES, { error: (issue) => severityProblem(issue.input) }))
      .optional()
      .describe(
        'Security alerts: an alert passes when its severity is at least the lowest one listed, so ["high"] takes high and critical. One of "low", "medium", "high", "critical". Dependabot\'s is the advisory\'s severity, code scanning\'s the rule\'s security severity level, else its severity. Secret scanning alerts carry none and always pass; other kinds ignore it.',
      ),
    /** Whether draft pull requests are announced. Default false. */
    drafts: z
      .boolean()
      .optional()
      .describe("Whether draft pull requests are announced (default false)."),
    /** RE2 regular expression the title must match, case-sensitive; `(?i)` ignores case. No lookaround or backreferences. */
    title: checked(titlePatternProblem, CONFIG_LIMITS.patternChars)
      .optional()
      .describe(
        `RE2 regular expression the title must match somewhere, like "^\\\\[urgent\\\\]"; \`(?i)\` ignores case. No lookaround or backreferences; at most ${CONFIG_LIMITS.patternChars} characters.`,
      ),
    /** Batch this route's notifications: a duration (1m to 1d) or `daily at HH:MM`. */
    digest: checked(digestProblem)
      .optional()
      .describe(
        'Batch notifications into one message: every "15m" (1m to 1d), or "daily at 09:00".',
      ),
    /** IANA time zone for `digest` times and this route's quiet hours; default UTC. */
    timezone: checked(timezoneProblem)
      .optional()
      .describe('IANA time zone for `digest` and quiet hours, like "Europe/Paris"; default UTC.'),
    /** Quiet hours for this route; replaces the top-level `quiet_hours`. */
    quiet_hours: quietHoursSchema.optional(),
    /** What quiet hours do to this route's notifications; replaces the top-level `quiet_hours_action`. */
    quiet_hours_action: quietHoursActionSchema.optional(),
    /** Whether this route's bot channel threads; replaces the top-level `thread`. */
    thread: threadSchema.optional(),
    /** Kinds whose thread replies this route also shows in the channel; replaces the top-level `broadcast`. */
    broadcast: broadcastSchema.optional(),
  })
  .describe("A route: activity matching every filter given is posted to `channel`.");

/** How many pull requests a reminder lists at most, and the most it may ask for. */
export const DEFAULT_REMINDER_MAX = 20;
const REMINDER_MAX_LIMIT = 100;

/** One scheduled reminder: the open pull requests still waiting, posted to a channel. */
export const reminderSchema = z
  .strictObject({
    /** Channel to post to, one the operator configured; defaults to the top-level `channel`. */
    channel: channelName
      .optional()
      .describe(
        "Channel to post the reminder to, one the operator configured; defaults to the top-level `channel`.",
      ),
    /**
     * When it fires, in `timezone`: `weekdays at 09:30`, `daily at 09:30`, `weekends at 10:00` or
     * a list of days, `mon,wed,fri at 16:00` (see `shared/schedule.ts`).
     */
    at: checked(scheduleProblem).describe(
      'When the reminder is posted, in `timezone`: "weekdays at 09:30", "daily at 09:30", "weekends at 10:00", or a list of days like "mon,wed,fri at 16:00" (mon to sun or monday to sunday, case ignored). The time is HH:MM on a 24-hour clock.',
    ),
    /** IANA time zone of `at`; default UTC. */
    timezone: checked(timezoneProblem)
      .optional()
      .describe('IANA time zone of `at`, like "Europe/Berlin"; default UTC.'),
    /** `review`: requested reviewers have not answered (default); `any`: every open pull request. */
    waiting: z
      .enum(["review", "any"])
      .optional()
      .describe(
        "Which pull requests are listed: `review` (default) those whose requested reviewers have not answered, `any` every open one.",
      ),
    /** Only pull requests waiting this long (since the last review request the app saw, else since opened); default `1d`. */
    older_than: checked(olderThanProblem)
      .optional()
      .describe(
        'Only pull requests waiting at least this long, like "4h" or "2d": since the last review request the app saw, else since opened. Default "1d"; "0" lists them all; at most "365d".',
      ),
    /** Whether draft pull requests are listed; default false. */
    drafts: z
      .boolean()
      .optional()
      .describe("Whether draft pull requests are listed (default false)."),
    /** The pull request must carry at least one of these labels (globs). */
    labels: nameGlobs
      .optional()
      .describe('Only pull requests with at least one of these labels (globs, like "needs-*").'),
    /** The pull request must carry none of these labels (globs). */
    exclude_labels: nameGlobs
      .optional()
      .describe("Only pull requests with none of these labels (globs)."),
    /** Only pull requests by these authors (globs on the login). */
    authors: nameGlobs.optional().describe("Only pull requests by these logins (globs)."),
    /** No pull requests by these authors (globs on the login). */
    exclude_authors: nameGlobs.optional().describe("No pull requests by these logins (globs)."),
    /** The pull request's base branch (globs; `$default-branch` is the repository's default branch). */
    branches: list(glob(branchGlob))
      .optional()
      .describe(
        'Only pull requests into these base branches, like ["main", "release/*"]; "$default-branch" is the repository\'s default branch.',
      ),
    /** Pull requests listed, oldest first, then "and N more"; default 20. */
    max: z
      .number()
      .int({ error: "must be a whole number" })
      .min(1, { error: "must be at least 1" })
      .max(REMINDER_MAX_LIMIT, { error: `must be at most ${REMINDER_MAX_LIMIT}` })
      .optional()
      .describe(
        `Pull requests listed, oldest first, then "and N more" (default ${DEFAULT_REMINDER_MAX}, at most ${REMINDER_MAX_LIMIT}).`,
      ),
  })
  .describe(
    "A reminder: on a schedule, one message listing the open pull requests that still wait.",
  );

/** The whole `.github/notifier.yml`. */
export const notifierConfigSchema = z
  .strictObject({
    /** Inherit another file: `other-repo`, `owner/repo` or `repo:path.yml`. This file's keys win; lists replace lists. */
    _extends: checked(extendsProblem)
      .optional()
      .describe(
        'Inherit config from another repository: "other-repo", "owner/repo", or "repo:path/notifier.yml". This file\'s keys override inherited ones; lists replace lists.',
      ),
    /** Channel for routes that name none; default `default`. */
    channel: channelName
      .optional()
      .describe("Channel for routes that name none (default `default`)."),
    /** Activity dropped before any route is tried. */
    ignore: ignoreSchema.optional(),
    /** Every matching route sends, one message per channel. Absent = the default routes (`DEFAULT_ROUTES`); `[]` = send nothing. */
    routes: z
      .array(routeSchema)
      .max(CONFIG_LIMITS.routes, {
        error: (issue) =>
          `has ${Array.isArray(issue.input) ? issue.input.length : "too many"} routes; a config may have at most ${CONFIG_LIMITS.routes}`,
      })
      .optional()
      .describe(
        "Every route that matches sends, one message per channel. Absent: new issues, new and merged pull requests, stars, and failed and fixed workflow runs on the default branch go to `channel`. An empty list sends nothing.",
      ),
    /** Scheduled reminders of pull requests still waiting (issue 15). */
    reminders: z
      .array(reminderSchema)
      .max(CONFIG_LIMITS.reminders, {
        error: (issue) =>
          `has ${Array.isArray(issue.input) ? issue.input.length : "too many"} reminders; a config may have at most ${CONFIG_LIMITS.reminders}`,
      })
      .optional()
      .describe(
        "Scheduled reminders: at each time, one message per reminder listing the open pull requests still waiting for review. An inherited reminder posts one message for every repository that uses it.",
      ),
    /** Quiet hours for every route that sets none. */
    quiet_hours: quietHoursSchema.optional(),
    /** What quiet hours do, for every route that sets none; default `hold`. */
    quiet_hours_action: quietHoursActionSchema.optional(),
    /** Whether bot channels thread, for every route that sets none; default true. */
    thread: threadSchema.optional(),
    /** Kinds whose thread replies are also shown in the channel, for every route that sets none; default `DEFAULT_BROADCAST` (defaults.ts). */
    broadcast: broadcastSchema.optional(),
  })
  .describe(
    "Routing of GitHub activity to Slack channels for this repository (github-activity-notifier).",
  );

export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
export type IgnoreConfig = z.infer<typeof ignoreSchema>;
export type QuietHours = z.infer<typeof quietHoursSchema>;
export type QuietHoursAction = z.infer<typeof quietHoursActionSchema>;
export type ReminderConfig = z.infer<typeof reminderSchema>;
