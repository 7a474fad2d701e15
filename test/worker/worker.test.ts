/**
 * The worker's loop on a real SQLite file, wired as the app wires it (`composeNotifier`), Slack
 * answered by nock: a backlog of stored deliveries is routed without starving the event loop.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import nock from "nock";
import pino from "pino";
import { join } from "node:path";
import Database from "better-sqlite3";
import { testProbot } from "../helpers/pipeline.js";
import { tempDir } from "../helpers/temp-dir.js";
import { incoming } from "../store/store-fixtures.js";
import { composeNotifier } from "../../src/app.js";
import { createStore } from "../../src/store/create-store.js";
import { createSlackPoster } from "../../src/slack/poster.js";
import { readChannels } from "../../src/settings/channels.js";
import { NO_PEOPLE } from "../../src/settings/people.js";
import { createMetrics } from "../../src/ops/metrics.js";

const SLACK = "https://hooks.slack.com";
const PATH = "/services/T000/B000/default";
/** Deliveries waiting when the worker starts: far more than one turn claims (32). */
const BACKLOG = 400;

const dir = tempDir("notifier-worker-");
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  nock.cleanAll();
});

describe("the worker's loop", () => {
  it("lets timers and sockets run between turns while it routes a backlog", async () => {
    const path = join(dir, "notifier.db");
    const store = createStore(path);
    await store.migrate();
    for (let i = 0; i < BACKLOG; i += 1) {
      expect(await store.insertDelivery(incoming(`backlog-${i}`, { receivedAt: new Date() }))).toBe(
        "stored",
      );
    }
    nock(SLACK).post(PATH).times(BACKLOG).reply(200, "ok");
    const log = pino({ level: "silent" });
    const probot = testProbot();
    const { worker } = composeNotifier({
      settings: {
        appId: null,
        channels: readChannels({ SLACK_WEBHOOK_URL: `${SLACK}${PATH}` }),
        configCacheTtlMs: 300_000,
        slackPaceMs: 0,
        burstSummaryAfter: 0,
        retentionMs: 0,
        webhookSecret: "worker-test-secret",
        metricsToken: null,
        slackBotToken: null,
        slackApiUrl: "https://slack.com/api/",
        people: NO_PEOPLE,
      },
      probot,
      log,
      store,
      now: () => new Date(),
      metrics: createMetrics({ store, withDefaults: false }),
      overrides: {
        poster: createSlackPoster({ log, timeoutMs: 2_000 }),
        worker: { leaseMs: 15_000, idlePollMs: 60_000 },
      },
    });
    stops.push(async () => {
      await worker.stop(2_000);
      await store.close();
    });
    const reader = new Database(path, { readonly: true });
    stops.push(async () => {
      reader.close();
    });
    const claimed = () =>
      (
        reader.prepare("SELECT count(*) AS n FROM deliveries WHERE status <> 'pending'").get() as {
          n: number;
        }
      ).n;

    // A timer due at once, set as the worker starts: it runs at the event loop's next pass.
    // Routing every delivery first (store calls answer at once on SQLite) would mean a webhook
    // arriving now waits for the whole backlog.
    const atTimer = new Promise<number>((resolve) => setTimeout(() => resolve(claimed()), 0));
    worker.start();
    const claimedAtTimer = await atTimer;
    expect(claimedAtTimer).toBeLessThan(BACKLOG / 4);
    // The backlog is still routed, all of it.
    await vi.waitFor(() => expect(claimed()).toBe(BACKLOG), { timeout: 20_000, interval: 20 });
  });
});
