/**
 * Claims stay short and are renewed while routing is under way: a routing that waits for
 * GitHub longer than the lease keeps its delivery (no second worker routes it too), and a
 * worker that stops renewing (a crashed process) has its deliveries taken over within one
 * lease. Real SQLite file, the in-process pipeline, Slack mocked by nock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import nock from "nock";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { startPipeline, type Pipeline } from "../helpers/pipeline.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";
import { DEFAULT_CONFIG } from "../../src/repo-config/defaults.js";
import type { NotifierConfig } from "../../src/repo-config/config-schema.js";

const dir = tempDir("notifier-renewal-");
const SLACK = "https://hooks.slack.com";
const DEFAULT_PATH = "/services/T000/B000/default";
const LEASE_MS = 300;

const pipelines: Pipeline[] = [];
beforeEach(() => nock.disableNetConnect());
afterEach(async () => {
  for (const pipeline of pipelines.splice(0)) await pipeline.stop();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("claims under routing", () => {
  it("keeps a delivery whose routing outlasts the lease many times over, and routes it once", async () => {
    let loads = 0;
    let answer: (config: NotifierConfig) => void = () => {};
    const slack = nock(SLACK).post(DEFAULT_PATH).reply(200, "ok");
    const databaseUrl = join(dir, `${randomUUID()}.db`);
    const slow = await startPipeline({
      databaseUrl,
      env: { SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}` },
      leaseMs: LEASE_MS,
      configs: {
        load: () => {
          loads += 1;
          return new Promise<NotifierConfig>((resolve) => (answer = resolve));
        },
      },
    });
    pipelines.push(slow);
    // A second worker on the same store, ready to take over any claim that lapses.
    const rival = await startPipeline({
      databaseUrl,
      env: { SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}` },
      leaseMs: LEASE_MS,
      configs: {
        load: () => {
          loads += 1;
          return Promise.resolve(DEFAULT_CONFIG);
        },
      },
    });
    pipelines.push(rival);

    const id = randomUUID();
    await slow.probot.receive({
      id,
      name: "issues",
      payload: exampleOf("issues", "opened"),
    } as never);
    await vi.waitFor(() => expect(loads).toBe(1), { timeout: 2_000, interval: 10 });
    // Ten leases pass while GitHub has not answered: the claim is renewed, nobody else routes it.
    await new Promise((resolve) => setTimeout(resolve, 10 * LEASE_MS));
    expect(loads).toBe(1);
    expect((await slow.store.getDelivery(id))?.status).toBe("processing");

    answer(DEFAULT_CONFIG);
    await vi.waitFor(
      async () => expect((await slow.store.getDelivery(id))?.status).toBe("delivered"),
      {
        timeout: 3_000,
        interval: 20,
      },
    );
    expect(slack.isDone()).toBe(true);
    expect(loads).toBe(1);
  });

  it("lets another worker take over within a lease once the holder stops renewing", async () => {
    const databaseUrl = join(dir, `${randomUUID()}.db`);
    const holder = await startPipeline({
      databaseUrl,
      env: { SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}` },
      leaseMs: LEASE_MS,
      configs: { load: () => new Promise<NotifierConfig>(() => {}) },
    });
    const id = randomUUID();
    await holder.probot.receive({
      id,
      name: "issues",
      payload: exampleOf("issues", "opened"),
    } as never);
    await vi.waitFor(
      async () => expect((await holder.store.getDelivery(id))?.status).toBe("processing"),
      {
        timeout: 2_000,
        interval: 10,
      },
    );
    // The holder's process dies: its timers stop, its claim is not given back.
    vi.spyOn(holder.store, "renewDeliveryLeases").mockResolvedValue(0);
    vi.spyOn(holder.store, "releaseAll").mockResolvedValue();
    await holder.worker.stop(0);

    const slack = nock(SLACK).post(DEFAULT_PATH).reply(200, "ok");
    const successor = await startPipeline({
      databaseUrl,
      env: { SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}` },
      leaseMs: LEASE_MS,
    });
    pipelines.push(successor);
    const started = Date.now();
    await vi.waitFor(
      async () => expect((await successor.store.getDelivery(id))?.status).toBe("delivered"),
      {
        timeout: 5_000,
        interval: 20,
      },
    );
    expect(slack.isDone()).toBe(true);
    // One lease, plus the successor's idle poll (200 ms in the pipeline) and a post.
    expect(Date.now() - started).toBeLessThan(LEASE_MS + 1_500);
    await holder.store.close();
  });
});
