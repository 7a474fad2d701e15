/**
 * The thread poster against Slack's Web API answers (nock at the HTTP layer) and a real SQLite
 * store: a first message becomes the item's parent, later ones are replies under it with the
 * parent edited, a parent Slack lost starts a new one, failures leave the stored parent as it
 * was, and direct messages open the conversation once per person.
 */
import nock from "nock";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createSlackWebApi } from "../../src/slack/web-api.js";
import { createThreadPoster, type BotPost } from "../../src/threads/thread-poster.js";
import { readParentRecord } from "../../src/threads/parent-record.js";
import { readChannels, type SlackChannel } from "../../src/settings/channels.js";
import { format } from "../../src/format/format.js";
import { tempDir } from "../helpers/temp-dir.js";
import { pullRequestLife } from "./pull-request-life.js";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";

const SLACK = "https://slack.test";
const TOKEN = "xoxb-1-2-threadpostertest";
const CHANNEL_ID = "C0THREADS";
const KEY = { repository: "codertocat/hello-world", number: 2, channel: "default" };

const dir = tempDir("notifier-thread-poster-");
let store: Store;
let dbCount = 0;
const channels = readChannels({ SLACK_BOT_TOKEN: TOKEN, SLACK_CHANNEL_ID: CHANNEL_ID });
const channel = channels.get("default") as SlackChannel;
const dm = channels.dm() as SlackChannel;
const life = pullRequestLife();

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(async () => {
  dbCount += 1;
  store = createStore(join(dir, `threads-${dbCount}.db`));
  await store.migrate();
});
afterEach(async () => {
  nock.cleanAll();
  await store.close();
});

const warnings: string[] = [];

function setup() {
  const calls: string[] = [];
  const poster = createThreadPoster({
    api: createSlackWebApi({
      token: TOKEN,
      apiUrl: `${SLACK}/api/`,
      log: { info: () => {}, warn: () => {}, error: () => {} },
    }),
    parents: store,
    log: { warn: (_details: object, message: string) => warnings.push(message) },
    now: () => new Date("2026-12-06T12:00:00Z"),
    onCall: (call, result) => calls.push(`${call}:${result}`),
  });
  return { poster, calls };
}

let received = Date.parse("2026-12-06T10:00:00Z");

/** The bot post of `event`'s own message, received after every earlier one unless told. */
function post(
  event: ActivityEvent,
  overrides: {
    thread?: boolean;
    broadcast?: boolean;
    channel?: SlackChannel;
    dmTo?: string;
    receivedAt?: Date;
  } = {},
): BotPost {
  received += 1_000;
  return {
    channel: overrides.channel ?? channel,
    message: format(event),
    events: [
      {
        event,
        receivedAt: overrides.receivedAt ?? new Date(received),
        thread: overrides.thread ?? true,
      },
    ],
    reply: true,
    broadcast: overrides.broadcast ?? false,
    dmTo: overrides.dmTo ?? null,
  };
}

/** A summary of `events` (a burst or a digest), each threaded by its route. */
function summary(events: ActivityEvent[]): BotPost {
  return {
    channel,
    message: { text: "summary", blocks: [] },
    events: events.map((event) => {
      received += 1_000;
      return { event, receivedAt: new Date(received), thread: true };
    }),
    reply: false,
    broadcast: false,
    dmTo: null,
  };
}

/** Records each request body of `method`, answering `answer`. */
function expectCall(method: string, answer: object, status = 200, headers: object = {}) {
  const bodies: Record<string, string>[] = [];
  nock(SLACK)
    .post(`/api/${method}`, (body) => {
      bodies.push(body as Record<string, string>);
      return true;
    })
    .reply(status, answer, headers as Record<string, string>);
  return bodies;
}

describe("threads on a bot channel", () => {
  it("posts the first message about an item as its parent and remembers it with the item's state", async () => {
    const { poster, calls } = setup();
    const sent = expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.1" });

    const outcome = await poster.post(post(life.opened));

    expect(outcome).toEqual({ result: "sent", detail: "thread parent 100.1", calls: 1 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toHaveProperty("thread_ts");
    expect(sent[0]?.channel).toBe(CHANNEL_ID);
    expect(sent[0]?.blocks).toContain("Open");
    const parent = await store.findParent(KEY);
    expect(parent).toMatchObject({ slackChannel: CHANNEL_ID, ts: "100.1" });
    expect(readParentRecord(parent!.state)?.state.state).toBe("open");
    expect(calls).toEqual(["post:ok"]);
  });

  it("replies under the parent and edits the parent to the item's new state", async () => {
    const { poster, calls } = setup();
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    await poster.post(post(life.opened));

    const updated = expectCall("chat.update", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    const replied = expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.2" });
    const outcome = await poster.post(post(life.approved, { broadcast: true }));

    expect(outcome).toEqual({
      result: "sent",
      detail: "thread reply under 100.1 (also in the channel), parent updated",
      calls: 2,
    });
    expect(updated[0]).toMatchObject({ channel: CHANNEL_ID, ts: "100.1" });
    expect(updated[0]?.blocks).toMatch(/[Aa]pproved/);
    expect(replied[0]).toMatchObject({
      channel: CHANNEL_ID,
      thread_ts: "100.1",
      reply_broadcast: "true",
    });
    const parent = await store.findParent(KEY);
    expect(readParentRecord(parent!.state)?.state.reviews).toEqual({ octocat: "approved" });
    expect(calls).toEqual(["post:ok", "update:ok", "reply:ok"]);
  });

  it("starts a new parent when Slack no longer has the old one (message_not_found)", async () => {
    const { poster, calls } = setup();
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    await poster.post(post(life.opened));

    expectCall("chat.update", { ok: false, error: "message_not_found" });
    const reposted = expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "200.1" });
    const outcome = await poster.post(post(life.merged));

    expect(outcome).toEqual({ result: "sent", detail: "thread parent 200.1", calls: 2 });
    expect(reposted[0]).not.toHaveProperty("thread_ts");
    expect(reposted[0]?.blocks).toContain("Merged");
    expect((await store.findParent(KEY))?.ts).toBe("200.1");
    expect(calls).toEqual(["post:ok", "update:gone", "post:ok"]);
  });

  it("carries the item's state into the new parent when the old one is lost", async () => {
    const { poster } = setup();
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    await poster.post(post(life.opened));
    expectCall("chat.update", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.2" });
    await poster.post(post(life.approved));

    expectCall("chat.update", { ok: false, error: "message_not_found" });
    const reposted = expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "200.1" });
    await poster.post(post(life.merged));

    expect(reposted[0]?.blocks).toContain("Merged");
    expect(reposted[0]?.blocks).toMatch(/[Aa]pproved/);
    const parent = await store.findParent(KEY);
    expect(readParentRecord(parent!.state)?.state.reviews).toEqual({ octocat: "approved" });
  });

  it("retries after Slack's Retry-After when the update is rate limited, leaving the parent and posting no reply", async () => {
    const { poster } = setup();
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    await poster.post(post(life.opened));
    const before = await store.findParent(KEY);

    expectCall("chat.update", { ok: false, error: "ratelimited" }, 429, { "retry-after": "7" });
    const outcome = await poster.post(post(life.approved));

    expect(outcome).toMatchObject({ result: "retry", retryAfterMs: 7_000, calls: 1 });
    expect(nock.pendingMocks()).toEqual([]);
    expect(await store.findParent(KEY)).toEqual(before);
  });

  it("ends dead when the reply is refused for good, keeping the parent's last recorded state", async () => {
    const { poster } = setup();
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    await poster.post(post(life.opened));

    expectCall("chat.update", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    expectCall("chat.postMessage", { ok: false, error: "is_archived" });
    const outcome = await poster.post(post(life.approved));

    expect(outcome).toMatchObject({ result: "dead", calls: 2 });
    expect((outcome as { error: string }).error).toMatch(/is_archived/);
    const parent = await store.findParent(KEY);
    expect(readParentRecord(parent!.state)?.state.reviews).toEqual({});
  });

  it("posts top-level and keeps no parent when the route does not thread", async () => {
    const { poster } = setup();
    const sent = expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "300.1" });

    const outcome = await poster.post(post(life.opened, { thread: false }));

    expect(outcome).toEqual({ result: "sent", detail: "posted 300.1", calls: 1 });
    expect(sent[0]).not.toHaveProperty("thread_ts");
    expect(sent[0]?.blocks).not.toContain("Open");
    expect(await store.findParent(KEY)).toBeNull();
  });

  it("posts a summary top-level and starts no parent", async () => {
    const { poster } = setup();
    const sent = expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "300.2" });
    const outcome = await poster.post(summary([life.opened, life.reviewRequested]));
    expect(outcome).toEqual({ result: "sent", detail: "posted 300.2", calls: 1 });
    expect(sent[0]).not.toHaveProperty("thread_ts");
    expect(await store.findParent(KEY)).toBeNull();
  });

  it("moves the parent of an item whose events went into a summary to their state", async () => {
    const { poster, calls } = setup();
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    await poster.post(post(life.opened));

    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "300.3" });
    const updated = expectCall("chat.update", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    const outcome = await poster.post(summary([life.approved, life.merged]));

    expect(outcome).toEqual({ result: "sent", detail: "posted 300.3", calls: 2 });
    expect(updated).toHaveLength(1);
    expect(updated[0]?.blocks).toContain("Merged");
    const parent = await store.findParent(KEY);
    expect(readParentRecord(parent!.state)?.state.state).toBe("merged");
    expect(calls).toEqual(["post:ok", "post:ok", "update:ok"]);
  });

  it("replies with an event received before the parent's last one without setting the parent back", async () => {
    const { poster } = setup();
    const early = new Date(received + 1_500);
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    await poster.post(post(life.opened));
    expectCall("chat.update", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.2" });
    await poster.post(post(life.merged));

    // The labelled event was received before the merge; its post was retried and comes last.
    const replied = expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.3" });
    const outcome = await poster.post(post(life.labeled, { receivedAt: early }));

    expect(outcome).toEqual({
      result: "sent",
      detail: "thread reply under 100.1, parent kept (an older event)",
      calls: 1,
    });
    expect(replied[0]?.thread_ts).toBe("100.1");
    const parent = await store.findParent(KEY);
    expect(readParentRecord(parent!.state)?.state.state).toBe("merged");
  });

  it("starts a new parent in the new Slack channel when the operator moved the channel", async () => {
    const { poster } = setup();
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    await poster.post(post(life.opened));

    const moved = readChannels({ SLACK_BOT_TOKEN: TOKEN, SLACK_CHANNEL_ID: "C0MOVEDTO" }).get(
      "default",
    ) as SlackChannel;
    const sent = expectCall("chat.postMessage", { ok: true, channel: "C0MOVEDTO", ts: "500.1" });
    const outcome = await poster.post(post(life.approved, { channel: moved }));

    expect(outcome).toEqual({ result: "sent", detail: "thread parent 500.1", calls: 1 });
    expect(sent[0]).toMatchObject({ channel: "C0MOVEDTO" });
    expect(sent[0]).not.toHaveProperty("thread_ts");
    expect(await store.findParent(KEY)).toMatchObject({ slackChannel: "C0MOVEDTO", ts: "500.1" });
  });

  it("still replies when the parent cannot be edited, and says so", async () => {
    const { poster } = setup();
    expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.1" });
    await poster.post(post(life.opened));

    expectCall("chat.update", { ok: false, error: "cant_update_message" });
    const replied = expectCall("chat.postMessage", { ok: true, channel: CHANNEL_ID, ts: "100.2" });
    const outcome = await poster.post(post(life.approved));

    expect(outcome).toMatchObject({ result: "sent", calls: 2 });
    expect((outcome as { detail: string }).detail).toMatch(
      /parent not updated \(.*cant_update_message/,
    );
    expect(replied[0]?.thread_ts).toBe("100.1");
    expect(warnings).toContain("could not edit a thread's parent");
  });
});

describe("direct messages", () => {
  it("opens a person's conversation once and posts each message there", async () => {
    const { poster, calls } = setup();
    const opened = expectCall("conversations.open", { ok: true, channel: { id: "D0PERSON" } });
    const first = expectCall("chat.postMessage", { ok: true, channel: "D0PERSON", ts: "1.1" });

    const outcome = await poster.post(
      post(life.reviewRequested, { channel: dm, thread: false, dmTo: "U0OCTOCAT" }),
    );
    expect(outcome).toEqual({ result: "sent", detail: "direct message to U0OCTOCAT", calls: 2 });
    expect(opened[0]).toEqual({ users: "U0OCTOCAT" });
    expect(first[0]?.channel).toBe("D0PERSON");

    const second = expectCall("chat.postMessage", { ok: true, channel: "D0PERSON", ts: "1.2" });
    const again = await poster.post(
      post(life.reviewRequested, { channel: dm, thread: false, dmTo: "U0OCTOCAT" }),
    );
    expect(again).toMatchObject({ result: "sent", calls: 1 });
    expect(second).toHaveLength(1);
    expect(calls).toEqual(["dm:ok", "dm:ok", "dm:ok"]);
  });

  it("ends a direct message to a deactivated user dead with Slack's error", async () => {
    const { poster } = setup();
    expectCall("conversations.open", { ok: false, error: "user_disabled" });
    const outcome = await poster.post(
      post(life.reviewRequested, { channel: dm, thread: false, dmTo: "U0GONE" }),
    );
    expect(outcome).toMatchObject({ result: "dead", calls: 1 });
    expect((outcome as { error: string }).error).toMatch(/user_disabled/);
  });
});
