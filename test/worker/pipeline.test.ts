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
import { DEFAULT_CONFIG } from "../../src/repo-config/defaults.js";
import { MAX_RETRIES } from "../../src/shared/retry-schedule.js";
import { createStore } from "../../src/store/create-store.js";

const dir = tempDir("notifier-pipeline-");
const SLACK = "https://hooks.slack.com";
const DEFAULT_PATH = "/services/T000/B000/default";
let pipeline: Pipeline | null = null;

afterEach(async () => {
  await pipeline?.stop();
  pipeline = null;
  nock.cleanAll();
});

async function start(
  env: Record<string, string> = { SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}` },
) {
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
    expect(notifications.map((n) => [n.channel, n.status, n.attempts])).toEqual([
      ["default", "sent", 1],
    ]);
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
    await Promise.all(
      [1, 2, 3].map(() => probot.receive({ id, name: "issues", payload } as never)),
    );
    expect((await settled(store, id))?.status).toBe("delivered");
    expect(scope.isDone()).toBe(true);
    expect((await metrics.duplicates.get()).values[0]?.value).toBe(2);
    expect(await store.listDeliveries({})).toHaveLength(1);
  });

  it("retries a Slack 500 and delivers once Slack recovers", async () => {
    const { probot, store } = await start();
    const scope = nock(SLACK)
      .post(DEFAULT_PATH)
      .reply(500, "internal_error")
      .post(DEFAULT_PATH)
      .reply(200, "ok");
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

  it("retries routing while GitHub is down, delivers when it is back, and gives up after 24 hours", async () => {
    // A clock that runs two hours ahead on every reading, so the whole retry schedule passes quickly.
    let clock = Date.parse("2026-11-23T00:00:00Z");
    const now = () => new Date((clock += 2 * 3_600_000));
    // GitHub fails this many reads, then answers. A retry is due at the clock's next reading,
    // so the worker retries at once: failures are counted, not timed.
    let failuresLeft = 2;
    const scope = nock(SLACK).post(DEFAULT_PATH).reply(200, "ok");
    pipeline = await startPipeline({
      databaseUrl: join(dir, `${randomUUID()}.db`),
      env: { SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}` },
      now,
      // Leases outlast the clock's leaps: a delivery is never claimed again while it routes.
      leaseMs: 365 * 86_400_000,
      configs: {
        load: async () => {
          if (failuresLeft > 0) {
            failuresLeft -= 1;
            throw new Error("GitHub answered 502 while reading .github/notifier.yml");
          }
          return DEFAULT_CONFIG;
        },
      },
    });
    const recovered = randomUUID();
    await pipeline.probot.receive({
      id: recovered,
      name: "issues",
      payload: exampleOf("issues", "opened"),
    } as never);
    expect((await settled(pipeline.store, recovered))?.status).toBe("delivered");
    expect(scope.isDone()).toBe(true);
    expect((await pipeline.store.getAttempts(recovered)).map((attempt) => attempt.outcome)).toEqual(
      ["retry", "retry", "routed", "sent"],
    );

    failuresLeft = Number.POSITIVE_INFINITY;
    const lost = randomUUID();
    // Another body than the first delivery's: the same body under a new id is a replay.
    const lostPayload = exampleOf("issues", "opened");
    lostPayload.issue.number += 1;
    await pipeline.probot.receive({
      id: lost,
      name: "issues",
      payload: lostPayload,
    } as never);
    const dead = await vi.waitFor(
      async () => {
        const delivery = await pipeline?.store.getDelivery(lost);
        expect(delivery?.status).toBe("dead");
        return delivery;
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(dead?.error).toBe("GitHub answered 502 while reading .github/notifier.yml");
    const history = (await pipeline.store.getAttempts(lost)).map((attempt) => attempt.outcome);
    expect(history.at(-1)).toBe("dead");
    expect(history.filter((outcome) => outcome === "retry").length).toBe(MAX_RETRIES);
  }, 40_000);

  it("prunes delivered and skipped deliveries past RETENTION, and keeps the rest", async () => {
    const databaseUrl = join(dir, `${randomUUID()}.db`);
    const day = 86_400_000;
    const received = Date.now() - 40 * day;
    // A store with history: old finished deliveries, an old dead one, and a recent one.
    const seeded = createStore(databaseUrl);
    await seeded.migrate();
    const ids = ["old-skipped", "old-dead", "recent-skipped"];
    for (const id of ids) {
      const at = id.startsWith("old") ? received : Date.now() - day;
      // One body per delivery: the same body under a new id is a replay, not stored.
      const edited = exampleOf("issues", "edited");
      edited.issue.number += ids.indexOf(id);
      const payload = JSON.stringify(edited);
      await seeded.insertDelivery({
        id,
        event: "issues",
        action: "edited",
        installationId: 1,
        repository: "Codertocat/Hello-World",
        payload,
        receivedAt: new Date(at),
      });
    }
    const claimed = await seeded.claimDeliveries({
      owner: "seed",
      limit: 10,
      leaseMs: 60_000,
      now: new Date(),
    });
    expect(claimed).toHaveLength(3);
    for (const delivery of claimed) {
      if (delivery.id === "old-dead") {
        await seeded.failDelivery({
          id: delivery.id,
          owner: "seed",
          error: "gave up",
          nextAttemptAt: null,
          now: new Date(),
        });
      } else {
        await seeded.finishRouting({
          id: delivery.id,
          owner: "seed",
          notifications: [],
          reason: "not a notified event",
          now: new Date(),
        });
      }
    }
    await seeded.close();

    pipeline = await startPipeline({ databaseUrl, env: {}, retentionMs: 30 * day });
    await vi.waitFor(
      async () => expect(await pipeline?.store.getDelivery("old-skipped")).toBeNull(),
      {
        timeout: 5_000,
        interval: 20,
      },
    );
    // Dead deliveries stay for an operator to look at and replay; recent ones stay too.
    expect((await pipeline.store.getDelivery("old-dead"))?.status).toBe("dead");
    expect((await pipeline.store.getDelivery("recent-skipped"))?.status).toBe("skipped");
  });
});
