/**
 * Talks to Slack's Web API with the Slack app's bot token: posts (top level or in a thread),
 * edits a thread's parent, opens a direct-message channel and looks a user up. Like the webhook
 * poster, it never throws, never retries by itself (the store is the retry queue, so the
 * client's own retries and rate-limit queue are off) and never lets the token reach a log line
 * or an error. Each call says what happened as an {@link ApiOutcome}.
 *
 * Slack answers most errors with HTTP 200 and `{ ok: false, error }`; which of those are worth
 * retrying is decided here, in {@link classifyWebApiError}.
 */
import { createRequire } from "node:module";
import type { Logger, WebAPICallResult } from "@slack/web-api";

type WebApiModule = typeof import("@slack/web-api");

/**
 * Slack's Web API package, loaded on first use: an app without a bot token (webhook channels
 * only) never loads it, and never pays its memory (about 6 MiB of RSS; issue 12). It is
 * CommonJS, so `require` loads it where it is needed without making its callers async.
 */
function webApi(): WebApiModule {
  return createRequire(import.meta.url)("@slack/web-api") as WebApiModule;
}
import type { SlackMessage } from "../format/slack-message.js";
import type { Log } from "../shared/log.js";
import { answerText, describeError } from "../shared/error-text.js";

/** What one Web API call came to. */
export type ApiOutcome<T> =
  /** Slack did it; `value` is what its answer says. */
  | { result: "ok"; value: T }
  /**
   * Worth trying again: rate limited (`retryAfterMs` from Retry-After), HTTP 5xx, no answer, or
   * a Slack error that says it is Slack's trouble (`internal_error`...); `retryAfterMs` is null
   * when Slack did not say when.
   */
  | { result: "retry"; error: string; retryAfterMs: number | null }
  /** Will fail the same way again (unknown channel, bot not invited, bad token...). */
  | { result: "dead"; error: string }
  /** The message to update or reply to no longer exists (`message_not_found`, `thread_not_found`). */
  | { result: "gone"; error: string };

/** An outcome other than `ok`. */
export type FailedCall = Exclude<ApiOutcome<never>, { result: "ok" }>;

/** Where a message landed: Slack's channel id (a `D…` id for a DM) and the message's `ts`. */
export interface PostedMessage {
  /** The channel id from Slack's answer. */
  channel: string;
  /** The message's timestamp id, e.g. `1700000000.000100`: what threads and updates refer to. */
  ts: string;
}

/** What `users.info` says about a Slack user. */
export interface SlackUserInfo {
  /** The user id, `U…` or `W…`. */
  id: string;
  /** The user's handle. */
  name: string;
  /** True when the account was deactivated. */
  deleted: boolean;
  /** True for a bot user (an app), who cannot be mentioned to any effect. */
  isBot: boolean;
}

/** The Web API calls the notifier makes. */
export interface SlackWebApi {
  /**
   * `chat.postMessage`: a new message, or a reply in the thread of `threadTs`; with
   * `replyBroadcast` a reply is also shown in the channel (ignored without `threadTs`). Links
   * are never unfurled.
   */
  postMessage(params: {
    channel: string;
    message: SlackMessage;
    threadTs?: string;
    replyBroadcast?: boolean;
  }): Promise<ApiOutcome<PostedMessage>>;
  /** `chat.update`: replaces the text and blocks of the message `ts` (a thread's parent). */
  update(params: {
    channel: string;
    ts: string;
    message: SlackMessage;
  }): Promise<ApiOutcome<PostedMessage>>;
  /** `conversations.open`: the direct-message channel with `user`, opened if needed. */
  openDm(params: { user: string }): Promise<ApiOutcome<{ channel: string }>>;
  /** `users.info`: whether `user` exists, is active and is a person. */
  userInfo(params: { user: string }): Promise<ApiOutcome<SlackUserInfo>>;
}

export const DEFAULT_API_TIMEOUT_MS = 10_000;
/** A 429 without a usable Retry-After waits this long (as for webhooks). */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
const MAX_DETAIL_CHARS = 200;

/** Slack errors that say the trouble is Slack's, not the request's. */
const TRANSIENT_ERRORS = new Set([
  "ratelimited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);
/** Slack errors that say the message to update or reply to is no longer there. */
const GONE_ERRORS = new Set(["message_not_found", "thread_not_found"]);
/** What the operator can do about a dead error, appended to Slack's code. */
const DEAD_HINTS: Record<string, string> = {
  channel_not_found:
    "no such channel, or the bot cannot see it (check SLACK_CHANNEL_ID; a private channel needs the bot invited)",
  not_in_channel: "the bot is not a member of the channel: invite it there (/invite @your-app)",
  is_archived: "the channel is archived",
  invalid_auth: "SLACK_BOT_TOKEN is not a valid token",
  not_authed: "no token was sent",
  token_revoked: "SLACK_BOT_TOKEN was revoked: reinstall the app and set the new token",
  account_inactive: "the app's bot user is deactivated or the app was uninstalled",
  user_not_found: "no such Slack user",
  missing_scope: "the app lacks a scope: reinstall it from slack-app-manifest.yml",
};

/**
 * Creates the client. One client serves every channel and every call is independent.
 *
 * @example
 * const slack = createSlackWebApi({ token: settings.slackBotToken, apiUrl: settings.slackApiUrl, log });
 * const posted = await slack.postMessage({ channel: "C0123ABCD", message });
 * if (posted.result === "ok") await store.saveParent({ ...key, slackChannel: posted.value.channel, ts: posted.value.ts, ... });
 */
export function createSlackWebApi(params: {
  /** The bot token, `xoxb-…`; a secret. */
  token: string;
  /** The Web API base, e.g. `https://slack.com/api/`. */
  apiUrl: string;
  log: Pick<Log, "info" | "warn" | "error">;
  /** How long one call may take before it counts as no answer. */
  timeoutMs?: number;
}): SlackWebApi {
  const { token, log } = params;
  const timeoutMs = params.timeoutMs ?? DEFAULT_API_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  if (!URL.canParse(params.apiUrl)) {
    throw new RangeError(`apiUrl must be a URL, got "${params.apiUrl}"`);
  }
  if (token.trim() === "") throw new RangeError("token must not be empty");

  const { WebClient } = webApi();
  const client = new WebClient(token, {
    slackApiUrl: params.apiUrl,
    // Our store schedules retries and paces channels; the client's queue would hold a call
    // (and a worker's claim) for minutes in memory.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    // The client logs request details at debug and repeats its failures at warn; every outcome
    // is logged below, scrubbed, so its own logger says nothing.
    logger: SILENT_LOGGER,
    // A method name is never a URL here, but make sure the token only goes to apiUrl.
    allowAbsoluteUrls: false,
  });

  /** One call: its outcome, the failure logged, the token scrubbed from any error. */
  async function call<T>(
    method: string,
    args: Record<string, unknown>,
    read: (answer: WebAPICallResult) => T | null,
    context: Record<string, unknown>,
  ): Promise<ApiOutcome<T>> {
    let outcome: ApiOutcome<T>;
    try {
      const answer = await client.apiCall(method, args);
      const value = read(answer);
      outcome =
        value === null
          ? { result: "dead", error: `${method}: Slack's answer lacks the expected fields` }
          : { result: "ok", value };
    } catch (error) {
      outcome = classifyWebApiError({ method, error });
    }
    if (outcome.result === "ok") return outcome;

    const failed: FailedCall = { ...outcome, error: scrubToken(outcome.error, token) };
    const details = { method, ...context, error: failed.error };
    if (failed.result === "retry") {
      log.warn(
        { ...details, retryAfterMs: failed.retryAfterMs },
        "Slack Web API call failed; it will be retried",
      );
    } else if (failed.result === "gone") {
      log.info(details, "Slack no longer has the message this call refers to");
    } else {
      log.error(details, "Slack refused the call; it will not be retried");
    }
    return failed;
  }

  return {
    postMessage({ channel, message, threadTs, replyBroadcast }) {
      const args: Record<string, unknown> = {
        channel,
        ...messageArgs(message),
        unfurl_links: false,
        unfurl_media: false,
      };
      if (threadTs !== undefined) {
        args.thread_ts = threadTs;
        if (replyBroadcast === true) args.reply_broadcast = true;
      }
      return call("chat.postMessage", args, readPosted, { channel, threadTs: threadTs ?? null });
    },
    update({ channel, ts, message }) {
      return call("chat.update", { channel, ts, ...messageArgs(message) }, readPosted, {
        channel,
        ts,
      });
    },
    openDm({ user }) {
      return call(
        "conversations.open",
        { users: user },
        (answer) => {
          const id = field(answer, "channel", "id");
          return typeof id === "string" ? { channel: id } : null;
        },
        { user },
      );
    },
    userInfo({ user }) {
      return call(
        "users.info",
        { user },
        (answer) => {
          const id = field(answer, "user", "id");
          const name = field(answer, "user", "name");
          if (typeof id !== "string" || typeof name !== "string") return null;
          return {
            id,
            name,
            deleted: field(answer, "user", "deleted") === true,
            isBot: field(answer, "user", "is_bot") === true,
          };
        },
        { user },
      );
    },
  };
}

/**
 * Decides what a failed call is worth. `ratelimited` and HTTP 429 wait for Retry-After; 5xx,
 * no answer, a timeout and Slack's own troubles retry on the schedule; `message_not_found` and
 * `thread_not_found` say the message is gone; every other Slack error is dead, with its code
 * and what the operator can do.
 *
 * @example
 * classifyWebApiError({ method: "chat.postMessage", error: platformError("not_in_channel") })
 * // { result: "dead", error: "chat.postMessage: not_in_channel (the bot is not a member of the channel: invite it there (/invite @your-app))" }
 */
export function classifyWebApiError(params: { method: string; error: unknown }): FailedCall {
  const { method, error } = params;
  const code = codeOf(error);
  const { ErrorCode } = webApi();
  if (code === ErrorCode.RateLimitedError) {
    const seconds = (error as { retryAfter?: unknown }).retryAfter;
    return {
      result: "retry",
      error: `${method}: rate limited (HTTP 429)`,
      retryAfterMs:
        typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0
          ? Math.round(seconds * 1_000)
          : DEFAULT_RATE_LIMIT_WAIT_MS,
    };
  }
  if (code === ErrorCode.PlatformError) {
    const data = (
      error as {
        data?: { error?: unknown; needed?: unknown; response_metadata?: { retryAfter?: unknown } };
      }
    ).data;
    const slackError = typeof data?.error === "string" ? data.error : "unknown_error";
    if (TRANSIENT_ERRORS.has(slackError)) {
      const seconds = data?.response_metadata?.retryAfter;
      const retryAfterMs =
        typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0
          ? Math.round(seconds * 1_000)
          : slackError === "ratelimited"
            ? DEFAULT_RATE_LIMIT_WAIT_MS
            : null;
      return { result: "retry", error: `${method}: ${slackError}`, retryAfterMs };
    }
    if (GONE_ERRORS.has(slackError)) return { result: "gone", error: `${method}: ${slackError}` };
    const hint = DEAD_HINTS[slackError];
    const needed = typeof data?.needed === "string" ? `; needed: ${data.needed}` : "";
    return {
      result: "dead",
      error: hint ? `${method}: ${slackError} (${hint}${needed})` : `${method}: ${slackError}`,
    };
  }
  if (code === ErrorCode.HTTPError) {
    const status = (error as { statusCode?: unknown }).statusCode;
    const body = summarise((error as { body?: unknown }).body);
    const text = `${method}: Slack answered HTTP ${String(status)}${body ? `: ${body}` : ""}`;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return { result: "dead", error: text };
    }
    return { result: "retry", error: text, retryAfterMs: null };
  }
  if (code === ErrorCode.RequestError) {
    const original = (error as { original?: unknown }).original;
    const originalCode = (original as { code?: unknown } | undefined)?.code;
    if (originalCode === "ECONNABORTED" || originalCode === "ETIMEDOUT") {
      return {
        result: "retry",
        error: `${method}: no answer in time (${describeError(original)})`,
        retryAfterMs: null,
      };
    }
    return {
      result: "retry",
      error: `${method}: request failed: ${describeError(original ?? error)}`,
      retryAfterMs: null,
    };
  }
  // A 429 whose Retry-After the client could not read comes as a plain error.
  const text = describeError(error);
  if (/retry header did not contain a valid timeout/i.test(text)) {
    return {
      result: "retry",
      error: `${method}: rate limited (HTTP 429, no usable Retry-After)`,
      retryAfterMs: DEFAULT_RATE_LIMIT_WAIT_MS,
    };
  }
  return { result: "retry", error: `${method}: ${text}`, retryAfterMs: null };
}

/** A logger that drops everything (the client's own; see createSlackWebApi). */
const SILENT_LOGGER: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => webApi().LogLevel.ERROR,
  setName: () => {},
};

/** The message's text and blocks as Slack's arguments; an empty block list is left out. */
function messageArgs(message: SlackMessage): Record<string, unknown> {
  return message.blocks.length > 0
    ? { text: message.text, blocks: message.blocks }
    : { text: message.text };
}

function readPosted(answer: WebAPICallResult): PostedMessage | null {
  const { channel, ts } = answer as { channel?: unknown; ts?: unknown };
  return typeof channel === "string" && typeof ts === "string" ? { channel, ts } : null;
}

/** `answer[outer][inner]`, or undefined when `answer[outer]` is not an object. */
function field(answer: WebAPICallResult, outer: string, inner: string): unknown {
  const value = (answer as unknown as Record<string, unknown>)[outer];
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[inner]
    : undefined;
}

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}

function summarise(body: unknown): string {
  const text = typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body);
  return answerText(text ?? "", MAX_DETAIL_CHARS);
}

function scrubToken(text: string, token: string): string {
  return text.replaceAll(token, "[SLACK_BOT_TOKEN]");
}
