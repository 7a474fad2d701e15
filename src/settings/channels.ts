/**
 * The Slack channels the operator configured. Only the operator names channels (from the
 * environment); repository config can only pick among them, so a repository cannot make the
 * app post to a webhook or a Slack channel it was not given. A channel is posted to either
 * through an incoming webhook or, with a Slack app's bot token, through the Web API.
 */
import { createHash } from "node:crypto";
import { SettingsError } from "./settings-error.js";
import { DEFAULT_CHANNEL } from "../repo-config/defaults.js";

/**
 * How messages reach a channel: `webhook` posts to an incoming-webhook URL; `bot` posts with
 * the bot token to a Slack channel id (and can thread and edit); `dm` is the pseudo-channel of
 * direct messages, whose Slack user comes with each message; `log` only logs.
 */
export type ChannelKind = "webhook" | "bot" | "dm" | "log";

/** One operator-configured channel. */
export interface SlackChannel {
  /** As repository config writes it, e.g. `default`, `release-notes`; {@link DM_CHANNEL} for direct messages. */
  name: string;
  /** How messages reach it; decides which of `url` and `channelId` is set. */
  kind: ChannelKind;
  /** The incoming-webhook URL of a `webhook` channel, a secret; `null` for every other kind. */
  url: string | null;
  /** The Slack channel id (`C…` or `G…`) a `bot` channel posts to; `null` for every other kind. */
  channelId: string | null;
  /**
   * The pacing key (channels sharing a webhook or a Slack channel share its rate limit) and
   * what logs show instead of the URL: a short hash of the URL for `webhook`,
   * `bot:<channelId>` for `bot`, `dm` for `dm` and `log-only` for `log`.
   */
  target: string;
  /** Lower-cased GitHub owners whose repositories may route here; `null` means anyone. */
  owners: string[] | null;
}

/**
 * The queue name of direct messages. Not a channel repository config can name: it is never in
 * {@link ChannelRegistry.names}, `get` or `mayUse`, and `@` cannot start a configured name.
 */
export const DM_CHANNEL = "@dm";

export interface ChannelRegistry {
  /** Channel names, sorted; never {@link DM_CHANNEL}. */
  names(): string[];
  /** The channel repository config calls `name`; never the DM pseudo-channel. */
  get(name: string): SlackChannel | undefined;
  /** True when neither a webhook URL nor a channel id is configured: the one `default` channel only logs. */
  isLogOnly: boolean;
  /** Whether a repository of `owner` may route to `channel` (false for an unknown channel). */
  mayUse(channel: string, owner: string): boolean;
  /** The DM pseudo-channel when `SLACK_BOT_TOKEN` is set, else null. */
  dm(): SlackChannel | null;
}

const URL_VAR = "SLACK_WEBHOOK_URL";
const CHANNEL_ID_VAR = "SLACK_CHANNEL_ID";
const OWNERS_VAR = "SLACK_CHANNEL_OWNERS";
const TOKEN_VAR = "SLACK_BOT_TOKEN";
const LOG_ONLY_TARGET = "log-only";
// Public and private channel ids; not D… (a DM's id changes with whoever opens it).
const CHANNEL_ID_RE = /^[CG][A-Z0-9]{2,}$/;
const NAME_SUFFIX_RE = /^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*$/;
// GitHub logins and organisation names: letters, digits and single inner hyphens.
const OWNER_RE = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$/;

/**
 * Reads the channels from the environment, validating every Slack channel variable.
 * `SLACK_WEBHOOK_URL` is channel `default`; `SLACK_WEBHOOK_URL_<NAME>` is channel `<name>`
 * (lower-cased, `_` read as `-`). `SLACK_CHANNEL_ID` and `SLACK_CHANNEL_ID_<NAME>` name bot
 * channels the same way and need `SLACK_BOT_TOKEN` (only its presence is checked here);
 * a name is one kind or the other, never both. `SLACK_CHANNEL_OWNERS_<NAME>=acme,octo-org`
 * limits which repository owners may route to a channel of either kind. Throws a
 * {@link SettingsError} naming the variable at fault; messages never include a webhook URL.
 *
 * @example
 * const channels = readChannels({ SLACK_WEBHOOK_URL_RELEASE_NOTES: "https://hooks.slack.com/services/T0/B0/x", SLACK_BOT_TOKEN: "xoxb-…", SLACK_CHANNEL_ID_ENG: "C0123ABCD" });
 * channels.names() // ["eng", "release-notes"]
 * channels.get("eng") // { name: "eng", kind: "bot", url: null, channelId: "C0123ABCD", target: "bot:C0123ABCD", owners: null }
 */
export function readChannels(env: Record<string, string | undefined>): ChannelRegistry {
  const urls = new Map<string, { variable: string; url: string }>();
  const channelIds = new Map<string, { variable: string; channelId: string }>();
  const owners = new Map<string, { variable: string; owners: string[] }>();

  for (const variable of Object.keys(env).sort()) {
    const value = env[variable];
    if (value === undefined) continue;
    const urlChannel = channelOf({ variable, prefix: URL_VAR });
    if (urlChannel !== null) {
      putOnce(urls, urlChannel, { variable, url: parseWebhookUrl(variable, value) });
      continue;
    }
    const idChannel = channelOf({ variable, prefix: CHANNEL_ID_VAR });
    if (idChannel !== null) {
      putOnce(channelIds, idChannel, { variable, channelId: parseChannelId(variable, value) });
      continue;
    }
    const ownersChannel = channelOf({ variable, prefix: OWNERS_VAR });
    if (ownersChannel !== null) {
      putOnce(owners, ownersChannel, { variable, owners: parseOwners(variable, value) });
    }
  }

  const hasToken = (env[TOKEN_VAR] ?? "").trim() !== "";
  for (const [name, { variable }] of channelIds) {
    const webhook = urls.get(name);
    if (webhook !== undefined) {
      throw new SettingsError(
        variable,
        `${variable} and ${webhook.variable} both configure channel "${name}": a channel is either a bot channel or a webhook channel, keep one`,
      );
    }
    if (!hasToken) {
      throw new SettingsError(
        variable,
        `${variable} sets a channel id for channel "${name}", but ${TOKEN_VAR} is not set: the app posts to a channel id with its Slack app's bot token (xoxb-…); set ${TOKEN_VAR}, or use ${urlVariableFor(name)} for a webhook channel`,
      );
    }
  }

  for (const [name, { variable }] of owners) {
    if (!urls.has(name) && !channelIds.has(name)) {
      throw new SettingsError(
        variable,
        `${variable} sets owners for channel "${name}", but that channel has no webhook or channel id: set ${urlVariableFor(name)} or ${variableFor(CHANNEL_ID_VAR, name)} too, or remove ${variable}`,
      );
    }
  }

  const dm: SlackChannel | null = hasToken
    ? { name: DM_CHANNEL, kind: "dm", url: null, channelId: null, target: "dm", owners: null }
    : null;
  if (urls.size === 0 && channelIds.size === 0) {
    return createRegistry({
      channels: [
        {
          name: DEFAULT_CHANNEL,
          kind: "log",
          url: null,
          channelId: null,
          target: LOG_ONLY_TARGET,
          owners: null,
        },
      ],
      isLogOnly: true,
      dm,
    });
  }
  const webhookChannels = [...urls].map(([name, { url }]): SlackChannel => ({
    name,
    kind: "webhook",
    url,
    channelId: null,
    target: targetOf(url),
    owners: owners.get(name)?.owners ?? null,
  }));
  const botChannels = [...channelIds].map(([name, { channelId }]): SlackChannel => ({
    name,
    kind: "bot",
    url: null,
    channelId,
    target: `bot:${channelId}`,
    owners: owners.get(name)?.owners ?? null,
  }));
  return createRegistry({ channels: [...webhookChannels, ...botChannels], isLogOnly: false, dm });
}

/** The pacing and logging key for a webhook URL: 12 hex digits of its SHA-256. */
export function targetOf(url: string): string {
  return createHash("sha256").update(url).digest("hex").slice(0, 12);
}

function createRegistry(params: {
  channels: SlackChannel[];
  isLogOnly: boolean;
  dm: SlackChannel | null;
}): ChannelRegistry {
  const byName = new Map(params.channels.map((channel) => [channel.name, channel]));
  const names = [...byName.keys()].sort();
  return {
    names: () => [...names],
    get: (name) => byName.get(name),
    isLogOnly: params.isLogOnly,
    dm: () => params.dm,
    mayUse(channel, owner) {
      const found = byName.get(channel);
      if (found === undefined) return false;
      return found.owners === null || found.owners.includes(owner.toLowerCase());
    },
  };
}

/**
 * The channel a variable configures, or null when it is not one of ours.
 * `PREFIX` alone is `default`; `PREFIX_RELEASE_NOTES` is `release-notes`.
 */
function channelOf(params: { variable: string; prefix: string }): string | null {
  const { variable, prefix } = params;
  if (variable === prefix) return DEFAULT_CHANNEL;
  if (!variable.startsWith(`${prefix}_`)) return null;
  const suffix = variable.slice(prefix.length + 1);
  if (!NAME_SUFFIX_RE.test(suffix)) {
    throw new SettingsError(
      variable,
      `${variable} does not name a channel: after ${prefix}_ write letters and digits, words separated by single underscores, like ${prefix}_RELEASE_NOTES`,
    );
  }
  return suffix.toLowerCase().replaceAll("_", "-");
}

function urlVariableFor(name: string): string {
  return variableFor(URL_VAR, name);
}

/**
 * The two variables that would configure channel `name`, for messages that tell the operator
 * what to set.
 *
 * @example
 * channelVariables("release-notes") // { webhook: "SLACK_WEBHOOK_URL_RELEASE_NOTES", channelId: "SLACK_CHANNEL_ID_RELEASE_NOTES" }
 */
export function channelVariables(name: string): { webhook: string; channelId: string } {
  return { webhook: urlVariableFor(name), channelId: variableFor(CHANNEL_ID_VAR, name) };
}

/** The variable that configures channel `name` under `prefix`: the bare prefix for `default`. */
function variableFor(prefix: string, name: string): string {
  return name === DEFAULT_CHANNEL ? prefix : `${prefix}_${name.toUpperCase().replaceAll("-", "_")}`;
}

function putOnce<T extends { variable: string }>(
  map: Map<string, T>,
  name: string,
  entry: T,
): void {
  const existing = map.get(name);
  if (existing !== undefined) {
    throw new SettingsError(
      entry.variable,
      `${entry.variable} and ${existing.variable} both configure channel "${name}": keep one`,
    );
  }
  map.set(name, entry);
}

function parseWebhookUrl(variable: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === "") {
    throw new SettingsError(
      variable,
      `${variable} is empty: set it to the channel's incoming-webhook URL, or unset it`,
    );
  }
  // The value is a secret: the message says what is wrong with it, never what it is.
  if (!URL.canParse(trimmed) || !["http:", "https:"].includes(new URL(trimmed).protocol)) {
    throw new SettingsError(
      variable,
      `${variable} is not an http(s) URL: set it to the incoming-webhook URL Slack gave you (https://hooks.slack.com/services/...)`,
    );
  }
  return trimmed;
}

function parseChannelId(variable: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === "") {
    throw new SettingsError(
      variable,
      `${variable} is empty: set it to the Slack channel's id (like C0123ABCD), or unset it`,
    );
  }
  // Not echoed: a token or webhook URL pasted into the wrong variable must not reach the log.
  if (!CHANNEL_ID_RE.test(trimmed)) {
    throw new SettingsError(
      variable,
      `${variable} is not a Slack channel id: write the id (C or G, then capital letters and digits, like C0123ABCD), not the channel's name; Slack shows it at the bottom of the channel's details`,
    );
  }
  return trimmed;
}

function parseOwners(variable: string, value: string): string[] {
  const owners = value
    .split(",")
    .map((owner) => owner.trim().toLowerCase())
    .filter((owner) => owner !== "");
  if (owners.length === 0) {
    throw new SettingsError(
      variable,
      `${variable} is empty: list the GitHub owners that may use the channel, like acme,octo-org, or unset it to allow anyone`,
    );
  }
  const bad = owners.find((owner) => !OWNER_RE.test(owner));
  if (bad !== undefined) {
    throw new SettingsError(
      variable,
      `${variable}: "${bad}" is not a GitHub user or organisation name; list owners (not repositories) like acme,octo-org`,
    );
  }
  return [...new Set(owners)];
}
