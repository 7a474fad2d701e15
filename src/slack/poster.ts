/**
 * Posts one message to one channel's incoming webhook and says what happened: sent, worth
 * retrying (and when), or dead. Never throws, never retries by itself (the worker schedules
 * retries, see `retry-schedule.ts`), and never lets the webhook URL, a secret, reach a log
 * line or an error.
 */
import type { Log } from "../shared/log.js";
import {
  IncomingWebhook,
  IncomingWebhookHTTPError,
  IncomingWebhookRequestError,
} from "@slack/webhook";
import type { FetchFunction } from "@slack/webhook";
import type { SlackMessage } from "../format/slack-message.js";
import type { SlackChannel } from "../settings/channels.js";
import { answerText, describeError } from "../shared/error-text.js";

export type PostOutcome =
  | { result: "sent" }
  | { result: "retry"; error: string; retryAfterMs: number | null }
  | { result: "dead"; error: string };

export type FailedPost = Exclude<PostOutcome, { result: "sent" }>;

/** What went wrong with a post, as `classifySlackFailure` needs it. */
export type SlackFailure =
  /** Slack (or a proxy) answered with a non-2xx status. */
  | { kind: "http"; status: number; body: string; retryAfter: string | null; nowMs: number }
  /** No answer: DNS, connection refused or reset, TLS... */
  | { kind: "network"; message: string }
  | { kind: "timeout"; timeoutMs: number };

export interface SlackPoster {
  post(channel: SlackChannel, message: SlackMessage): Promise<PostOutcome>;
}

export const DEFAULT_POST_TIMEOUT_MS = 10_000;
/** A 429 without a usable Retry-After waits this long. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
const MAX_BODY_CHARS = 200;

/**
 * Creates the poster. One poster serves every channel; each post is independent.
 *
 * @example
 * const poster = createSlackPoster({ log: app.log });
 * const outcome = await poster.post(channels.get("default")!, message);
 * if (outcome.result === "retry") scheduleRetry(outcome.retryAfterMs);
 */
export function createSlackPoster(params: {
  log: Pick<Log, "info" | "warn" | "error">;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** The clock, for Retry-After given as a date. */
  now?: () => number;
}): SlackPoster {
  const { log } = params;
  const timeoutMs = params.timeoutMs ?? DEFAULT_POST_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  const fetchImpl = params.fetch ?? globalThis.fetch;
  const now = params.now ?? Date.now;

  return {
    async post(channel, message) {
      if (channel.url === null) {
        log.info(
          {
            channel: channel.name,
            target: channel.target,
            text: message.text,
            blocks: message.blocks,
          },
          "Slack message (log-only: no webhook URL is configured)",
        );
        return { result: "sent" };
      }
      const failure = await send({ url: channel.url, message, timeoutMs, fetchImpl, now });
      if (failure === null) return { result: "sent" };

      const outcome = scrubOutcome(classifySlackFailure(failure), channel.url);
      const details = {
        channel: channel.name,
        target: channel.target,
        status: failure.kind === "http" ? failure.status : null,
        error: outcome.error,
      };
      if (outcome.result === "retry") {
        log.warn(
          { ...details, retryAfterMs: outcome.retryAfterMs },
          "Slack post failed; it will be retried",
        );
      } else {
        log.error(details, "Slack refused the message; it will not be retried");
      }
      return outcome;
    },
  };
}

/**
 * Decides whether a failed post is worth retrying. Network errors, timeouts and 5xx are
 * transient; 429 waits for Retry-After (seconds or an HTTP date, 1 s when absent or unreadable);
 * every other 4xx (bad payload, revoked or archived webhook...) will fail the same way again.
 *
 * @example
 * classifySlackFailure({ kind: "http", status: 404, body: "channel_not_found", retryAfter: null, nowMs: 0 })
 * // { result: "dead", error: "Slack answered 404: channel_not_found" }
 */
export function classifySlackFailure(failure: SlackFailure): FailedPost {
  switch (failure.kind) {
    case "network":
      return { result: "retry", error: `request failed: ${failure.message}`, retryAfterMs: null };
    case "timeout":
      return {
        result: "retry",
        error: `no answer within ${failure.timeoutMs} ms`,
        retryAfterMs: null,
      };
    case "http": {
      const error = `Slack answered ${failure.status}: ${summariseBody(failure.body)}`;
      const retryAfterMs = parseRetryAfter({ value: failure.retryAfter, nowMs: failure.nowMs });
      if (failure.status === 429) {
        return { result: "retry", error, retryAfterMs: retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS };
      }
      if (failure.status >= 400 && failure.status < 500) return { result: "dead", error };
      return { result: "retry", error, retryAfterMs };
    }
  }
}

/**
 * Reads a Retry-After header: delay-seconds or an HTTP date. Null when absent or unreadable.
 *
 * @example parseRetryAfter({ value: "3", nowMs: 0 }) // 3000
 */
export function parseRetryAfter(params: { value: string | null; nowMs: number }): number | null {
  const value = params.value?.trim() ?? "";
  if (value === "") return null;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.round(Number(value) * 1_000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - params.nowMs);
}

/** One post through @slack/webhook; returns null when Slack accepted it. */
async function send(params: {
  url: string;
  message: SlackMessage;
  timeoutMs: number;
  fetchImpl: typeof fetch;
  now: () => number;
}): Promise<SlackFailure | null> {
  // @slack/webhook's errors carry the status and body but not the headers, so the fetch it
  // uses records Retry-After for this one call.
  let retryAfter: string | null = null;
  const recordingFetch: FetchFunction = async (url, init) => {
    const response = await params.fetchImpl(url, init);
    retryAfter = response.headers.get("retry-after");
    return response;
  };
  const webhook = new IncomingWebhook(params.url, {
    fetch: recordingFetch,
    timeout: params.timeoutMs,
  });
  try {
    await webhook.send({ text: params.message.text, blocks: params.message.blocks });
    return null;
  } catch (error) {
    if (error instanceof IncomingWebhookHTTPError) {
      return {
        kind: "http",
        status: error.statusCode,
        body: error.body,
        retryAfter,
        nowMs: params.now(),
      };
    }
    const cause = error instanceof IncomingWebhookRequestError ? error.original : error;
    if (cause instanceof Error && cause.name === "TimeoutError") {
      return { kind: "timeout", timeoutMs: params.timeoutMs };
    }
    return { kind: "network", message: describeError(cause) };
  }
}

function summariseBody(body: string): string {
  return answerText(body, MAX_BODY_CHARS) || "(empty body)";
}

function scrubOutcome(outcome: FailedPost, url: string): FailedPost {
  return { ...outcome, error: scrubUrl(outcome.error, url) };
}

/**
 * Removes a webhook URL from text, also in part: the path alone carries the secret, and an
 * error may quote the URL as the URL parser normalised it.
 */
function scrubUrl(text: string, url: string): string {
  const secrets = new Set([url]);
  if (URL.canParse(url)) {
    const parsed = new URL(url);
    secrets.add(parsed.href);
    if (parsed.pathname.length > 1) secrets.add(parsed.pathname + parsed.search);
    const lastSegment = parsed.pathname.split("/").pop() ?? "";
    if (lastSegment.length >= 8) secrets.add(lastSegment);
  }
  let scrubbed = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    scrubbed = scrubbed.replaceAll(secret, "[webhook URL]");
  }
  return scrubbed;
}
