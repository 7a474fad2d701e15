/**
 * Every repository is a stranger: one installation whose config read never answers, or one
 * channel whose Slack webhook is down, must delay only its own deliveries and posts. Through
 * the in-process pipeline (receive -> store -> worker -> Slack) with a real SQLite file and
 * Slack mocked by nock; the config source is the worker's port to GitHub.
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
import type { ConfigSource } from "../../src/repo-config/config-source.js";
import type { Store } from "../../src/store/types.js";

const dir = tempDir("notifier-tenants-");
const SLACK = "https://hooks.slack.com";
const DEFAULT_PATH = "/services/T000/B000/default";
const BETA_PATH = "/services/T000/B000/beta";
/** The installation whose GitHub never answers, and a healthy one. */
const STUCK = 101;
const HEALTHY = 202;

let pipeline: Pipeline | null = null;
let issueNumber = 1_000;

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

/** An `issues.opened` delivery of `owner/hello-world` through `installationId`, with a body of its own. */
async function receiveIssue(
  p: Pipeline,
  params: { installationId: number; owner: string },
): Promise<string> {
  const payload = exampleOf("issues", "opened");
  payload.issue.number = issueNumber++;
  payload.installation = { id: params.installationId, node_id: "MDIzOkludGVncmF0aW9uMQ==" };
  payload.repository.owner.login = params.owner;
  payload.repository.full_name = `${params.owner}/Hello-World`;
  const id = randomUUID();
  await p.probot.receive({ id, name: "issues", payload } as never);
  return id;
}

async function statuses(store: Store, ids: string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await store.getDelivery(id))?.status ?? "missing"));
}

describe("one installation's config read never answers", () => {
  it("posts everyone else's deliveries at once, keeps at most 4 of its deliveries routing, and retries them later", async () => {
    const deadlineMs = 4_000;
    let stuckLoads = 0;
    const configs: ConfigSource = {
      load: ({ installationId }) => {
        if (installationId !== STUCK) return Promise.resolve(DEFAULT_CONFIG);
        stuckLoads += 1;
        // GitHub accepted the request and never answered.
        return new Promise<NotifierConfig>(() => {});
      },
    };
    const slack = nock(SLACK).post(DEFAULT_PATH).times(20).reply(200, "ok");
    pipeline = await startPipeline({
      databaseUrl: join(dir, `${randomUUID()}.db`),
      env: { SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}` },
      configs,
      routingDeadlineMs: deadlineMs,
    });
    const p = pipeline;

    // The stuck tenant's deliveries arrive first, so they are the oldest: the first claimed.
    const stuck: string[] = [];
    for (let i = 0; i < 10; i++)
      stuck.push(await receiveIssue(p, { installationId: STUCK, owner: "stuck-org" }));
    const startedAt = Date.now();
    const healthy: string[] = [];
    for (let i = 0; i < 20; i++)
      healthy.push(await receiveIssue(p, { installationId: HEALTHY, owner: "healthy-org" }));

    await vi.waitFor(
      async () => expect(await statuses(p.store, healthy)).toEqual(healthy.map(() => "delivered")),
      { timeout: deadlineMs, interval: 20 },
    );
    const healthyTookMs = Date.now() - startedAt;
    expect(slack.isDone()).toBe(true);
    // Before this change the healthy tenant waited for the stuck one's routing deadline.
    expect(healthyTookMs).toBeLessThan(deadlineMs);
    // Only the per-installation bound of the stuck tenant's deliveries was ever routing.
    expect(stuckLoads).toBe(4);
    expect(await statuses(p.store, stuck)).not.toContain("delivered");

    // The stuck tenant's deliveries are retried later: each missed its deadline or was put off
    // behind the stalled installation, none is lost, none is dead.
    await vi.waitFor(
      async () => {
        for (const id of stuck) {
          const history = await p.store.getAttempts(id);
          expect(history.map((attempt) => attempt.outcome)).toContain("retry");
        }
      },
      { timeout: 3 * deadlineMs, interval: 50 },
    );
    const details = new Set<string>();
    for (const id of stuck) {
      const delivery = await p.store.getDelivery(id);
      expect(["failed", "processing"]).toContain(delivery?.status);
      for (const attempt of await p.store.getAttempts(id)) details.add(attempt.detail ?? "");
    }
    expect(details).toContain("routing exceeded the 4 s deadline");
    expect(
      [...details].some((detail) =>
        /^put off: installation 101 has 4 deliveries routing for over 2 s$/.test(detail),
      ),
    ).toBe(true);
  }, 30_000);
});

describe("a routing that misses its deadline", () => {
  it("is retried once, then ends dead with the reason", async () => {
    let loads = 0;
    pipeline = await startPipeline({
      databaseUrl: join(dir, `${randomUUID()}.db`),
      env: { SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}` },
      configs: {
        load: () => {
          loads += 1;
          return new Promise<NotifierConfig>(() => {});
        },
      },
      routingDeadlineMs: 200,
    });
    const p = pipeline;
    const id = await receiveIssue(p, { installationId: HEALTHY, owner: "slow-org" });

    const dead = await vi.waitFor(
      async () => {
        const delivery = await p.store.getDelivery(id);
        expect(delivery?.status).toBe("dead");
        return delivery;
      },
      // The retry comes about 1 s (±20%) after the first miss.
      { timeout: 5_000, interval: 20 },
    );
    expect(dead?.error).toBe("routing exceeded the 0.2 s deadline twice; giving up");
    expect((await p.store.getAttempts(id)).map((a) => [a.outcome, a.detail])).toEqual([
      ["retry", "routing exceeded the 0.2 s deadline"],
      ["dead", "routing exceeded the 0.2 s deadline twice; giving up"],
    ]);
    expect(loads).toBe(2);
    // Dead is final: no third attempt.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(loads).toBe(2);
  }, 15_000);
});

describe("a Slack outage on one channel", () => {
  it("does not delay posts to another channel", async () => {
    // Every issue goes to both channels; `default`'s webhook is down.
    const config: NotifierConfig = {
      routes: [
        { on: ["issues.opened"], channel: "default" },
        { on: ["issues.opened"], channel: "beta" },
      ],
    };
    const down = nock(SLACK).post(DEFAULT_PATH).reply(500, "internal_error").persist();
    const beta = nock(SLACK).post(BETA_PATH).times(10).reply(200, "ok");
    pipeline = await startPipeline({
      databaseUrl: join(dir, `${randomUUID()}.db`),
      env: {
        SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}`,
        SLACK_WEBHOOK_URL_BETA: `${SLACK}${BETA_PATH}`,
      },
      configs: { load: async () => config },
    });
    const p = pipeline;
    const ids: string[] = [];
    for (let i = 0; i < 10; i++)
      ids.push(await receiveIssue(p, { installationId: HEALTHY, owner: "acme" }));

    await vi.waitFor(
      async () => {
        for (const id of ids) {
          const byChannel = Object.fromEntries(
            (await p.store.getNotifications(id)).map((n) => [n.channel, n.status]),
          );
          expect(byChannel.beta).toBe("sent");
        }
      },
      { timeout: 3_000, interval: 20 },
    );
    expect(beta.isDone()).toBe(true);
    expect(down.isDone()).toBe(true);
    for (const id of ids) {
      const notifications = await p.store.getNotifications(id);
      expect(notifications.find((n) => n.channel === "default")?.status).not.toBe("sent");
      // The delivery waits for its other channel; it is not dead.
      expect((await p.store.getDelivery(id))?.status).toBe("processing");
    }
  }, 15_000);
});
