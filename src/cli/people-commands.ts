/**
 * `notifier people check`: reads the people file (SLACK_PEOPLE_FILE) and asks Slack, with the
 * bot token, whether each Slack user id in it is an active person, so a typo or a departed
 * colleague shows up before a mention or a DM goes nowhere. Only reads: `users.info`.
 */
import { resolve } from "node:path";
import { setTimeout as sleepFor } from "node:timers/promises";
import { readPeopleFile, type Person } from "../settings/people.js";
import { createSlackWebApi, type ApiOutcome, type SlackUserInfo } from "../slack/web-api.js";
import { readSlackApiUrl, readSlackBotToken } from "../settings/settings.js";
import { CliError, type CliIo } from "./io.js";

/** Tries of one lookup that Slack asks to retry (rate limit, 5xx, no answer). */
const MAX_TRIES = 3;
/** The longest wait between tries, whatever Retry-After says: this is a command someone watches. */
const MAX_WAIT_MS = 30_000;
/** The wait when Slack did not say how long. */
const DEFAULT_WAIT_MS = 1_000;

/** Slack errors about the person's id; any other refusal is about the token or the app. */
const PERSON_ERRORS = new Set(["user_not_found", "user_not_visible"]);

/**
 * Checks every person of the people file against Slack; prints one line per problem and a
 * summary. Resolves 0 when all are active people, 1 when any is not (or could not be checked).
 * Throws a {@link CliError} when the token or the file is missing, or Slack refuses the token.
 *
 * @example
 * await peopleCheckCommand({ io, file: undefined }) // reads SLACK_PEOPLE_FILE, SLACK_BOT_TOKEN, SLACK_API_URL
 * // hubot: U0NOBODY is not a user of this Slack workspace (user_not_found)
 * // 1 of 3 people in people.yml has a problem
 */
export async function peopleCheckCommand(params: {
  io: CliIo;
  /** The file to check; the default is SLACK_PEOPLE_FILE. */
  file: string | undefined;
  /** Waits between tries; tests pass a recording one. */
  sleep?: (ms: number) => Promise<void>;
}): Promise<number> {
  const { io } = params;
  const sleep = params.sleep ?? ((ms: number) => sleepFor(ms));
  const file = params.file ?? nonEmpty(io.env.SLACK_PEOPLE_FILE);
  if (file === null) {
    throw new CliError(
      "people check needs a people file: set SLACK_PEOPLE_FILE or name the file (notifier people check people.yml)",
    );
  }
  const token = readToken(io.env.SLACK_BOT_TOKEN);
  const apiUrl = readSlackApiUrl(io.env.SLACK_API_URL);
  // Throws a SettingsError naming the file and line, which runCli prints.
  const people = readPeopleFile(resolve(io.cwd, file)).all();

  const slack = createSlackWebApi({ token, apiUrl, log: SILENT_LOG });
  let problems = 0;
  for (const person of people) {
    const outcome = await lookUp({ slack, person, sleep });
    const problem = problemOf(person, outcome);
    if (problem !== null) {
      problems += 1;
      io.stdout(`${problem}\n`);
    }
  }
  const count = people.length;
  const noun = count === 1 ? "person" : "people";
  if (problems === 0) {
    io.stdout(
      count === 0
        ? `${file} lists no one\n`
        : `all ${count} ${noun} in ${file} are active Slack users\n`,
    );
    return 0;
  }
  io.stdout(
    `${problems} of ${count} ${noun} in ${file} ${problems === 1 ? "has" : "have"} a problem\n`,
  );
  return 1;
}

/** One `users.info`, tried again while Slack says to retry (at most {@link MAX_TRIES} times). */
async function lookUp(params: {
  slack: ReturnType<typeof createSlackWebApi>;
  person: Person;
  sleep: (ms: number) => Promise<void>;
}): Promise<ApiOutcome<SlackUserInfo>> {
  let outcome = await params.slack.userInfo({ user: params.person.slackId });
  for (let tries = 1; outcome.result === "retry" && tries < MAX_TRIES; tries += 1) {
    await params.sleep(Math.min(outcome.retryAfterMs ?? DEFAULT_WAIT_MS, MAX_WAIT_MS));
    outcome = await params.slack.userInfo({ user: params.person.slackId });
  }
  return outcome;
}

/** The line to print for a person, or null when the id is an active person. */
function problemOf(person: Person, outcome: ApiOutcome<SlackUserInfo>): string | null {
  const who = `${person.login}: ${person.slackId}`;
  switch (outcome.result) {
    case "ok": {
      const user = outcome.value;
      if (user.deleted) return `${who} (@${user.name}) is deactivated`;
      if (user.isBot) return `${who} (@${user.name}) is a bot, not a person`;
      return null;
    }
    case "retry":
      return `${who} could not be checked: ${outcome.error}`;
    case "gone":
    case "dead": {
      const code = /^users\.info: ([a-z_]+)/.exec(outcome.error)?.[1] ?? "";
      if (PERSON_ERRORS.has(code)) return `${who} is not a user of this Slack workspace (${code})`;
      // The token or the app is at fault: every other lookup would fail the same way.
      throw new CliError(`Slack refused the check: ${outcome.error}`, 1);
    }
  }
}

/**
 * SLACK_BOT_TOKEN, which the check needs; checked as the app checks it (a SettingsError, which
 * the CLI prints, says what is wrong with it, never what it is).
 */
function readToken(text: string | undefined): string {
  const token = nonEmpty(text) === null ? null : readSlackBotToken(text);
  if (token === null) {
    throw new CliError(
      "people check needs SLACK_BOT_TOKEN, the Slack app's bot token (xoxb-…), to ask Slack about each user",
    );
  }
  return token;
}

function nonEmpty(text: string | undefined): string | null {
  const value = text?.trim() ?? "";
  return value === "" ? null : value;
}

/** The client logs each failure; the command prints its own line instead. */
const SILENT_LOG = { info: () => {}, warn: () => {}, error: () => {} };
