/**
 * Receive -> store -> worker -> Slack through `probot.receive`, with a real SQLite file and
 * Slack mocked at the HTTP layer.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import nock from "nock";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { startPipeline, type Pipeline } from "../helpers/pipeline.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("notifier-pipeline-");
const SLACK = "https://hooks.slack.com";
const DEFAULT_PATH = "/services/T000/B000/default";
let pipeline: Pipeline | null = null;

afterEach(async () => {
  await pipeline?.stop();
  pipeline = null;
  nock.cleanAll();
});

async function start(env: Record<string, string> = { SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}` }) {
  pipeline = await startPipeline({ databaseUrl: join(dir, `${randomUUID()}.db`), env });
  return pipeline;
}

async function settled(store: Pipeline["store"], id: string) {
  await vi.waitFor(
    async () => {
      const delivery = await store.getDelivery(id);
      expect(["delivered", "skipped", "dead"]).toContain(delivery?.status);
    },
    { timeout: 5_000, interval: 20 },
  );
  return store.getDelivery(id);
}

describe("the pipeline", () => {
  it.each([
    ["issues", "opened"],
    ["pull_request", "opened"],
    ["star", "created"],
  ] as const)("posts %s.%s to the default channel", async (event, action) => {
    const { probot, store } = await start();
    const posted: unknown[] = [];
    const scope = nock(SLACK)
      .post(DEFAULT_PATH, (body: unknown) => {
        posted.push(body);
        return true;
      })
      .reply(200, "ok");
    const id = randomUUID();
    await probot.receive({ id, name: event, payload: exampleOf(event, action) } as never);

    const delivery = await settled(store, id);
    expect(delivery?.status).toBe("delivered");
    expect(scope.isDone()).toBe(true);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ text: expect.any(String), blocks: expect.any(Array) });
    const notifications = await store.getNotifications(id);
    expect(notifications.map((n) => [n.channel, n.status, n.attempts])).toEqual([["default", "sent", 1]]);
  });

  it("posts a merged pull request, and skips one closed without merging as not routed", async () => {
    const { probot, store } = await start();
    const scope = nock(SLACK).post(DEFAULT_PATH).reply(200, "ok");
    const merged = exampleOf("pull_request", "closed");
    merged.pull_request.merged = true;
    const unmerged = exampleOf("pull_request", "closed");
    unmerged.pull_request.merged = false;
    const mergedId = randomUUID();
    const unmergedId = randomUUID();
    await probot.receive({ id: mergedId, name: "pull_request", payload: merged } as never);
    await probot.receive({ id: unmergedId, name: "pull_request", payload: unmerged } as never);

    expect((await settled(store, mergedId))?.status).toBe("delivered");
    const skipped = await settled(store, unmergedId);
    expect(skipped?.status).toBe("skipped");
    expect(skipped?.reason).toMatch(/no route matched pull_request\.closed/);
    expect(scope.isDone()).toBe(true);
  });

  it("skips events it does not notify, with the reason", async () => {
    const { probot, store } = await start();
    const id = randomUUID();
    await probot.receive({ id, name: "issues", payload: exampleOf("issues", "edited") } as never);
    const delivery = await settled(store, id);
    expect([delivery?.status, delivery?.reason]).toEqual(["skipped", "not a notified event"]);
  });

  it("stores a redelivered id once and posts once", async () => {
    const { probot, store, metrics } = await start();
    const scope = nock(SLACK).post(DEFAULT_PATH).reply(200, "ok");
    const id = randomUUID();
    const payload = exampleOf("issues", "opened");
    await Promise.all([1, 2, 3].map(() => probot.receive({ id, name: "issues", payload } as never)));
    expect((await settled(store, id))?.status).toBe("delivered");
    expect(scope.isDone()).toBe(true);
    expect((await metrics.duplicates.get()).values[0]?.value).toBe(2);
    expect(await store.listDeliveries({})).toHaveLength(1);
  });

  it("retries a Slack 500 and delivers once Slack recovers", async () => {
    const { probot, store } = await start();
    const scope = nock(SLACK).post(DEFAULT_PATH).reply(500, "internal_error").post(DEFAULT_PATH).reply(200, "ok");
    const id = randomUUID();
    await probot.receive({ id, name: "issues", payload: exampleOf("issues", "opened") } as never);
    // The first retry is scheduled about 1 s (±20%) after the failure.
    const delivery = await settled(store, id);
    expect(delivery?.status).toBe("delivered");
    expect(scope.isDone()).toBe(true);
    const history = (await store.getAttempts(id)).map((a) => a.outcome);
    expect(history).toEqual(["routed", "retry", "sent"]);
  });

  it("marks a delivery dead at once when Slack says the channel is gone", async () => {
    const { probot, store } = await start();
    const scope = nock(SLACK).post(DEFAULT_PATH).reply(404, "channel_not_found");
    const id = randomUUID();
    await probot.receive({ id, name: "issues", payload: exampleOf("issues", "opened") } as never);
    const delivery = await settled(store, id);
    expect(delivery?.status).toBe("dead");
    expect(delivery?.error).toContain("channel_not_found");
    expect(scope.isDone()).toBe(true);
  });
});
