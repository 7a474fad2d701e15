import nock from "nock";
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../../src/format/slack-message.js";
import type { SlackChannel } from "../../src/settings/channels.js";
import { readChannels } from "../../src/settings/channels.js";
import {
  classifySlackFailure,
  createSlackPoster,
  parseRetryAfter,
} from "../../src/slack/poster.js";
import type { Log } from "../../src/shared/log.js";

const WEBHOOK_URL = "https://hooks.slack.com/services/T000/B000/XXXX";
const WEBHOOK_PATH = "/services/T000/B000/XXXX";
const SLACK = "https://hooks.slack.com";
const NOW = Date.parse("2025-06-02T10:00:00Z");

const blocks: KnownBlock[] = [
  {
    type: "section",
    text: {
      type: "mrkdwn",
      text: "*<https://github.com/octo-org/widgets/issues/7|#7 Crash on start>* opened by octocat",
    },
  },
  { type: "context", elements: [{ type: "mrkdwn", text: "octo-org/widgets" }] },
];
const message: SlackMessage = {
  text: "octocat opened #7 Crash on start in octo-org/widgets",
  blocks,
};
const channel: SlackChannel = readChannels({ SLACK_WEBHOOK_URL_ENG: WEBHOOK_URL }).get("eng")!;

interface LogCall {
  level: "info" | "warn" | "error";
  details: Record<string, unknown>;
  message: string;
}

/** A logger that records every call, so tests can read (and search) everything logged. */
function recordingLogger(): Pick<Log, "info" | "warn" | "error"> & { calls: LogCall[] } {
  const calls: LogCall[] = [];
  const record =
    (level: LogCall["level"]) => (details: Record<string, unknown>, message: string) => {
      calls.push({ level, details, message });
    };
  return { calls, info: record("info"), warn: record("warn"), error: record("error") };
}

/** Everything the poster said, as one string, for "the URL appears nowhere" checks. */
function everything(log: { calls: LogCall[] }, outcome: unknown): string {
  return JSON.stringify({ calls: log.calls, outcome });
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(WEBHOOK_URL);
  expect(text).not.toContain(WEBHOOK_PATH);
  expect(text).not.toContain("T000/B000");
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

describe("createSlackPoster().post", () => {
  it("sends the message as JSON with text and blocks", async () => {
    let received: unknown;
    const scope = nock(SLACK)
      .post(WEBHOOK_PATH, (body) => {
        received = body;
        return true;
      })
      .matchHeader("content-type", "application/json")
      .reply(200, "ok");
    const log = recordingLogger();
    const outcome = await createSlackPoster({ log }).post(channel, message);
    expect(outcome).toEqual({ result: "sent" });
    expect(received).toEqual({ text: message.text, blocks });
    expect(scope.isDone()).toBe(true);
  });

  it("sends to the channel's own webhook URL, and nothing when the post succeeds is logged", async () => {
    const scope = nock(SLACK).post(WEBHOOK_PATH).reply(200, "ok");
    const log = recordingLogger();
    expect(await createSlackPoster({ log }).post(channel, message)).toEqual({ result: "sent" });
    expect(log.calls).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it("retries a 429 after Retry-After seconds", async () => {
    const scope = nock(SLACK).post(WEBHOOK_PATH).reply(429, "rate_limited", { "Retry-After": "3" });
    const log = recordingLogger();
    const outcome = await createSlackPoster({ log }).post(channel, message);
    expect(outcome).toMatchInlineSnapshot(`
      {
        "error": "Slack answered 429: rate_limited",
        "result": "retry",
        "retryAfterMs": 3000,
      }
    `);
    expect(scope.isDone()).toBe(true);
  });

  it("retries a 429 at a Retry-After HTTP date", async () => {
    const retryAt = new Date(NOW + 7_000).toUTCString();
    const scope = nock(SLACK)
      .post(WEBHOOK_PATH)
      .reply(429, "rate_limited", { "Retry-After": retryAt });
    const outcome = await createSlackPoster({ log: recordingLogger(), now: () => NOW }).post(
      channel,
      message,
    );
    expect(outcome).toEqual({
      result: "retry",
      error: "Slack answered 429: rate_limited",
      retryAfterMs: 7_000,
    });
    expect(scope.isDone()).toBe(true);
  });

  it("retries a 429 without Retry-After after 1 s", async () => {
    const scope = nock(SLACK).post(WEBHOOK_PATH).reply(429, "rate_limited");
    const outcome = await createSlackPoster({ log: recordingLogger() }).post(channel, message);
    expect(outcome).toEqual({
      result: "retry",
      error: "Slack answered 429: rate_limited",
      retryAfterMs: 1_000,
    });
    expect(scope.isDone()).toBe(true);
  });

  it.each([500, 502, 503])("retries a %i", async (status) => {
    const scope = nock(SLACK).post(WEBHOOK_PATH).reply(status, "internal_error");
    const log = recordingLogger();
    const outcome = await createSlackPoster({ log }).post(channel, message);
    expect(outcome).toEqual({
      result: "retry",
      error: `Slack answered ${status}: internal_error`,
      retryAfterMs: null,
    });
    expect(log.calls).toEqual([
      {
        level: "warn",
        details: {
          channel: "eng",
          target: channel.target,
          status,
          error: outcome.result === "retry" ? outcome.error : "",
          retryAfterMs: null,
        },
        message: "Slack post failed; it will be retried",
      },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it("keeps a 503's Retry-After", async () => {
    const scope = nock(SLACK)
      .post(WEBHOOK_PATH)
      .reply(503, "service_unavailable", { "Retry-After": "120" });
    const outcome = await createSlackPoster({ log: recordingLogger() }).post(channel, message);
    expect(outcome).toEqual({
      result: "retry",
      error: "Slack answered 503: service_unavailable",
      retryAfterMs: 120_000,
    });
    expect(scope.isDone()).toBe(true);
  });

  it("retries a connection error, without the URL the error quotes", async () => {
    const scope = nock(SLACK)
      .post(WEBHOOK_PATH)
      .replyWithError(`connect ECONNRESET ${WEBHOOK_URL}`);
    const log = recordingLogger();
    const outcome = await createSlackPoster({ log }).post(channel, message);
    expect(outcome).toMatchInlineSnapshot(`
      {
        "error": "request failed: fetch failed: connect ECONNRESET [webhook URL]",
        "result": "retry",
        "retryAfterMs": null,
      }
    `);
    expectNoSecret(everything(log, outcome));
    expect(log.calls.map((call) => call.level)).toEqual(["warn"]);
    expect(scope.isDone()).toBe(true);
  });

  it("retries when Slack does not answer within the timeout", async () => {
    // No body: nock holds back the whole response, headers included.
    const scope = nock(SLACK).post(WEBHOOK_PATH).delay(2_000).reply(200);
    const log = recordingLogger();
    const outcome = await createSlackPoster({ log, timeoutMs: 50 }).post(channel, message);
    expect(outcome).toEqual({
      result: "retry",
      error: "no answer within 50 ms",
      retryAfterMs: null,
    });
    expect(log.calls.map((call) => call.level)).toEqual(["warn"]);
    expect(scope.isDone()).toBe(true);
  });

  it("retries when the answer's body does not arrive within the timeout", async () => {
    // An explicit Content-Length makes nock send the headers and hold back the body's end.
    // Without it, undici asserts on the late end of an aborted response.
    const scope = nock(SLACK)
      .post(WEBHOOK_PATH)
      .delay(2_000)
      .reply(200, "ok", { "Content-Length": "2" });
    const outcome = await createSlackPoster({ log: recordingLogger(), timeoutMs: 50 }).post(
      channel,
      message,
    );
    expect(outcome).toEqual({
      result: "retry",
      error: "no answer within 50 ms",
      retryAfterMs: null,
    });
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    [400, "invalid_payload"],
    [400, "no_text"],
    [400, "invalid_blocks"],
    [403, "action_prohibited"],
    [403, "invalid_token"],
    [404, "channel_not_found"],
    [404, "no_service"],
    [404, "no_team"],
    [410, "channel_is_archived"],
    [401, "unauthorized"],
    [413, "request_too_large"],
  ])("gives up on %i %s, with Slack's reason", async (status, reason) => {
    const scope = nock(SLACK).post(WEBHOOK_PATH).reply(status, reason);
    const log = recordingLogger();
    const outcome = await createSlackPoster({ log }).post(channel, message);
    expect(outcome).toEqual({ result: "dead", error: `Slack answered ${status}: ${reason}` });
    expect(log.calls).toEqual([
      {
        level: "error",
        details: {
          channel: "eng",
          target: channel.target,
          status,
          error: `Slack answered ${status}: ${reason}`,
        },
        message: "Slack refused the message; it will not be retried",
      },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it("trims a long error body", async () => {
    const scope = nock(SLACK)
      .post(WEBHOOK_PATH)
      .reply(400, `<html>\n  ${"x".repeat(500)}\n</html>`);
    const outcome = await createSlackPoster({ log: recordingLogger() }).post(channel, message);
    expect(outcome.result).toBe("dead");
    const error = outcome.result === "dead" ? outcome.error : "";
    expect(error.startsWith("Slack answered 400: <html> xxx")).toBe(true);
    expect(error.length).toBeLessThanOrEqual("Slack answered 400: ".length + 201);
    expect(error.endsWith("…")).toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it("never lets the webhook URL out, even when Slack's answer quotes it", async () => {
    const scope = nock(SLACK)
      .post(WEBHOOK_PATH)
      .reply(404, `no_service for ${WEBHOOK_URL}`)
      .post(WEBHOOK_PATH)
      .reply(500, `upstream ${WEBHOOK_PATH} failed`)
      .post(WEBHOOK_PATH)
      .replyWithError(`getaddrinfo ENOTFOUND ${WEBHOOK_URL}`);
    const log = recordingLogger();
    const poster = createSlackPoster({ log });
    const outcomes = [
      await poster.post(channel, message),
      await poster.post(channel, message),
      await poster.post(channel, message),
    ];
    expect(outcomes.map((outcome) => outcome.result)).toEqual(["dead", "retry", "retry"]);
    expect(log.calls).toHaveLength(3);
    expectNoSecret(everything(log, outcomes));
    expect(everything(log, outcomes)).toContain("[webhook URL]");
    expect(scope.isDone()).toBe(true);
  });

  it("logs instead of posting on a log-only channel", async () => {
    const logOnly = readChannels({}).get("default")!;
    const log = recordingLogger();
    const outcome = await createSlackPoster({ log }).post(logOnly, message);
    expect(outcome).toEqual({ result: "sent" });
    expect(log.calls).toEqual([
      {
        level: "info",
        details: { channel: "default", target: "log-only", text: message.text, blocks },
        message: "Slack message (log-only: no webhook URL is configured)",
      },
    ]);
  });

  it("posts through the fetch it is given", async () => {
    const seen: string[] = [];
    const scope = nock(SLACK).post(WEBHOOK_PATH).reply(200, "ok");
    const countingFetch: typeof fetch = async (input, init) => {
      seen.push(init?.method ?? "GET");
      return fetch(input, init);
    };
    const outcome = await createSlackPoster({ log: recordingLogger(), fetch: countingFetch }).post(
      channel,
      message,
    );
    expect(outcome).toEqual({ result: "sent" });
    expect(seen).toEqual(["POST"]);
    expect(scope.isDone()).toBe(true);
  });

  it("rejects a timeout that is not a positive number", () => {
    expect(() =>
      createSlackPoster({ log: recordingLogger(), timeoutMs: 0 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: timeoutMs must be a positive number of milliseconds, got 0]`,
    );
  });
});

describe("classifySlackFailure", () => {
  const http = (status: number, body: string, retryAfter: string | null = null) =>
    classifySlackFailure({ kind: "http", status, body, retryAfter, nowMs: NOW });

  it.each([
    [
      429,
      "rate_limited",
      "3",
      { result: "retry", error: "Slack answered 429: rate_limited", retryAfterMs: 3_000 },
    ],
    [
      429,
      "rate_limited",
      "1.5",
      { result: "retry", error: "Slack answered 429: rate_limited", retryAfterMs: 1_500 },
    ],
    [
      429,
      "rate_limited",
      "soon",
      { result: "retry", error: "Slack answered 429: rate_limited", retryAfterMs: 1_000 },
    ],
    [
      429,
      "",
      null,
      { result: "retry", error: "Slack answered 429: (empty body)", retryAfterMs: 1_000 },
    ],
    [500, "oops", null, { result: "retry", error: "Slack answered 500: oops", retryAfterMs: null }],
    [
      504,
      "gateway timeout",
      "10",
      { result: "retry", error: "Slack answered 504: gateway timeout", retryAfterMs: 10_000 },
    ],
    [400, "invalid_blocks", null, { result: "dead", error: "Slack answered 400: invalid_blocks" }],
    [403, "invalid_token", null, { result: "dead", error: "Slack answered 403: invalid_token" }],
    [
      404,
      "channel_not_found",
      null,
      { result: "dead", error: "Slack answered 404: channel_not_found" },
    ],
    [
      410,
      "channel_is_archived",
      null,
      { result: "dead", error: "Slack answered 410: channel_is_archived" },
    ],
    [
      422,
      "  unprocessable\n ",
      "5",
      { result: "dead", error: "Slack answered 422: unprocessable" },
    ],
  ] as const)("%i %s (Retry-After %s)", (status, body, retryAfter, expected) => {
    expect(http(status, body, retryAfter)).toEqual(expected);
  });

  it("retries network errors and timeouts", () => {
    expect(
      classifySlackFailure({ kind: "network", message: "fetch failed: connect ECONNREFUSED" }),
    ).toEqual({
      result: "retry",
      error: "request failed: fetch failed: connect ECONNREFUSED",
      retryAfterMs: null,
    });
    expect(classifySlackFailure({ kind: "timeout", timeoutMs: 10_000 })).toEqual({
      result: "retry",
      error: "no answer within 10000 ms",
      retryAfterMs: null,
    });
  });
});

describe("parseRetryAfter", () => {
  it.each([
    ["3", 3_000],
    [" 0 ", 0],
    [new Date(NOW + 60_000).toUTCString(), 60_000],
    [new Date(NOW - 60_000).toUTCString(), 0],
    ["soon", null],
    ["", null],
    [null, null],
  ])("reads %s as %s ms", (value, expected) => {
    expect(parseRetryAfter({ value, nowMs: NOW })).toBe(expected);
  });
});
