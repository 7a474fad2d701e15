/**
 * The worker's loop on a real SQLite file and a real PostgreSQL schema, wired as the app wires it
 * (`startPipeline`: the app's `composeNotifier`), Slack answered by nock: a backlog of stored deliveries is routed without
 * starving the event loop, and claimed in batches.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import nock from "nock";
import { join } from "node:path";
import { startPipeline } from "../helpers/pipeline.js";
import { tempDir } from "../helpers/temp-dir.js";
import { incoming } from "../store/store-fixtures.js";
import { postgresAvailable, testSchema, type TestSchema } from "../helpers/test-postgres.js";
import { createStore } from "../../src/store/create-store.js";

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

const onPostgres = (await postgresAvailable({ suite: "worker loop on PostgreSQL" })) ? it : it.skip;

/**
 * Starts the worker on BACKLOG stored deliveries, as the app wires it, and reports: how many it
 * had claimed when a timer set at its start ran, and the limit of every claim it made.
 */
async function routeBacklog(databaseUrl: string) {
  const opened = createStore(databaseUrl);
  const claims: number[] = [];
  let claimedSoFar = 0;
  const store = {
    ...opened,
    claimDeliveries: async (params: Parameters<typeof opened.claimDeliveries>[0]) => {
      claims.push(params.limit);
      const claimed = await opened.claimDeliveries(params);
      claimedSoFar += claimed.length;
      return claimed;
    },
  };
  const { worker, stop } = await startPipeline({
    databaseUrl,
    env: { SLACK_WEBHOOK_URL: `${SLACK}${PATH}` },
    store,
    leaseMs: 15_000,
    idlePollMs: 60_000,
    startWorker: false,
  });
  stops.push(stop);
  for (let i = 0; i < BACKLOG; i += 1) {
    expect(await store.insertDelivery(incoming(`backlog-${i}`, { receivedAt: new Date() }))).toBe(
      "stored",
    );
  }
  nock(SLACK).post(PATH).times(BACKLOG).reply(200, "ok");
  // A timer due at once, set as the worker starts: it runs at the event loop's next pass.
  // Routing every delivery first (store calls answer at once on SQLite) would mean a webhook
  // arriving now waits for the whole backlog.
  const atTimer = new Promise<number>((resolve) => setTimeout(() => resolve(claimedSoFar), 0));
  worker.start();
  const claimedAtTimer = await atTimer;
  // The backlog is still routed, all of it.
  await vi.waitFor(() => expect(claimedSoFar).toBe(BACKLOG), { timeout: 30_000, interval: 20 });
  return { claimedAtTimer, claims };
}

describe("the worker's loop", () => {
  it("lets timers and sockets run between turns while it routes a backlog (SQLite)", async () => {
    const { claimedAtTimer } = await routeBacklog(join(dir, "notifier.db"));
    expect(claimedAtTimer).toBeLessThan(BACKLOG / 4);
  });

  onPostgres(
    "claims freed routing slots together, not one query per routing that ends (PostgreSQL)",
    async () => {
      const schema: TestSchema = testSchema("worker_loop");
      stops.push(() => schema.drop());
      const { claimedAtTimer, claims } = await routeBacklog(schema.databaseUrl);
      expect(claimedAtTimer).toBeLessThan(BACKLOG / 4);
      // Routings end one by one here (each statement a round trip): a claim as each ended
      // took 171 claims for the 400; gathered, 37-42. At least 4 a claim on average.
      expect(claims.length).toBeLessThanOrEqual(BACKLOG / 4);
    },
    60_000,
  );
});
