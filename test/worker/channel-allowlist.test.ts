/**
 * `SLACK_CHANNEL_OWNERS_<NAME>` is enforced where messages are decided and where they are
 * sent, for every way a channel can be reached: the default routes of a repository with no
 * config, a route that names no channel, a channel inherited from the top-level `channel`, a
 * config served from cache (the last valid one, saved before the operator restricted the
 * channel), and a digest held in the store across a restart that restricted the channel.
 * Through the in-process pipeline with a real SQLite file and Slack mocked by nock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import nock from "nock";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { startPipeline, type Pipeline } from "../helpers/pipeline.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";
import { fakeClock } from "../helpers/fake-clock.js";
import { DEFAULT_CONFIG } from "../../src/repo-config/defaults.js";
import type { NotifierConfig } from "../../src/repo-config/config-schema.js";
import type { Store } from "../../src/store/types.js";

const dir = tempDir("notifier-allowlist-");
const SLACK = "https://hooks.slack.com";
const DEFAULT_PATH = "/services/T000/B000/default";
const OPS_PATH = "/services/T000/B000/ops";
/** `default` is reserved for goodorg; `ops` is open to anyone. */
const RESTRICTED = {
  SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}`,
  SLACK_WEBHOOK_URL_OPS: `${SLACK}${OPS_PATH}`,
  SLACK_CHANNEL_OWNERS_DEFAULT: "goodorg",
};
const OPEN = {
  SLACK_WEBHOOK_URL: RESTRICTED.SLACK_WEBHOOK_URL,
  SLACK_WEBHOOK_URL_OPS: RESTRICTED.SLACK_WEBHOOK_URL_OPS,
};
const RESERVED = 'channel "default" is reserved by the operator for other owners';

let pipeline: Pipeline | null = null;
let issueNumber = 2_000;

beforeEach(() => {
  // A post nobody expected fails loudly instead of leaving the machine.
  nock.disableNetConnect();
});
afterEach(async () => {
  await pipeline?.stop();
  pipeline = null;
  nock.cleanAll();
  nock.enableNetConnect();
});

async function receiveIssue(p: Pipeline, owner: string): Promise<string> {
  const payload = exampleOf("issues", "opened");
  payload.issue.number = issueNumber++;
  payload.issue.title = `An issue of ${owner}`;
  payload.repository.owner.login = owner;
  payload.repository.full_name = `${owner}/Hello-World`;
  const id = randomUUID();
  await p.probot.receive({ id, name: "issues", payload } as never);
  return id;
}

async function final(store: Store, id: string) {
  return vi.waitFor(
    async () => {
      const delivery = await store.getDelivery(id);
      expect(["delivered", "skipped", "dead"]).toContain(delivery?.status);
      return delivery;
    },
    { timeout: 5_000, interval: 20 },
  );
}

/** Records the bodies Slack receives on `path`. */
function slackPosts(path: string, times: number) {
  const bodies: { text: string }[] = [];
  const scope = nock(SLACK)
    .post(path, (body: { text: string }) => {
      bodies.push(body);
      return true;
    })
    .times(times)
    .reply(200, "ok");
  return { bodies, scope };
}

const REACHES_DEFAULT: [string, NotifierConfig][] = [
  ["no config at all (the default routes)", DEFAULT_CONFIG],
  ["an empty config (default routes, default channel)", {}],
  ["a route that names no channel", { routes: [{ on: ["issues.opened"] }] }],
  [
    "a route inheriting the top-level channel",
    { channel: "default", routes: [{ on: ["issues.*"] }] },
  ],
  // What the config loader serves when the file went bad: the last valid one, checked before
  // the operator restricted the channel.
  [
    "a cached last valid config naming the channel",
    { routes: [{ on: ["issues.opened"], channel: "default" }] },
  ],
];

describe("a channel reserved for other owners", () => {
  it.each(REACHES_DEFAULT)(
    "is refused at routing through %s, with the reason",
    async (_, config) => {
      const p = (pipeline = await startPipeline({
        databaseUrl: join(dir, `${randomUUID()}.db`),
        env: RESTRICTED,
        configs: { load: async () => config },
      }));
      const allowed = slackPosts(DEFAULT_PATH, 1);

      const refused = await receiveIssue(p, "Codertocat");
      const delivery = await final(p.store, refused);
      expect([delivery?.status, delivery?.reason]).toEqual(["skipped", RESERVED]);
      expect(await p.store.getNotifications(refused)).toEqual([]);

      // The owner the operator named (in any case) is posted as before.
      const posted = await receiveIssue(p, "GoodOrg");
      expect((await final(p.store, posted))?.status).toBe("delivered");
      expect(allowed.scope.isDone()).toBe(true);
      expect(allowed.bodies).toHaveLength(1);
      expect(JSON.stringify(allowed.bodies[0])).toContain("GoodOrg/Hello-World");
    },
  );

  it("is dropped with the reason while the open channels of the same routing still post", async () => {
    const p = (pipeline = await startPipeline({
      databaseUrl: join(dir, `${randomUUID()}.db`),
      env: RESTRICTED,
      configs: {
        load: async () => ({
          routes: [{ on: ["issues.opened"] }, { on: ["issues.opened"], channel: "ops" }],
        }),
      },
    }));
    const ops = slackPosts(OPS_PATH, 1);
    const id = await receiveIssue(p, "Codertocat");
    expect((await final(p.store, id))?.status).toBe("delivered");
    expect(ops.scope.isDone()).toBe(true);
    expect((await p.store.getNotifications(id)).map((n) => [n.channel, n.status])).toEqual([
      ["ops", "sent"],
    ]);
    expect((await p.store.getAttempts(id)).find((a) => a.channel === "default")).toMatchObject({
      outcome: "skipped",
      detail: RESERVED,
    });
  });

  it("is refused at send time for a digest held across a restart that restricted it", async () => {
    const databaseUrl = join(dir, `${randomUUID()}.db`);
    const config: NotifierConfig = { routes: [{ on: ["issues.opened"], digest: "15m" }] };
    // Before the restart anyone may use `default`: both owners' issues are held for the window.
    const before = fakeClock("2024-01-15T09:00:00.100Z");
    const first = (pipeline = await startPipeline({
      databaseUrl,
      env: OPEN,
      configs: { load: async () => config },
      now: before.now,
    }));
    const stranger = await receiveIssue(first, "Codertocat");
    const member = await receiveIssue(first, "goodorg");
    await vi.waitFor(
      async () => {
        for (const id of [stranger, member]) {
          expect(await first.store.getNotifications(id)).toMatchObject([
            { channel: "default", status: "queued", dueAt: expect.any(Date) },
          ]);
        }
      },
      { timeout: 5_000, interval: 20 },
    );
    await first.stop();
    pipeline = null;

    // The operator restricts `default` and restarts; the window closes.
    const slack = slackPosts(DEFAULT_PATH, 1);
    const after = fakeClock("2024-01-15T09:16:00Z");
    const second = (pipeline = await startPipeline({
      databaseUrl,
      env: RESTRICTED,
      configs: { load: async () => config },
      now: after.now,
    }));
    const refused = await final(second.store, stranger);
    expect([refused?.status, refused?.error]).toEqual(["dead", RESERVED]);
    expect(await second.store.getNotifications(stranger)).toMatchObject([
      { channel: "default", status: "dead", error: RESERVED },
    ]);
    expect((await second.store.getAttempts(stranger)).at(-1)).toMatchObject({
      channel: "default",
      outcome: "skipped",
      detail: RESERVED,
    });

    // The allowed owner's message of the same digest is posted, alone.
    expect((await final(second.store, member))?.status).toBe("delivered");
    expect(slack.scope.isDone()).toBe(true);
    const text = JSON.stringify(slack.bodies);
    expect(text).toContain("goodorg/Hello-World");
    expect(text).toContain("An issue of goodorg");
    expect(text).not.toContain("An issue of Codertocat");
  });

  it("is refused at send time for a message queued before the restart, waiting for a retry", async () => {
    const databaseUrl = join(dir, `${randomUUID()}.db`);
    const first = (pipeline = await startPipeline({ databaseUrl, env: OPEN }));
    // Slack fails the first post: the message waits in the store for its retry.
    const failed = nock(SLACK).post(DEFAULT_PATH).reply(500, "internal_error");
    const id = await receiveIssue(first, "Codertocat");
    await vi.waitFor(
      async () =>
        expect(await first.store.getNotifications(id)).toMatchObject([{ status: "failed" }]),
      { timeout: 5_000, interval: 20 },
    );
    expect(failed.isDone()).toBe(true);
    await first.stop();
    pipeline = null;

    const second = (pipeline = await startPipeline({ databaseUrl, env: RESTRICTED }));
    // The retry comes about 1 s (±20%) after the failure; no post may happen.
    const refused = await final(second.store, id);
    expect([refused?.status, refused?.error]).toEqual(["dead", RESERVED]);
    expect(await second.store.getNotifications(id)).toMatchObject([
      { status: "dead", error: RESERVED, sentAt: null },
    ]);
  });

  it("is refused at send time on a bot channel too: no Web API call for a row queued before the restriction", async () => {
    const api = "https://slack.test";
    const bot = {
      SLACK_BOT_TOKEN: "xoxb-1-2-allowlist",
      SLACK_CHANNEL_ID: "C0ALLOW01",
      SLACK_API_URL: `${api}/api/`,
    };
    const databaseUrl = join(dir, `${randomUUID()}.db`);
    const first = (pipeline = await startPipeline({ databaseUrl, env: bot }));
    // Slack fails the first post: the message waits in the store for its retry.
    const failed = nock(api).post("/api/chat.postMessage").reply(500, "internal_error");
    const id = await receiveIssue(first, "Codertocat");
    await vi.waitFor(
      async () =>
        expect(await first.store.getNotifications(id)).toMatchObject([{ status: "failed" }]),
      { timeout: 5_000, interval: 20 },
    );
    expect(failed.isDone()).toBe(true);
    await first.stop();
    pipeline = null;

    // Restricted to goodorg: with net connect disabled, any further Web API call would fail the
    // row as a retry, not end it dead with the reason.
    const second = (pipeline = await startPipeline({
      databaseUrl,
      env: { ...bot, SLACK_CHANNEL_OWNERS_DEFAULT: "goodorg" },
    }));
    const refused = await final(second.store, id);
    expect([refused?.status, refused?.error]).toEqual(["dead", RESERVED]);
    expect(await second.store.getNotifications(id)).toMatchObject([
      { status: "dead", error: RESERVED, sentAt: null },
    ]);
  });
});
