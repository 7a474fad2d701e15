/**
 * Digests and bursts as users see them, against a loopback fake Slack:
 * - a 2 s digest window through the in-process pipeline with a fake clock (the config schema
 *   holds repositories to 1m or more; an injected config source is not held to it): 50 stars
 *   become one message, and a restart in the middle of the window loses nothing and repeats nothing;
 * - the built app, reading a `digest: 1m` route from a fake GitHub, killed with SIGKILL in the
 *   middle of its window and started again: one message for everything. Its test clock
 *   (NOTIFIER_TEST_CLOCK_START) starts each run a few seconds before the window closes, so the
 *   test does not sleep to a real minute boundary;
 * - the built app at the default pace: a 300-event burst becomes a handful of messages.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startPipeline, type Pipeline } from "../helpers/pipeline.js";
import { startApp, type AppProcess } from "../helpers/app-process.js";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.js";
import { startFakeSlack, type FakeSlack, type SlackPost } from "../helpers/fake-slack.js";
import { fakeClock } from "../helpers/fake-clock.js";
import { sendDelivery } from "../helpers/webhook.js";
import { distinctExample } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";
import { writeTestAppKey } from "../helpers/app-key.js";
import { readRows } from "../helpers/sqlite-rows.js";
import { holdsFor } from "../helpers/wait.js";
import type { ConfigSource } from "../../src/repo-config/config-source.js";

const dir = tempDir("notifier-e2e-digests-");
const SLACK_PATH = "/services/T1/B1/default";
let slack: FakeSlack;
let github: FakeGitHub;
let keyPath: string;
const pipelines: Pipeline[] = [];
const apps: AppProcess[] = [];

beforeAll(async () => {
  [slack, github] = await Promise.all([startFakeSlack(), startFakeGitHub()]);
  keyPath = writeTestAppKey(dir);
});
afterAll(async () => {
  await Promise.all([slack.close(), github.close()]);
});
afterEach(async () => {
  for (const pipeline of pipelines.splice(0)) await pipeline.stop();
  for (const app of apps.splice(0)) await app.kill("SIGKILL");
  slack.reset();
});

/** Star payloads from distinct stargazers. */
function stars(count: number, from = 0) {
  return Array.from({ length: count }, (_, i) =>
    distinctExample("star", "created", {
      sender: `stargazer-${String(from + i).padStart(3, "0")}`,
    }),
  );
}

/** How many events a post announces: a summary says so, a single message is one. */
function eventsIn(post: SlackPost): number {
  const summary = /^(\d+) GitHub updates?:/.exec(post.body.text ?? "");
  return summary ? Number(summary[1]) : 1;
}

describe("a 2 s digest window, in-process with a fake clock", () => {
  const TWO_SECONDS: ConfigSource = {
    load: async () => ({ routes: [{ on: ["star.created"], digest: "2s" }] }),
  };
  const env = () => ({ SLACK_WEBHOOK_URL: `${slack.url}${SLACK_PATH}` });

  async function start(databaseUrl: string, now: () => Date): Promise<Pipeline> {
    const pipeline = await startPipeline({ databaseUrl, env: env(), configs: TWO_SECONDS, now });
    pipelines.push(pipeline);
    return pipeline;
  }

  async function receiveAll(pipeline: Pipeline, payloads: unknown[]): Promise<string[]> {
    const ids: string[] = [];
    for (const payload of payloads) {
      const id = randomUUID();
      await pipeline.probot.receive({ id, name: "star", payload } as never);
      ids.push(id);
    }
    return ids;
  }

  async function heldUntil(pipeline: Pipeline, ids: string[], due: string): Promise<void> {
    await vi.waitFor(
      async () => {
        for (const id of ids) {
          const [row] = await pipeline.store.getNotifications(id);
          expect(row).toMatchObject({ status: "queued", dueAt: new Date(due) });
        }
      },
      { timeout: 10_000, interval: 25 },
    );
  }

  it("turns 50 stars into one message when the window closes", async () => {
    const clock = fakeClock("2024-01-15T09:00:00.100Z");
    const pipeline = await start(join(dir, "two-seconds.db"), clock.now);
    const ids = await receiveAll(pipeline, stars(50));
    await heldUntil(pipeline, ids, "2024-01-15T09:00:02.000Z");
    expect(slack.posts).toHaveLength(0);

    clock.set("2024-01-15T09:00:02.000Z");
    const [post] = await slack.waitForAccepted(1);
    expect(post?.body.text).toMatch(
      /^50 GitHub updates: 50 new stars on Codertocat\/Hello-World from @stargazer-\d{3}, @stargazer-\d{3} and 48 others/,
    );
    expect(JSON.stringify(post?.body.blocks)).toContain("Summary for the “default” channel");
    await vi.waitFor(async () => {
      for (const id of ids)
        expect((await pipeline.store.getDelivery(id))?.status).toBe("delivered");
    });
    await holdsFor(() => expect(slack.posts).toHaveLength(1), { ms: 500 });
  });

  it("loses nothing and repeats nothing when the worker restarts in the middle of the window", async () => {
    const clock = fakeClock("2024-01-15T09:00:00.100Z");
    const databaseUrl = join(dir, "restart.db");
    const before = await start(databaseUrl, clock.now);
    const early = await receiveAll(before, stars(25));
    await heldUntil(before, early, "2024-01-15T09:00:02.000Z");
    await before.stop();
    pipelines.splice(pipelines.indexOf(before), 1);

    // A new worker on the same file, still inside the window.
    clock.set("2024-01-15T09:00:01.000Z");
    const after = await start(databaseUrl, clock.now);
    const late = await receiveAll(after, stars(25, 25));
    await heldUntil(after, [...early, ...late], "2024-01-15T09:00:02.000Z");
    expect(slack.posts).toHaveLength(0);

    clock.set("2024-01-15T09:00:02.000Z");
    const [post] = await slack.waitForAccepted(1);
    expect(post?.body.text).toMatch(/^50 GitHub updates: 50 new stars/);
    await vi.waitFor(async () => {
      for (const id of [...early, ...late])
        expect((await after.store.getDelivery(id))?.status).toBe("delivered");
    });
    // Another window passes: nothing is posted again.
    clock.set("2024-01-15T09:00:04.500Z");
    await holdsFor(() => expect(slack.posts).toHaveLength(1), { ms: 600 });
  });
});

describe("the built app", () => {
  it("keeps a 1-minute digest across a SIGKILL and posts it once", async () => {
    github.setFile({
      owner: "Codertocat",
      repo: "Hello-World",
      path: ".github/notifier.yml",
      text: "routes:\n  - on: [star.created]\n    digest: 1m\n",
    });
    // Windows are whole UTC minutes. Each run's clock starts inside the 09:14 window, the second
    // run's 12 s before it closes: room for a start and ten deliveries on a busy machine, and
    // `held` below says so if they did not land in that window.
    const windowEnd = Date.parse("2026-01-05T09:15:00Z");
    const dbPath = join(dir, "built-digest.db");
    const env = (clockStart: string) => ({
      NOTIFIER_TEST_CLOCK_START: clockStart,
      APP_ID: "1",
      PRIVATE_KEY_PATH: keyPath,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      DATABASE_URL: dbPath,
      SLACK_WEBHOOK_URL: `${slack.url}${SLACK_PATH}`,
      REDELIVERY_INTERVAL: "0",
      LOG_LEVEL: "info",
    });
    const held = (count: number) =>
      vi.waitFor(
        () => {
          const counts = readRows<{ n: number; windows: number; due: number }>(
            dbPath,
            "SELECT count(*) AS n, count(DISTINCT digest_key) AS windows, max(due_at) AS due FROM notifications WHERE status = 'queued' AND due_at IS NOT NULL",
          );
          expect(counts).toEqual([{ n: count, windows: 1, due: windowEnd }]);
        },
        { timeout: 15_000, interval: 100 },
      );

    const killed = await startApp({ env: env("2026-01-05T09:14:30Z") });
    apps.push(killed);
    const clockLine = await killed.waitForLog((line) => line.msg.startsWith("test clock in use"));
    expect(clockLine).toMatchObject({ level: 40, start: "2026-01-05T09:14:30.000Z" });
    for (const payload of stars(10)) {
      expect((await sendDelivery({ baseUrl: killed.baseUrl, event: "star", payload })).status).toBe(
        200,
      );
    }
    await held(10);
    await killed.kill("SIGKILL");

    const restarted = await startApp({ env: env("2026-01-05T09:14:48Z") });
    apps.push(restarted);
    for (const payload of stars(10, 10)) {
      expect(
        (await sendDelivery({ baseUrl: restarted.baseUrl, event: "star", payload })).status,
      ).toBe(200);
    }
    await held(20);
    expect(slack.posts).toHaveLength(0);

    const [post] = await slack.waitForAccepted(1, 30_000);
    expect(post?.body.text).toMatch(/^20 GitHub updates: 20 new stars on Codertocat\/Hello-World/);
    await restarted.waitForLog((line) => line.msg === "posted a digest of 20 messages");
    expect(
      readRows(dbPath, "SELECT status, count(*) AS n FROM deliveries GROUP BY status"),
    ).toEqual([{ status: "delivered", n: 20 }]);
    expect(slack.posts).toHaveLength(1);
  }, 90_000);

  it("turns a 300-event burst into a handful of messages at the default pace", async () => {
    const dbPath = join(dir, "burst.db");
    // Default SLACK_PACE (1s) and BURST_SUMMARY_AFTER (20); no App, so the default routes apply.
    const app = await startApp({
      env: { DATABASE_URL: dbPath, SLACK_WEBHOOK_URL: `${slack.url}${SLACK_PATH}` },
    });
    apps.push(app);
    const payloads = stars(300);
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while (next < payloads.length) {
          const payload = payloads[next++];
          statuses.push(
            (await sendDelivery({ baseUrl: app.baseUrl, event: "star", payload })).status,
          );
        }
      }),
    );
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    await vi.waitFor(
      () => expect(slack.accepted().reduce((sum, post) => sum + eventsIn(post), 0)).toBe(300),
      { timeout: 30_000, interval: 200 },
    );
    await vi.waitFor(() =>
      expect(
        readRows(dbPath, "SELECT status, count(*) AS n FROM deliveries GROUP BY status"),
      ).toEqual([{ status: "delivered", n: 300 }]),
    );
    const posts = slack.posts.map(eventsIn);
    console.info(`300 stars at the default pace: ${posts.length} posts (${posts.join(" + ")})`);
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts.length).toBeLessThanOrEqual(10);
    expect(posts.reduce((sum, n) => sum + n, 0)).toBe(300);
  }, 60_000);
});
