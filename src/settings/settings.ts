/**
 * Operator settings: read once from the environment at start-up and validated whole.
 * A bad value stops the app with a message naming the variable.
 */
import { readFileSync } from "node:fs";
import { parseDuration } from "../shared/duration.js";
import { SettingsError } from "./settings-error.js";
import { readTestClock, type TestClock } from "./test-clock.js";
import { readChannels, type ChannelRegistry } from "./channels.js";
import { NO_PEOPLE, readPeopleFile, type PeopleDirectory } from "./people.js";

export type Env = Record<string, string | undefined>;

export interface Settings {
  /** The GitHub App's id; `null` runs without GitHub API access (repository config falls back to defaults). */
  appId: number | null;
  /** PEM private key of the App, from `PRIVATE_KEY` or the file at `PRIVATE_KEY_PATH`. */
  privateKey: string | null;
  /** Shared secret GitHub signs deliveries with. Never Probot's `development` fallback. */
  webhookSecret: string;
  port: number;
  /** Interface to listen on; Probot's default is `localhost`. */
  host: string;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
  logFormat: "json" | "pretty";
  /** A smee.io channel relaying GitHub's deliveries to this process in development. */
  webhookProxyUrl: string | null;
  /** GitHub API base URL, `https://api.github.com` or the Enterprise host's `/api/v3`. */
  githubBaseUrl: string;
  /** Shares Octokit's request throttling between instances. */
  redisUrl: string | null;
  /** A SQLite file path or a `postgres://` URL. */
  databaseUrl: string;
  /** The Slack channels: webhook channels, bot channels and, with a bot token, direct messages. */
  channels: ChannelRegistry;
  /** The Slack app's bot token (`xoxb-…`) for bot channels and DMs; `null` posts through webhooks only. A secret. */
  slackBotToken: string | null;
  /** The Slack Web API base, ending with `/`: `https://slack.com/api/`, or a Slack-compatible server. */
  slackApiUrl: string;
  /** GitHub logins mapped to Slack users, from `SLACK_PEOPLE_FILE`; {@link NO_PEOPLE} when unset. */
  people: PeopleDirectory;
  /** Least time between two posts to one webhook URL or bot channel, across all instances. */
  slackPaceMs: number;
  /** Messages waiting for one channel before they are merged into one summary; 0 never merges. */
  burstSummaryAfter: number;
  configCacheTtlMs: number;
  /** How often GitHub's delivery log is checked for deliveries that never reached us; 0 is off. */
  redeliveryIntervalMs: number;
  /** Age after which delivered and skipped rows are pruned; 0 keeps everything. */
  retentionMs: number;
  /** Bearer token `GET /metrics` requires; `null` leaves it open (for a private network). */
  metricsToken: string | null;
  /** Test-only: `NOTIFIER_TEST_CLOCK_START` moves the app's clock, honoured only with NODE_ENV=test. */
  testClock: TestClock;
}

/** Shortest `METRICS_TOKEN` accepted: long enough that guessing it over HTTP is hopeless. */
const MIN_METRICS_TOKEN_LENGTH = 16;

const DEFAULT_SLACK_API_URL = "https://slack.com/api/";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/**
 * Reads and validates every operator setting.
 *
 * @example
 * const settings = readSettings(process.env); // throws SettingsError naming the bad variable
 */
export function readSettings(env: Env): Settings {
  const webhookSecret = env.WEBHOOK_SECRET ?? "";
  if (webhookSecret.trim() === "") {
    throw new SettingsError(
      "WEBHOOK_SECRET",
      "WEBHOOK_SECRET is not set: set it to the webhook secret of your GitHub App (a long random string; `npm run setup` writes one into .env)",
    );
  }
  if (webhookSecret === "development") {
    throw new SettingsError(
      "WEBHOOK_SECRET",
      "WEBHOOK_SECRET is `development`, Probot's insecure fallback: set it to the webhook secret of your GitHub App",
    );
  }

  const appIdText = nonEmpty(env.APP_ID);
  let appId: number | null = null;
  if (appIdText !== null) {
    appId = Number(appIdText);
    if (!Number.isInteger(appId) || appId <= 0) {
      throw new SettingsError("APP_ID", `APP_ID must be the App's numeric id, not "${appIdText}"`);
    }
  }
  const privateKey = readPrivateKey(env);
  if (appId !== null && privateKey === null) {
    throw new SettingsError(
      "PRIVATE_KEY",
      "APP_ID is set but neither PRIVATE_KEY nor PRIVATE_KEY_PATH is: the App needs its private key to call GitHub",
    );
  }
  if (appId === null && privateKey !== null) {
    throw new SettingsError("APP_ID", "a private key is set but APP_ID is not");
  }

  const logLevel = (nonEmpty(env.LOG_LEVEL) ?? "info") as Settings["logLevel"];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new SettingsError(
      "LOG_LEVEL",
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, not "${logLevel}"`,
    );
  }
  const logFormatText =
    nonEmpty(env.LOG_FORMAT) ?? (env.NODE_ENV === "production" ? "json" : "pretty");
  if (logFormatText !== "json" && logFormatText !== "pretty") {
    throw new SettingsError(
      "LOG_FORMAT",
      `LOG_FORMAT must be json or pretty, not "${logFormatText}"`,
    );
  }

  const gheHost = nonEmpty(env.GHE_HOST);
  const gheProtocol = nonEmpty(env.GHE_PROTOCOL) ?? "https";
  if (gheProtocol !== "https" && gheProtocol !== "http") {
    throw new SettingsError(
      "GHE_PROTOCOL",
      `GHE_PROTOCOL must be https or http, not "${gheProtocol}"`,
    );
  }

  const webhookProxyUrl = nonEmpty(env.WEBHOOK_PROXY_URL);
  if (webhookProxyUrl !== null)
    requireUrl("WEBHOOK_PROXY_URL", webhookProxyUrl, ["http:", "https:"]);
  const redisUrl = nonEmpty(env.REDIS_URL);
  if (redisUrl !== null) requireUrl("REDIS_URL", redisUrl, ["redis:", "rediss:"]);

  const databaseUrl = nonEmpty(env.DATABASE_URL) ?? "./data/notifier.db";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl) && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new SettingsError(
      "DATABASE_URL",
      "DATABASE_URL must be a SQLite file path (like ./data/notifier.db) or a postgres:// URL",
    );
  }

  // The token first: a bad token is a clearer message than the channel ids that need it.
  const slackBotToken = readSlackBotToken(env.SLACK_BOT_TOKEN);
  const channels = readChannels(env);
  const people = readPeople(env.SLACK_PEOPLE_FILE);
  if (slackBotToken === null) {
    const wantsDm = people.all().find((person) => person.dm.length > 0);
    if (wantsDm !== undefined) {
      throw new SettingsError(
        "SLACK_PEOPLE_FILE",
        `SLACK_PEOPLE_FILE asks direct messages for ${wantsDm.login}, but SLACK_BOT_TOKEN is not set: DMs are sent by the Slack app's bot; set SLACK_BOT_TOKEN, or remove the dm lists (mentions work without it)`,
      );
    }
    // A personal reminder is a direct message too (issue 15).
    const reminded = people.all().find((person) => person.remind !== null);
    if (reminded?.remind) {
      throw new SettingsError(
        "SLACK_PEOPLE_FILE",
        `SLACK_PEOPLE_FILE gives ${reminded.login} a reminder (remind: "${reminded.remind.schedule.text}"), but SLACK_BOT_TOKEN is not set: a person's reminder is a direct message, sent by the Slack app's bot; set SLACK_BOT_TOKEN, or remove remind (mentions work without it)`,
      );
    }
  }

  return {
    appId,
    privateKey,
    webhookSecret,
    port: readPort(env.PORT),
    host: nonEmpty(env.HOST) ?? "localhost",
    logLevel,
    logFormat: logFormatText,
    webhookProxyUrl,
    githubBaseUrl: gheHost ? `${gheProtocol}://${gheHost}/api/v3` : "https://api.github.com",
    redisUrl,
    databaseUrl,
    channels,
    slackBotToken,
    slackApiUrl: readSlackApiUrl(env.SLACK_API_URL),
    people,
    slackPaceMs: readDuration(env, "SLACK_PACE", "1s"),
    burstSummaryAfter: readCount(env, "BURST_SUMMARY_AFTER", 20),
    configCacheTtlMs: readDuration(env, "CONFIG_CACHE_TTL", "5m"),
    redeliveryIntervalMs: readDuration(env, "REDELIVERY_INTERVAL", "10m"),
    retentionMs: readDuration(env, "RETENTION", "30d"),
    metricsToken: readMetricsToken(env.METRICS_TOKEN),
    testClock: readTestClock(env),
  };
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === "" ? null : value.trim();
}

function readPrivateKey(env: Env): string | null {
  const inline = nonEmpty(env.PRIVATE_KEY);
  if (inline !== null) {
    // Accept base64 as Probot does, for platforms without multi-line variables.
    const text = inline.includes("-----BEGIN")
      ? inline.replace(/\\n/g, "\n")
      : Buffer.from(inline, "base64").toString("utf8");
    if (!text.includes("-----BEGIN")) {
      throw new SettingsError(
        "PRIVATE_KEY",
        "PRIVATE_KEY is neither a PEM key nor a base64-encoded one",
      );
    }
    return text;
  }
  const path = nonEmpty(env.PRIVATE_KEY_PATH);
  if (path === null) return null;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SettingsError(
      "PRIVATE_KEY_PATH",
      `PRIVATE_KEY_PATH names "${path}", which cannot be read: ${(error as Error).message}`,
    );
  }
  if (!text.includes("-----BEGIN")) {
    throw new SettingsError(
      "PRIVATE_KEY_PATH",
      `PRIVATE_KEY_PATH names "${path}", which holds no PEM key`,
    );
  }
  return text;
}

/** Unset means webhooks only; a set token is a bot token, which Slack starts with `xoxb-`. */
export function readSlackBotToken(text: string | undefined): string | null {
  if (text === undefined) return null;
  const token = text.trim();
  // The value is a secret: messages say what is wrong with it, never what it is.
  if (token === "") {
    throw new SettingsError(
      "SLACK_BOT_TOKEN",
      "SLACK_BOT_TOKEN is empty: set it to the Slack app's Bot User OAuth Token (xoxb-…), or unset it to post through webhooks only",
    );
  }
  if (!/^xoxb-[\x21-\x7e]+$/.test(token)) {
    throw new SettingsError(
      "SLACK_BOT_TOKEN",
      "SLACK_BOT_TOKEN is not a bot token: use the Slack app's Bot User OAuth Token, which starts with xoxb- (OAuth & Permissions in the app's settings), not a user (xoxp-) or app-level (xapp-) token",
    );
  }
  return token;
}

/** The Web API base, always ending with `/` so method names append to it. */
export function readSlackApiUrl(text: string | undefined): string {
  const value = nonEmpty(text);
  if (value === null) return DEFAULT_SLACK_API_URL;
  requireUrl("SLACK_API_URL", value, ["http:", "https:"]);
  const url = new URL(value);
  if (url.search !== "" || url.hash !== "") {
    throw new SettingsError(
      "SLACK_API_URL",
      "SLACK_API_URL must be the Web API base without a query or fragment, like https://slack.com/api/",
    );
  }
  return value.endsWith("/") ? value : `${value}/`;
}

function readPeople(text: string | undefined): PeopleDirectory {
  if (text === undefined) return NO_PEOPLE;
  const path = text.trim();
  if (path === "") {
    throw new SettingsError(
      "SLACK_PEOPLE_FILE",
      "SLACK_PEOPLE_FILE is empty: set it to the path of the YAML file mapping GitHub logins to Slack user ids, or unset it",
    );
  }
  return readPeopleFile(path);
}

/** Blank means unset; a set token is one header-safe word of at least 16 characters. */
function readMetricsToken(text: string | undefined): string | null {
  const token = nonEmpty(text);
  if (token === null) return null;
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new SettingsError(
      "METRICS_TOKEN",
      "METRICS_TOKEN must be one word of visible ASCII characters (no spaces), as it is sent in an Authorization header; `openssl rand -hex 32` makes one",
    );
  }
  if (token.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new SettingsError(
      "METRICS_TOKEN",
      `METRICS_TOKEN is ${token.length} characters long: use at least ${MIN_METRICS_TOKEN_LENGTH} (\`openssl rand -hex 32\` makes one), or leave it empty to keep /metrics open`,
    );
  }
  return token;
}

function readPort(text: string | undefined): number {
  const value = nonEmpty(text);
  if (value === null) return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SettingsError("PORT", `PORT must be a whole number from 0 to 65535, not "${value}"`);
  }
  return port;
}

function readDuration(env: Env, name: string, fallback: string): number {
  const parsed = parseDuration(nonEmpty(env[name]) ?? fallback);
  if (!parsed.ok) throw new SettingsError(name, `${name}: ${parsed.error}`);
  return parsed.ms;
}

function readCount(env: Env, name: string, fallback: number): number {
  const value = nonEmpty(env[name]);
  if (value === null) return fallback;
  const count = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(count)) {
    throw new SettingsError(
      name,
      `${name} must be a whole number (0 turns it off), not "${value}"`,
    );
  }
  return count;
}

function requireUrl(name: string, value: string, protocols: string[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingsError(name, `${name} is not a URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new SettingsError(name, `${name} must be a ${protocols.join(" or ")} URL`);
  }
}
