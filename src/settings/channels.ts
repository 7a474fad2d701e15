/**
 * The Slack channels the operator configured. Only the operator names channels (from the
 * environment); repository config can only pick among them, so a repository cannot make the
 * app post to a webhook it was not given.
 */
import { createHash } from "node:crypto";
import { SettingsError } from "./settings-error.js";
import { DEFAULT_CHANNEL } from "../repo-config/defaults.js";

/** One operator-configured channel. */
export interface SlackChannel {
  /** As repository config writes it, e.g. `default`, `release-notes`. */
  name: string;
  /** The incoming-webhook URL, a secret; `null` means messages are only logged. */
  url: string | null;
  /**
   * A short hash of the URL: the pacing key (channels sharing a webhook share its rate limit)
   * and what logs show instead of the URL.
   */
  target: string;
  /** Lower-cased GitHub owners whose repositories may route here; `null` means anyone. */
  owners: string[] | null;
}

export interface ChannelRegistry {
  /** Channel names, sorted. */
  names(): string[];
  get(name: string): SlackChannel | undefined;
  /** True when no webhook URL is configured at all: the one `default` channel only logs. */
  isLogOnly: boolean;
  /** Whether a repository of `owner` may route to `channel` (false for an unknown channel). */
  mayUse(channel: string, owner: string): boolean;
}

const URL_VAR = "SLACK_WEBHOOK_URL";
const OWNERS_VAR = "SLACK_CHANNEL_OWNERS";
const LOG_ONLY_TARGET = "log-only";
const NAME_SUFFIX_RE = /^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*$/;
// GitHub logins and organisation names: letters, digits and single inner hyphens.
const OWNER_RE = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$/;

/**
 * Reads the channels from the environment, validating every Slack variable.
 * `SLACK_WEBHOOK_URL` is channel `default`; `SLACK_WEBHOOK_URL_<NAME>` is channel `<name>`
 * (lower-cased, `_` read as `-`); `SLACK_CHANNEL_OWNERS_<NAME>=acme,octo-org` limits which
 * repository owners may route there. Throws a {@link SettingsError} naming the variable at fault;
 * messages never include a webhook URL.
 *
 * @example
 * const channels = readChannels({ SLACK_WEBHOOK_URL_RELEASE_NOTES: "https://hooks.slack.com/services/T0/B0/x" });
 * channels.names() // ["release-notes"]
 */
export function readChannels(env: Record<string, string | undefined>): ChannelRegistry {
  const urls = new Map<string, { variable: string; url: string }>();
  const owners = new Map<string, { variable: string; owners: string[] }>();

  for (const variable of Object.keys(env).sort()) {
    const value = env[variable];
    if (value === undefined) continue;
    const urlChannel = channelOf({ variable, prefix: URL_VAR });
    if (urlChannel !== null) {
      putOnce(urls, urlChannel, { variable, url: parseWebhookUrl(variable, value) });
      continue;
    }
    const ownersChannel = channelOf({ variable, prefix: OWNERS_VAR });
    if (ownersChannel !== null) {
      putOnce(owners, ownersChannel, { variable, owners: parseOwners(variable, value) });
    }
  }

  for (const [name, { variable }] of owners) {
    if (!urls.has(name)) {
      throw new SettingsError(
        variable,
        `${variable} sets owners for channel "${name}", but that channel has no webhook: set ${urlVariableFor(name)} too, or remove ${variable}`,
      );
    }
  }

  if (urls.size === 0) {
    return createRegistry({
      channels: [{ name: DEFAULT_CHANNEL, url: null, target: LOG_ONLY_TARGET, owners: null }],
      isLogOnly: true,
    });
  }
  const channels = [...urls].map(([name, { url }]) => ({
    name,
    url,
    target: targetOf(url),
    owners: owners.get(name)?.owners ?? null,
  }));
  return createRegistry({ channels, isLogOnly: false });
}

/** The pacing and logging key for a webhook URL: 12 hex digits of its SHA-256. */
export function targetOf(url: string): string {
  return createHash("sha256").update(url).digest("hex").slice(0, 12);
}

function createRegistry(params: { channels: SlackChannel[]; isLogOnly: boolean }): ChannelRegistry {
  const byName = new Map(params.channels.map((channel) => [channel.name, channel]));
  const names = [...byName.keys()].sort();
  return {
    names: () => [...names],
    get: (name) => byName.get(name),
    isLogOnly: params.isLogOnly,
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
  return name === DEFAULT_CHANNEL
    ? URL_VAR
    : `${URL_VAR}_${name.toUpperCase().replaceAll("-", "_")}`;
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
