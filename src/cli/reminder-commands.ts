/**
 * `notifier reminders preview owner/repo`: what each reminder of a repository would post now,
 * and when each fires next, so a team checks a reminder before 09:30 comes instead of after.
 * It reads what the app reads (the repository's config through the store's cache, GitHub's open
 * pull requests through the installation, the review states and mutes in the store) with the
 * app's own planner and runner, and posts nothing.
 */
import { Probot, ProbotOctokit } from "probot";
import pino from "pino";
import type { KnownBlock } from "@slack/types";
import { readSettings, type Settings } from "../settings/settings.js";
import { createStore } from "../store/create-store.js";
import type { Store } from "../store/types.js";
import { createInstallationAuth, type InstallationOctokit } from "../shared/installation-auth.js";
import { describeError } from "../shared/error-text.js";
import { statusOf } from "../shared/github-responses.js";
import type { Log } from "../shared/log.js";
import { RetryLaterError } from "../shared/retry-later.js";
import { nextOccurrence } from "../shared/schedule.js";
import { createConfigLoader } from "../repo-config/config-loader.js";
import { formatConfigError } from "../repo-config/config-error.js";
import {
  channelReminders,
  dueTime,
  runOf,
  type ChannelReminder,
} from "../reminders/reminder-plan.js";
import { createReminderRunner } from "../reminders/run-reminder.js";
import { GitHubRefusedError } from "../reminders/open-pulls.js";
import type { SlackMessage } from "../format/slack-message.js";
import { indexMutes, muteReasons } from "../worker/mutes.js";
import { describeFiring, describeSelection } from "./config-commands.js";
import { CliError, type CliIo } from "./io.js";

/** `owner/name` as GitHub allows them: a login, then a repository name. */
const REPOSITORY_RE = /^([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})\/([\w.-]{1,100})$/;
/** Scheduled times looked at for one that quiet hours do not drop: a month of daily times. */
const MAX_DROPPED_TIMES = 31;

/**
 * A person runs this and reads the answer: a failure is told at once (no retries, no waiting
 * out a rate limit), and running it again is the retry.
 */
const CliOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));

/**
 * Prints, for each reminder of `repository`, its channel, schedule and selection, its next time
 * (held or dropped by quiet hours), and the message it would post if it ran at `now`. Exit 0;
 * 1 when the App is not installed there or GitHub cannot be read; 2 for a bad argument or
 * missing credentials.
 *
 * @example
 * await remindersPreviewCommand({ io, repository: "acme/api", now: new Date() }) // 0
 */
export async function remindersPreviewCommand(params: {
  io: CliIo;
  repository: string;
  now: Date;
}): Promise<number> {
  const { io, now } = params;
  const { owner, repo } = parseRepository(params.repository);
  const repository = `${owner}/${repo}`;
  const settings = readSettings(io.env);
  if (settings.appId === null || settings.privateKey === null) {
    throw new CliError(
      "reminders preview reads GitHub as the App: set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH)",
    );
  }
  const probot = new Probot({
    appId: settings.appId,
    privateKey: settings.privateKey,
    baseUrl: settings.githubBaseUrl,
    Octokit: CliOctokit,
    log: pino({ level: "warn" }, pino.destination(2)),
  });
  const installationId = await installationOf({ probot, owner, repo });
  const auth = createInstallationAuth({ probot });
  const store = createStore(settings.databaseUrl);
  try {
    await store.migrate();
    return await previewReminders({ io, settings, store, auth, installationId, repository, now });
  } finally {
    await store.close();
  }
}

/** Reads the config, then previews each of its reminders; 1 when GitHub failed any. */
async function previewReminders(params: {
  io: CliIo;
  settings: Settings;
  store: Store;
  auth: (installationId: number) => Promise<InstallationOctokit>;
  installationId: number;
  repository: string;
  now: Date;
}): Promise<number> {
  const { io, settings, store, auth, installationId, repository, now } = params;
  const [owner = "", repo = ""] = repository.split("/");
  const loader = createConfigLoader({
    store,
    ttlMs: settings.configCacheTtlMs,
    knownChannels: settings.channels.names(),
    mayUse: (channel, channelOwner) => settings.channels.mayUse(channel, channelOwner),
    // Its errors are printed below, with the output they explain.
    log: { warn: () => {}, debug: () => {} },
  });
  const loaded = await gitHubAnswer(`read the config of ${repository}`, async () =>
    loader.load({ octokit: await auth(installationId), installationId, owner, repo }),
  );
  for (const error of loaded.errors) io.stderr(`config error: ${formatConfigError(error)}\n`);
  const reminders = channelReminders([{ installationId, repository, config: loaded.config }]);
  if (reminders.length === 0) {
    io.stdout(`${repository} has no reminders (config from ${loaded.source})\n`);
    return 0;
  }
  const inherited = loaded.source.toLowerCase().startsWith(`${repository.toLowerCase()}:`)
    ? ""
    : "; inherited: the app posts one message covering every repository that uses it, this lists only this one";
  io.stdout(
    `reminders for ${repository} (config from ${loaded.source}${inherited}), as of ${now.toISOString()}:\n`,
  );
  const runner = createReminderRunner({
    auth,
    reviews: store,
    people: settings.people,
    channels: settings.channels,
    log: cliLog(io),
  });
  const mutes = muteReasons(indexMutes(await store.listMutes(now)));
  let code = 0;
  for (const reminder of reminders) {
    const kind = settings.channels.get(reminder.channel)?.kind ?? "unknown";
    io.stdout(
      `\n- ${reminder.channel} (${kind} channel): ${reminder.reminder.at}, ${reminder.timeZone}\n` +
        `  lists: ${describeSelection(reminder.reminder)}\n` +
        describeNext({ reminder, now })
          .map((line) => `  ${line}\n`)
          .join(""),
    );
    try {
      const outcome = await runner.run({
        payload: JSON.stringify(runOf({ reminder, scheduledAt: now, dueAt: now })),
        mutes,
        now,
      });
      io.stdout(
        outcome.kind === "skip"
          ? `  now: would post nothing: ${outcome.reason}\n`
          : `  now: would post to ${outcome.channel}:\n${indented(readableText(outcome.message), "    ")}\n`,
      );
    } catch (error) {
      if (!isGitHubTrouble(error)) throw error;
      io.stderr(
        `notifier: ${reminder.channel}: GitHub could not be read: ${describeError(error)}\n`,
      );
      io.stdout("  now: unknown, GitHub could not be read (see above)\n");
      code = 1;
    }
  }
  return code;
}

/** `owner/name` split, or a usage error saying what to write. */
function parseRepository(text: string): { owner: string; repo: string } {
  const match = REPOSITORY_RE.exec(text.trim());
  if (match === null || match[2] === "." || match[2] === "..") {
    throw new CliError(`"${text}" is not a repository: write owner/name, like acme/api`);
  }
  return { owner: match[1] ?? "", repo: match[2] ?? "" };
}

/** The installation of the App on the repository, asked as the App. */
async function installationOf(params: {
  probot: Probot;
  owner: string;
  repo: string;
}): Promise<number> {
  const { probot, owner, repo } = params;
  try {
    const app = await probot.auth();
    const { data } = await app.request("GET /repos/{owner}/{repo}/installation", { owner, repo });
    return data.id;
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) throw new CliError(`the App is not installed on ${owner}/${repo}`, 1);
    if (status === 401) {
      throw new CliError(
        `GitHub refused the App's credentials (HTTP 401): check APP_ID and PRIVATE_KEY`,
        1,
      );
    }
    throw new CliError(
      `GitHub could not say whether the App is installed on ${owner}/${repo}: ${describeError(error)}; try again later`,
      1,
    );
  }
}

/** Runs a read of GitHub; a failure GitHub caused is a message and exit 1. */
async function gitHubAnswer<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isGitHubTrouble(error)) throw error;
    throw new CliError(`GitHub could not ${what}: ${describeError(error)}; try again later`, 1);
  }
}

/**
 * `next: …` and, when quiet hours drop that time, the next time that is posted: a team sees a
 * reminder its quiet hours swallow.
 */
function describeNext(params: { reminder: ChannelReminder; now: Date }): string[] {
  const { reminder, now } = params;
  const { timeZone } = reminder;
  const when = (at: Date) => `${describeFiring({ at, timeZone, now })} = ${at.toISOString()}`;
  const lines: string[] = [];
  let after = now;
  for (let looked = 0; looked < MAX_DROPPED_TIMES; looked++) {
    const scheduledAt = nextOccurrence({ schedule: reminder.schedule, timeZone, after });
    const due = dueTime({ reminder, scheduledAt });
    const label = lines.length === 0 ? "next" : "then";
    if (due.kind === "post" && !due.heldUntilQuietEnd) {
      return [...lines, `${label}: ${when(scheduledAt)}`];
    }
    if (due.kind === "post") {
      const quiet = reminder.quiet?.quietHours;
      const hours = quiet === undefined ? "" : ` (${quiet.from}–${quiet.to} ${quiet.timezone})`;
      return [
        ...lines,
        `${label}: ${when(scheduledAt)}, held by quiet hours${hours} until ${when(due.at)}`,
      ];
    }
    if (lines.length === 0) lines.push(`${label}: ${when(scheduledAt)}, dropped: ${due.reason}`);
    after = scheduledAt;
  }
  return [...lines, `then: never posted: quiet hours drop every time it fires`];
}

/** The blocks' texts in order (what a reader sees in Slack), else the fallback text. */
function readableText(message: SlackMessage): string {
  const texts = message.blocks.flatMap(blockTexts).filter((text) => text !== "");
  return texts.length > 0 ? texts.join("\n") : message.text;
}

function blockTexts(block: KnownBlock): string[] {
  switch (block.type) {
    case "section":
      return [block.text?.text ?? "", ...(block.fields ?? []).map((field) => field.text)];
    case "header":
      return [block.text.text];
    case "context":
      return [block.elements.map((element) => ("text" in element ? element.text : "")).join("  ")];
    default:
      return [];
  }
}

function indented(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => prefix + line)
    .join("\n");
}

/** Warnings as lines a person reads (a refused permission says which to grant); the rest dropped. */
function cliLog(io: CliIo): Log {
  const line = (fields: object, message: string) => {
    const err = (fields as { err?: unknown }).err;
    io.stderr(`warning: ${message}${err === undefined ? "" : `: ${describeError(err)}`}\n`);
  };
  const log: Log = { debug: () => {}, info: () => {}, warn: line, error: line, child: () => log };
  return log;
}

/** A failure of GitHub or of the way to it, not of this program. */
function isGitHubTrouble(error: unknown): boolean {
  return (
    // ConfigUnavailableError is a RetryLaterError; an Octokit RequestError carries a status.
    error instanceof RetryLaterError ||
    error instanceof GitHubRefusedError ||
    statusOf(error) !== null
  );
}
