/**
 * The Web API client against Slack's HTTP answers, mocked with nock at the HTTP layer (the
 * client posts through axios, whose Node adapter nock intercepts): what each call sends, and
 * which outcome every kind of answer comes to, without the token ever reaching a log or an error.
 */
import nock from "nock";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../../src/format/slack-message.js";
import type { Log } from "../../src/shared/log.js";
import { createSlackWebApi, type SlackWebApi } from "../../src/slack/web-api.js";
import { freePort } from "../helpers/free-port.js";

const TOKEN = "xoxb-1111-2222-webapitestsecret";
const SLACK = "https://slack.test";
const API_URL = `${SLACK}/api/`;

const blocks: KnownBlock[] = [
  {
    type: "section",
    text: { type: "mrkdwn", text: "*<https://github.com/octo-org/widgets/pull/7|#7 Fix crash>*" },
  },
];
const message: SlackMessage = { text: "octocat opened #7 Fix crash", blocks };

interface LogCall {
  level: "info" | "warn" | "error";
  details: Record<string, unknown>;
  message: string;
}

function recordingLogger(): Pick<Log, "info" | "warn" | "error"> & { calls: LogCall[] } {
  const calls: LogCall[] = [];
  const record = (level: LogCall["level"]) => (details: Record<string, unknown>, text: string) => {
    calls.push({ level, details, message: text });
  };
  return { calls, info: record("info"), warn: record("warn"), error: record("error") };
}

/** Every log line and outcome of the file, searched for the token at the end. */
const said: unknown[] = [];

function setup(params: { apiUrl?: string; timeoutMs?: number } = {}): {
  api: SlackWebApi;
  log: ReturnType<typeof recordingLogger>;
} {
  const log = recordingLogger();
  said.push(log.calls);
  const api = createSlackWebApi({
    token: TOKEN,
    apiUrl: params.apiUrl ?? API_URL,
    log,
    ...(params.timeoutMs === undefined ? {} : { timeoutMs: params.timeoutMs }),
  });
  return { api, log };
}

/** A `chat.update` answered with `status` and `body`: the outcome, recorded for the token check. */
async function updateAnswered(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<unknown> {
  const scope = nock(SLACK)
    .post("/api/chat.update")
    .reply(status, body as nock.Body, headers);
  const { api } = setup();
  const outcome = await api.update({ channel: "C0123", ts: "1700000000.000100", message });
  said.push(outcome);
  expect(scope.isDone()).toBe(true);
  return outcome;
}

const consoleSpies: ReturnType<typeof vi.spyOn>[] = [];
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    consoleSpies.push(vi.spyOn(console, method));
  }
});
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  // The client's own logger is silenced: nothing of it reached the console in the whole file.
  for (const spy of consoleSpies) {
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  }
  // Nothing any call logged or answered carried the token.
  expect(JSON.stringify(said)).not.toContain(TOKEN);
  expect(JSON.stringify(said)).not.toContain("webapitestsecret");
});

describe("what each call sends", () => {
  it("postMessage sends the token, channel, text, blocks and no unfurling; answers Slack's channel and ts", async () => {
    let body: unknown;
    const scope = nock(SLACK)
      .post("/api/chat.postMessage", (received) => {
        body = received;
        return true;
      })
      .matchHeader("authorization", `Bearer ${TOKEN}`)
      .reply(200, { ok: true, channel: "C0123", ts: "1700000000.000100", message: {} });
    const { api, log } = setup();
    const outcome = await api.postMessage({ channel: "C0123", message });
    expect(outcome).toEqual({
      result: "ok",
      value: { channel: "C0123", ts: "1700000000.000100" },
    });
    expect(body).toEqual({
      channel: "C0123",
      text: message.text,
      blocks: JSON.stringify(blocks),
      unfurl_links: "false",
      unfurl_media: "false",
    });
    expect(scope.isDone()).toBe(true);
    expect(log.calls).toEqual([]);
  });

  it("postMessage in a thread sends thread_ts and, when asked, reply_broadcast", async () => {
    const bodies: unknown[] = [];
    nock(SLACK)
      .post("/api/chat.postMessage", (received) => {
        bodies.push(received);
        return true;
      })
      .times(3)
      .reply(200, { ok: true, channel: "C0123", ts: "1700000000.000200" });
    const { api } = setup();
    await api.postMessage({ channel: "C0123", message, threadTs: "1700000000.000100" });
    await api.postMessage({
      channel: "C0123",
      message,
      threadTs: "1700000000.000100",
      replyBroadcast: true,
    });
    // A broadcast needs a thread: without threadTs it is not sent.
    await api.postMessage({ channel: "C0123", message, replyBroadcast: true });
    expect(bodies).toMatchObject([
      { thread_ts: "1700000000.000100" },
      { thread_ts: "1700000000.000100", reply_broadcast: "true" },
      {},
    ]);
    expect(bodies[0]).not.toHaveProperty("reply_broadcast");
    expect(bodies[2]).not.toHaveProperty("thread_ts");
    expect(bodies[2]).not.toHaveProperty("reply_broadcast");
  });

  it("leaves out an empty block list", async () => {
    let body: unknown;
    nock(SLACK)
      .post("/api/chat.postMessage", (received) => {
        body = received;
        return true;
      })
      .reply(200, { ok: true, channel: "C0123", ts: "1.2" });
    await setup().api.postMessage({ channel: "C0123", message: { text: "plain", blocks: [] } });
    expect(body).not.toHaveProperty("blocks");
    expect(body).toMatchObject({ text: "plain" });
  });

  it("update sends channel, ts, text and blocks", async () => {
    let body: unknown;
    nock(SLACK)
      .post("/api/chat.update", (received) => {
        body = received;
        return true;
      })
      .matchHeader("authorization", `Bearer ${TOKEN}`)
      .reply(200, { ok: true, channel: "C0123", ts: "1700000000.000100", text: "x" });
    const outcome = await setup().api.update({
      channel: "C0123",
      ts: "1700000000.000100",
      message,
    });
    expect(outcome).toEqual({
      result: "ok",
      value: { channel: "C0123", ts: "1700000000.000100" },
    });
    expect(body).toEqual({
      channel: "C0123",
      ts: "1700000000.000100",
      text: message.text,
      blocks: JSON.stringify(blocks),
    });
  });

  it("openDm opens the conversation with the user and answers its D… id", async () => {
    let body: unknown;
    nock(SLACK)
      .post("/api/conversations.open", (received) => {
        body = received;
        return true;
      })
      .reply(200, { ok: true, channel: { id: "D0456" } });
    expect(await setup().api.openDm({ user: "U0123ABCD" })).toEqual({
      result: "ok",
      value: { channel: "D0456" },
    });
    expect(body).toEqual({ users: "U0123ABCD" });
  });

  it("userInfo answers id, name, deleted and isBot", async () => {
    nock(SLACK)
      .post("/api/users.info", { user: "U0123ABCD" })
      .reply(200, {
        ok: true,
        user: { id: "U0123ABCD", name: "octocat", deleted: false, is_bot: false },
      })
      .post("/api/users.info", { user: "U0BOT" })
      .reply(200, { ok: true, user: { id: "U0BOT", name: "ci-bot", deleted: true, is_bot: true } });
    const { api } = setup();
    expect(await api.userInfo({ user: "U0123ABCD" })).toEqual({
      result: "ok",
      value: { id: "U0123ABCD", name: "octocat", deleted: false, isBot: false },
    });
    expect(await api.userInfo({ user: "U0BOT" })).toEqual({
      result: "ok",
      value: { id: "U0BOT", name: "ci-bot", deleted: true, isBot: true },
    });
  });

  it("an ok answer without the fields a call needs is dead, not ok", async () => {
    nock(SLACK).post("/api/chat.postMessage").reply(200, { ok: true });
    const { api, log } = setup();
    const outcome = await api.postMessage({ channel: "C0123", message });
    expect(outcome).toEqual({
      result: "dead",
      error: "chat.postMessage: Slack's answer lacks the expected fields",
    });
    expect(log.calls.map((call) => call.level)).toEqual(["error"]);
  });
});

describe("rate limits", () => {
  it("HTTP 429 waits Retry-After, in milliseconds, and the client does not retry by itself", async () => {
    const scope = nock(SLACK)
      .post("/api/chat.postMessage")
      .reply(429, { ok: false, error: "ratelimited" }, { "Retry-After": "7" })
      .post("/api/chat.postMessage")
      .reply(200, { ok: true, channel: "C0123", ts: "1.2" });
    const { api, log } = setup();
    const outcome = await api.postMessage({ channel: "C0123", message });
    said.push(outcome);
    expect(outcome).toEqual({
      result: "retry",
      error: "chat.postMessage: rate limited (HTTP 429)",
      retryAfterMs: 7_000,
    });
    // The second answer was never asked for: our store schedules the retry.
    expect(scope.pendingMocks()).toHaveLength(1);
    expect(log.calls).toEqual([
      {
        level: "warn",
        details: {
          method: "chat.postMessage",
          channel: "C0123",
          threadTs: null,
          error: "chat.postMessage: rate limited (HTTP 429)",
          retryAfterMs: 7_000,
        },
        message: "Slack Web API call failed; it will be retried",
      },
    ]);
  });

  it("HTTP 429 without a readable Retry-After waits a second", async () => {
    expect(await updateAnswered(429, "", {})).toEqual({
      result: "retry",
      error: "chat.update: rate limited (HTTP 429, no usable Retry-After)",
      retryAfterMs: 1_000,
    });
    expect(await updateAnswered(429, "", { "Retry-After": "soon" })).toMatchObject({
      result: "retry",
      retryAfterMs: 1_000,
    });
  });

  it("ok:false ratelimited waits Retry-After when given, else a second", async () => {
    expect(
      await updateAnswered(200, { ok: false, error: "ratelimited" }, { "Retry-After": "3" }),
    ).toEqual({ result: "retry", error: "chat.update: ratelimited", retryAfterMs: 3_000 });
    expect(await updateAnswered(200, { ok: false, error: "ratelimited" })).toEqual({
      result: "retry",
      error: "chat.update: ratelimited",
      retryAfterMs: 1_000,
    });
  });
});

describe("transient failures retry on the schedule", () => {
  it.each([500, 502, 503, 504])("HTTP %i", async (status) => {
    expect(await updateAnswered(status, "upstream trouble")).toEqual({
      result: "retry",
      error: `chat.update: Slack answered HTTP ${status}: upstream trouble`,
      retryAfterMs: null,
    });
  });

  it.each(["internal_error", "fatal_error", "service_unavailable", "request_timeout"])(
    "ok:false %s",
    async (code) => {
      expect(await updateAnswered(200, { ok: false, error: code })).toEqual({
        result: "retry",
        error: `chat.update: ${code}`,
        retryAfterMs: null,
      });
    },
  );

  it("a connection that fails", async () => {
    nock(SLACK).post("/api/chat.postMessage").replyWithError("socket hang up");
    const outcome = await setup().api.postMessage({ channel: "C0123", message });
    said.push(outcome);
    expect(outcome).toEqual({
      result: "retry",
      error: "chat.postMessage: request failed: socket hang up",
      retryAfterMs: null,
    });
  });

  it("a refused connection", async () => {
    const port = await freePort();
    const { api } = setup({ apiUrl: `http://127.0.0.1:${port}/api/` });
    const outcome = await api.openDm({ user: "U0123ABCD" });
    said.push(outcome);
    expect(outcome).toMatchObject({ result: "retry", retryAfterMs: null });
    expect(outcome.result === "retry" && outcome.error).toMatch(
      /^conversations\.open: request failed: .*ECONNREFUSED/,
    );
  });

  it("no answer within timeoutMs", async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer(() => {
      // Never answers.
    });
    server.on("connection", (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { api, log } = setup({ apiUrl: `http://127.0.0.1:${port}/api/`, timeoutMs: 150 });
      const started = Date.now();
      const outcome = await api.userInfo({ user: "U0123ABCD" });
      said.push(outcome);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(outcome).toMatchObject({ result: "retry", retryAfterMs: null });
      expect(outcome.result === "retry" && outcome.error).toMatch(
        /^users\.info: no answer in time \(timeout of 150ms exceeded/,
      );
      expect(log.calls.map((call) => call.level)).toEqual(["warn"]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("a message that is gone", () => {
  it.each(["message_not_found", "thread_not_found"])("ok:false %s", async (code) => {
    const scope = nock(SLACK).post("/api/chat.update").reply(200, { ok: false, error: code });
    const { api, log } = setup();
    const outcome = await api.update({ channel: "C0123", ts: "1700000000.000100", message });
    said.push(outcome);
    expect(outcome).toEqual({ result: "gone", error: `chat.update: ${code}` });
    expect(scope.isDone()).toBe(true);
    expect(log.calls).toEqual([
      {
        level: "info",
        details: {
          method: "chat.update",
          channel: "C0123",
          ts: "1700000000.000100",
          error: `chat.update: ${code}`,
        },
        message: "Slack no longer has the message this call refers to",
      },
    ]);
  });
});

describe("dead: the same call would fail again", () => {
  it.each([
    [
      "channel_not_found",
      "chat.update: channel_not_found (no such channel, or the bot cannot see it (check SLACK_CHANNEL_ID; a private channel needs the bot invited))",
    ],
    [
      "not_in_channel",
      "chat.update: not_in_channel (the bot is not a member of the channel: invite it there (/invite @your-app))",
    ],
    ["is_archived", "chat.update: is_archived (the channel is archived)"],
    ["invalid_auth", "chat.update: invalid_auth (SLACK_BOT_TOKEN is not a valid token)"],
    [
      "token_revoked",
      "chat.update: token_revoked (SLACK_BOT_TOKEN was revoked: reinstall the app and set the new token)",
    ],
    [
      "account_inactive",
      "chat.update: account_inactive (the app's bot user is deactivated or the app was uninstalled)",
    ],
    ["user_not_found", "chat.update: user_not_found (no such Slack user)"],
    ["cant_update_message", "chat.update: cant_update_message"],
    ["some_future_error", "chat.update: some_future_error"],
  ])("ok:false %s", async (code, error) => {
    expect(await updateAnswered(200, { ok: false, error: code })).toEqual({
      result: "dead",
      error,
    });
  });

  it("missing_scope names the scope Slack says is needed", async () => {
    expect(
      await updateAnswered(200, { ok: false, error: "missing_scope", needed: "im:write" }),
    ).toEqual({
      result: "dead",
      error:
        "chat.update: missing_scope (the app lacks a scope: reinstall it from slack-app-manifest.yml; needed: im:write)",
    });
  });

  it("an HTTP 4xx other than 429 (a wrong SLACK_API_URL)", async () => {
    expect(await updateAnswered(404, "Not Found")).toEqual({
      result: "dead",
      error: "chat.update: Slack answered HTTP 404: Not Found",
    });
  });

  it("logs the refusal as an error", async () => {
    nock(SLACK).post("/api/chat.postMessage").reply(200, { ok: false, error: "not_in_channel" });
    const { api, log } = setup();
    await api.postMessage({ channel: "C0999", message, threadTs: "1.1" });
    expect(log.calls).toHaveLength(1);
    expect(log.calls[0]).toMatchObject({
      level: "error",
      details: { method: "chat.postMessage", channel: "C0999", threadTs: "1.1" },
      message: "Slack refused the call; it will not be retried",
    });
    expect(String(log.calls[0]?.details.error)).toContain("invite");
  });
});

describe("the token stays secret", () => {
  it("is scrubbed from an error that quotes it", async () => {
    const outcome = await updateAnswered(500, `bad token ${TOKEN} in request`);
    expect(outcome).toEqual({
      result: "retry",
      error: "chat.update: Slack answered HTTP 500: bad token [SLACK_BOT_TOKEN] in request",
      retryAfterMs: null,
    });
    const echoed = await updateAnswered(200, { ok: false, error: `invalid ${TOKEN}` });
    expect(echoed).toEqual({ result: "dead", error: "chat.update: invalid [SLACK_BOT_TOKEN]" });
  });
});

describe("createSlackWebApi", () => {
  it("refuses settings it cannot work with", () => {
    const log = recordingLogger();
    expect(() => createSlackWebApi({ token: TOKEN, apiUrl: API_URL, log, timeoutMs: 0 })).toThrow(
      "timeoutMs must be a positive number of milliseconds, got 0",
    );
    expect(() => createSlackWebApi({ token: TOKEN, apiUrl: "slack api", log })).toThrow(
      'apiUrl must be a URL, got "slack api"',
    );
    expect(() => createSlackWebApi({ token: " ", apiUrl: API_URL, log })).toThrow(
      "token must not be empty",
    );
  });
});
