/**
 * The fake Slack Web API driven by the real client (createSlackWebApi over @slack/web-api), so
 * the fake answers what the client reads and the client sends what the fake (and Slack) reads.
 * A fake that accepted anything would let every end-to-end test built on it pass for nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../../src/format/slack-message.js";
import type { Log } from "../../src/shared/log.js";
import { createSlackWebApi, type SlackWebApi } from "../../src/slack/web-api.js";
import { startFakeSlackApi, type FakeSlackApi } from "./fake-slack-api.js";

const TOKEN = "xoxb-fake-api-test-token";
const parentBlocks: KnownBlock[] = [
  { type: "section", text: { type: "mrkdwn", text: "*#7 Fix crash* open" } },
];
const parent: SlackMessage = { text: "#7 Fix crash: open", blocks: parentBlocks };
const reply: SlackMessage = {
  text: "hubot approved #7",
  blocks: [{ type: "section", text: { type: "mrkdwn", text: "hubot approved" } }],
};

const quiet: Pick<Log, "info" | "warn" | "error"> = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

let fake: FakeSlackApi | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function setup(
  params: Parameters<typeof startFakeSlackApi>[0] = { token: TOKEN },
  token = TOKEN,
): Promise<{ slack: FakeSlackApi; api: SlackWebApi }> {
  fake = await startFakeSlackApi(params);
  const api = createSlackWebApi({ token, apiUrl: fake.url, log: quiet, timeoutMs: 5_000 });
  return { slack: fake, api };
}

describe("startFakeSlackApi", () => {
  it("posts, threads, broadcasts and updates like Slack, with increasing unique ts", async () => {
    const { slack, api } = await setup();
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);

    const first = await api.postMessage({ channel: "C0ENG", message: parent });
    expect(first).toEqual({ result: "ok", value: { channel: "C0ENG", ts: "1700000000.000100" } });
    const ts = first.result === "ok" ? first.value.ts : "";
    const replied = await api.postMessage({ channel: "C0ENG", message: reply, threadTs: ts });
    const merged = await api.postMessage({
      channel: "C0ENG",
      message: { text: "merged", blocks: [] },
      threadTs: ts,
      replyBroadcast: true,
    });
    expect([replied, merged]).toEqual([
      { result: "ok", value: { channel: "C0ENG", ts: "1700000000.000200" } },
      { result: "ok", value: { channel: "C0ENG", ts: "1700000000.000300" } },
    ]);
    const updated = await api.update({
      channel: "C0ENG",
      ts,
      message: { text: "#7 Fix crash: merged", blocks: [{ type: "divider" }] },
    });
    expect(updated).toEqual({ result: "ok", value: { channel: "C0ENG", ts } });

    expect(slack.messages("C0ENG")).toEqual([
      {
        channel: "C0ENG",
        ts,
        text: "#7 Fix crash: merged",
        blocks: [{ type: "divider" }],
        thread_ts: null,
        reply_broadcast: false,
        updates: 1,
        history: [{ text: parent.text, blocks: parentBlocks }],
      },
      {
        channel: "C0ENG",
        ts: "1700000000.000200",
        text: reply.text,
        blocks: reply.blocks,
        thread_ts: ts,
        reply_broadcast: false,
        updates: 0,
        history: [],
      },
      {
        channel: "C0ENG",
        ts: "1700000000.000300",
        text: "merged",
        blocks: [],
        thread_ts: ts,
        reply_broadcast: true,
        updates: 0,
        history: [],
      },
    ]);
    expect(slack.messages("C0OTHER")).toEqual([]);
    // What the client sent, as the fake read it; the token is never recorded.
    expect(slack.calls.map((call) => [call.method, call.status, call.error])).toEqual([
      ["chat.postMessage", 200, null],
      ["chat.postMessage", 200, null],
      ["chat.postMessage", 200, null],
      ["chat.update", 200, null],
    ]);
    expect(slack.calls[2]?.body).toMatchObject({
      channel: "C0ENG",
      thread_ts: ts,
      reply_broadcast: "true",
      unfurl_links: "false",
      unfurl_media: "false",
    });
    expect(JSON.stringify(slack.calls)).not.toContain(TOKEN);
  });

  it("a reply to a reply joins the parent's thread", async () => {
    const { slack, api } = await setup();
    const top = await api.postMessage({ channel: "C0ENG", message: parent });
    const topTs = top.result === "ok" ? top.value.ts : "";
    const first = await api.postMessage({ channel: "C0ENG", message: reply, threadTs: topTs });
    const firstTs = first.result === "ok" ? first.value.ts : "";
    await api.postMessage({ channel: "C0ENG", message: reply, threadTs: firstTs });
    expect(slack.messages("C0ENG").map((message) => message.thread_ts)).toEqual([
      null,
      topTs,
      topTs,
    ]);
  });

  it("a deleted message: its update is message_not_found (gone), a reply thread_not_found (gone)", async () => {
    const { slack, api } = await setup();
    const top = await api.postMessage({ channel: "C0ENG", message: parent });
    const ts = top.result === "ok" ? top.value.ts : "";
    slack.deleteMessage("C0ENG", ts);
    expect(slack.messages("C0ENG")).toEqual([]);
    expect(await api.update({ channel: "C0ENG", ts, message: parent })).toEqual({
      result: "gone",
      error: "chat.update: message_not_found",
    });
    expect(await api.postMessage({ channel: "C0ENG", message: reply, threadTs: ts })).toEqual({
      result: "gone",
      error: "chat.postMessage: thread_not_found",
    });
    expect(
      await api.update({ channel: "C0ENG", ts: "1600000000.000100", message: parent }),
    ).toMatchObject({ result: "gone" });
    expect(() => slack.deleteMessage("C0ENG", "1.2")).toThrow(
      "fake Slack API: no message 1.2 in C0ENG to delete",
    );
  });

  it("checks the bearer token", async () => {
    const { slack, api } = await setup({ token: TOKEN }, "xoxb-some-other-token");
    expect(await api.postMessage({ channel: "C0ENG", message: parent })).toMatchObject({
      result: "dead",
      error: expect.stringMatching(/^chat\.postMessage: invalid_auth/),
    });
    expect(slack.messages("C0ENG")).toEqual([]);
    const response = await fetch(`${slack.url}chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel: "C0ENG", text: "hi" }),
    });
    expect(await response.json()).toEqual({ ok: false, error: "not_authed" });
  });

  it("reads a JSON body as Slack does", async () => {
    const { slack } = await setup();
    const response = await fetch(`${slack.url}chat.postMessage`, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        authorization: `Bearer ${TOKEN}`,
      },
      body: JSON.stringify({ channel: "C0ENG", text: "hi", blocks: [{ type: "divider" }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, channel: "C0ENG" });
    expect(slack.messages("C0ENG")).toMatchObject([{ text: "hi", blocks: [{ type: "divider" }] }]);
  });

  it("answers channel_not_found for channels it does not know, and not_in_channel where the bot is not", async () => {
    const { slack, api } = await setup({ token: TOKEN, channels: ["C0ENG"] });
    expect(await api.postMessage({ channel: "C0NOPE", message: parent })).toMatchObject({
      result: "dead",
      error: expect.stringMatching(/^chat\.postMessage: channel_not_found/),
    });
    expect(await api.postMessage({ channel: "not-an-id", message: parent })).toMatchObject({
      result: "dead",
    });
    const posted = await api.postMessage({ channel: "C0ENG", message: parent });
    expect(posted.result).toBe("ok");
    slack.notInChannel("C0ENG");
    const refused = await api.postMessage({ channel: "C0ENG", message: reply });
    expect(refused).toMatchObject({ result: "dead" });
    expect(refused.result === "dead" && refused.error).toContain("not_in_channel");
    expect(refused.result === "dead" && refused.error).toContain("invite");
    const ts = posted.result === "ok" ? posted.value.ts : "";
    expect(await api.update({ channel: "C0ENG", ts, message: reply })).toMatchObject({
      result: "dead",
      error: expect.stringMatching(/not_in_channel/),
    });
  });

  it("without a channel list, accepts any C…, G… or D… id", async () => {
    const { api } = await setup();
    for (const channel of ["C0AAA", "G0BBB", "D0CCC"]) {
      expect((await api.postMessage({ channel, message: parent })).result).toBe("ok");
    }
  });

  it("failNext answers a 429 with Retry-After, a 5xx or an ok:false error once, in order", async () => {
    const { slack, api } = await setup();
    slack.failNext("chat.postMessage", { status: 429, retryAfter: 4 });
    slack.failNext("chat.postMessage", { status: 503 });
    slack.failNext("chat.postMessage", { error: "internal_error" });
    slack.failNext("chat.postMessage", { error: "ratelimited", retryAfter: 2 });
    slack.failNext("chat.postMessage", { error: "is_archived" });
    const outcomes = [];
    for (let i = 0; i < 6; i += 1) {
      outcomes.push(await api.postMessage({ channel: "C0ENG", message: parent }));
    }
    expect(outcomes).toEqual([
      { result: "retry", error: "chat.postMessage: rate limited (HTTP 429)", retryAfterMs: 4_000 },
      {
        result: "retry",
        error: "chat.postMessage: Slack answered HTTP 503: upstream connect error",
        retryAfterMs: null,
      },
      { result: "retry", error: "chat.postMessage: internal_error", retryAfterMs: null },
      { result: "retry", error: "chat.postMessage: ratelimited", retryAfterMs: 2_000 },
      { result: "dead", error: "chat.postMessage: is_archived (the channel is archived)" },
      { result: "ok", value: { channel: "C0ENG", ts: "1700000000.000100" } },
    ]);
    // Failed calls posted nothing.
    expect(slack.messages("C0ENG")).toHaveLength(1);
    expect(slack.calls.map((call) => [call.status, call.error])).toEqual([
      [429, "ratelimited"],
      [503, "HTTP 503"],
      [200, "internal_error"],
      [200, "ratelimited"],
      [200, "is_archived"],
      [200, null],
    ]);
    // failNext is per method.
    slack.failNext("users.info", { error: "fatal_error" });
    expect((await api.postMessage({ channel: "C0ENG", message: parent })).result).toBe("ok");
  });

  it("conversations.open gives each user one D… channel, where a DM can then be posted", async () => {
    const { slack, api } = await setup({
      token: TOKEN,
      channels: ["C0ENG"],
      users: [
        { id: "U0REVIEW", name: "reviewer" },
        { id: "U0AUTHOR", name: "author" },
        { id: "U0GONE", name: "gone", deleted: true },
      ],
    });
    const first = await api.openDm({ user: "U0REVIEW" });
    const again = await api.openDm({ user: "U0REVIEW" });
    const other = await api.openDm({ user: "U0AUTHOR" });
    expect(first).toEqual({ result: "ok", value: { channel: slack.dmChannelOf("U0REVIEW") } });
    expect(again).toEqual(first);
    expect(other.result === "ok" && other.value.channel).not.toBe(slack.dmChannelOf("U0REVIEW"));
    expect(slack.dmChannelOf("U0REVIEW")).toMatch(/^D[A-Z0-9]+$/);
    expect(await api.openDm({ user: "U0NOBODY" })).toMatchObject({
      result: "dead",
      error: expect.stringMatching(/user_not_found/),
    });
    expect(await api.openDm({ user: "U0GONE" })).toEqual({
      result: "dead",
      error: "conversations.open: user_disabled",
    });

    // The opened DM is a channel the bot may post to, even with a channel list.
    const dm = slack.dmChannelOf("U0REVIEW");
    expect(await api.postMessage({ channel: dm, message: reply })).toMatchObject({
      result: "ok",
      value: { channel: dm },
    });
    expect(slack.messages(dm)).toMatchObject([{ text: reply.text }]);
  });

  it("users.info knows the users given at start", async () => {
    const { api } = await setup({
      token: TOKEN,
      users: [
        { id: "U0REVIEW", name: "reviewer" },
        { id: "U0GONE", name: "gone", deleted: true },
        { id: "U0BOT", name: "ci", isBot: true },
      ],
    });
    expect(await api.userInfo({ user: "U0REVIEW" })).toEqual({
      result: "ok",
      value: { id: "U0REVIEW", name: "reviewer", deleted: false, isBot: false },
    });
    expect(await api.userInfo({ user: "U0GONE" })).toMatchObject({
      result: "ok",
      value: { deleted: true, isBot: false },
    });
    expect(await api.userInfo({ user: "U0BOT" })).toMatchObject({
      result: "ok",
      value: { deleted: false, isBot: true },
    });
    expect(await api.userInfo({ user: "U0NOBODY" })).toEqual({
      result: "dead",
      error: "users.info: user_not_found (no such Slack user)",
    });
  });

  it("takes a user as a bare id: an active person", async () => {
    const { api } = await setup({ token: TOKEN, users: ["U0PLAIN"] });
    expect(await api.userInfo({ user: "U0PLAIN" })).toEqual({
      result: "ok",
      value: { id: "U0PLAIN", name: "u0plain", deleted: false, isBot: false },
    });
    expect((await api.openDm({ user: "U0PLAIN" })).result).toBe("ok");
  });

  it("answers unknown methods and non-POST requests as Slack does", async () => {
    const { slack } = await setup();
    const unknown = await fetch(`${slack.url}chat.delete`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await unknown.json()).toEqual({ ok: false, error: "unknown_method" });
    const get = await fetch(`${slack.url}users.info`);
    expect(get.status).toBe(405);
  });
});
