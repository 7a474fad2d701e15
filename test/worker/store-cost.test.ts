/**
 * What one delivery costs the store end to end, on both databases: one `issues.opened`
 * received, routed to one webhook channel and posted, counted at the store's `Db` port
 * (statements, transactions, and those that write: on PostgreSQL each a commit waiting for
 * its own WAL sync). The worker's bookkeeping, not the ingest insert, is what bounds how many
 * instances one PostgreSQL carries, so this guards it from growing back.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import nock from "nock";
import pino from "pino";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { testProbot } from "../helpers/pipeline.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";
import { countedBackend, type StoreCounts } from "../helpers/counted-backend.js";
import { postgresAvailable, testSchema, type TestSchema } from "../helpers/test-postgres.js";
import { composeNotifier } from "../../src/app.js";
import { composeStore, parsePostgresUrl } from "../../src/store/create-store.js";
import { openPostgres } from "../../src/store/dialects/postgres.js";
import { openSqlite } from "../../src/store/dialects/sqlite.js";
import type { Backend } from "../../src/store/db.js";
import { createSlackPoster } from "../../src/slack/poster.js";
import { readChannels } from "../../src/settings/channels.js";
import { NO_PEOPLE } from "../../src/settings/people.js";
import { createMetrics } from "../../src/ops/metrics.js";

const SLACK = "https://hooks.slack.com";
const PATH = "/services/T000/B000/default";
/**
 * Write transactions per delivery, at most: the ingest insert, the delivery's claim, the end of
 * its routing (with its history lines), the webhook's turn, the notification's claim, the end
 * of the post (with its history line), and the turn's end.
 */
const WRITE_TRANSACTIONS = 7;
/**
 * A pull request event writes two more, both bookkeeping (no WAL sync of their own on
 * PostgreSQL): its head commit (so CI naming no pull request threads under it), and its review
 * state (requested reviewers, approvals), which reminders read. One each per pull request
 * event, announced or not.
 */
const PULL_REQUEST_WRITE_TRANSACTIONS = WRITE_TRANSACTIONS + 2;
/** Deliveries measured, one after another, each settled before the next. */
const MEASURED = 5;

const dir = tempDir("notifier-store-cost-");
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  nock.cleanAll();
});

/** The example each measured delivery is made from: a new issue, or a new pull request. */
type Measured = "issues.opened" | "pull_request.opened";

/** Counts per delivery: the worker's idle turns between deliveries are not part of it. */
async function costPerDelivery(
  open: () => Backend,
  measured: Measured = "issues.opened",
): Promise<StoreCounts> {
  const counter = countedBackend(open());
  const store = composeStore(counter.backend);
  await store.migrate();
  const log = pino({ level: process.env.COST_LOG ?? "silent" });
  const probot = testProbot();
  const { worker, receiver } = composeNotifier({
    settings: {
      appId: null,
      channels: readChannels({ SLACK_WEBHOOK_URL: `${SLACK}${PATH}` }),
      configCacheTtlMs: 300_000,
      slackPaceMs: 0,
      burstSummaryAfter: 0,
      retentionMs: 0,
      webhookSecret: "pipeline-test-secret",
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
      // Only a delivery wakes the worker: no idle polls in the counts.
      worker: { leaseMs: 15_000, idlePollMs: 60_000 },
    },
  });
  await probot.load(receiver, { cwd: process.cwd(), addHandler: () => {} });
  worker.start();
  stops.push(async () => {
    await worker.stop(2_000);
    await store.close();
  });
  nock(SLACK)
    .post(PATH)
    .times(MEASURED + 1)
    .reply(200, "ok");

  let number = 0;
  const deliver = async () => {
    const id = randomUUID();
    number += 1;
    // Each a different issue or pull request: the same body twice is refused as a replay.
    if (measured === "issues.opened") {
      const payload = exampleOf("issues", "opened");
      payload.issue.number = number;
      await probot.receive({ id, name: "issues", payload } as never);
    } else {
      const payload = exampleOf("pull_request", "opened");
      payload.number = number;
      payload.pull_request.number = number;
      payload.pull_request.head.sha = number.toString(16).padStart(40, "0");
      await probot.receive({ id, name: "pull_request", payload } as never);
    }
    await vi.waitFor(async () => expect((await store.getDelivery(id))?.status).toBe("delivered"), {
      timeout: 5_000,
      interval: 10,
    });
    // The worker's last turn (nothing more to claim, nothing waiting) ends shortly after.
    await new Promise((resolve) => setTimeout(resolve, 300));
  };
  // The first delivery reads the mutes and warms caches; measure the ones after it.
  await deliver();
  counter.reset();
  for (let i = 0; i < MEASURED; i += 1) await deliver();
  const after = counter.counts();
  // The test's own reads (getDelivery while waiting) are not the pipeline's.
  const own = (t: StoreCounts["log"][number]) =>
    !t.block && t.statements.length === 1 && t.statements[0] === "SELECT id, event,";
  const pipeline = after.log.filter((t) => !own(t));
  const statements = pipeline.reduce((n, t) => n + t.statements.length, 0);
  return {
    transactions: pipeline.length / MEASURED,
    writeTransactions: pipeline.filter((t) => t.writes).length / MEASURED,
    syncedCommits: pipeline.filter((t) => t.writes && t.synced).length / MEASURED,
    statements: statements / MEASURED,
    roundTrips: (statements + 2 * pipeline.filter((t) => t.block).length) / MEASURED,
    log: pipeline,
  };
}

function report(store: string, counts: StoreCounts): void {
  const lines = counts.log.map(
    (t) =>
      `  ${t.block ? "tx" : "  "} ${t.writes ? "W" : "r"}${t.bookkeeping ? "b" : " "} ${t.statements.join(" | ")}`,
  );
  console.info(
    `${store}: per delivery ${counts.transactions} transactions (${counts.writeTransactions} writing, ${counts.syncedCommits} of them waiting for a WAL sync), ${counts.statements} statements, ${counts.roundTrips} round trips\n${lines.join("\n")}`,
  );
}

const onPostgres = (await postgresAvailable({ suite: "store cost on PostgreSQL" })) ? it : it.skip;

describe("the store's cost of one delivery routed to one webhook channel and posted", () => {
  it("on SQLite", async () => {
    const counts = await costPerDelivery(() =>
      openSqlite({ path: join(dir, `${randomUUID()}.db`) }),
    );
    report("SQLite", counts);
    expect(counts.writeTransactions).toBeLessThanOrEqual(WRITE_TRANSACTIONS);
    // Only the acknowledged insert waits for its sync; the worker's bookkeeping does not.
    expect(counts.syncedCommits).toBe(1);
  });

  onPostgres("on PostgreSQL", async () => {
    const schema: TestSchema = testSchema("store_cost");
    stops.push(() => schema.drop());
    const counts = await costPerDelivery(() =>
      openPostgres({ ...parsePostgresUrl(schema.databaseUrl), poolMax: 10 }),
    );
    report("PostgreSQL", counts);
    expect(counts.writeTransactions).toBeLessThanOrEqual(WRITE_TRANSACTIONS);
    // Only the acknowledged insert waits for its sync; the worker's bookkeeping does not.
    expect(counts.syncedCommits).toBe(1);
  });

  it("on SQLite, for a pull request", async () => {
    const counts = await costPerDelivery(
      () => openSqlite({ path: join(dir, `${randomUUID()}.db`) }),
      "pull_request.opened",
    );
    report("SQLite, pull request", counts);
    expect(counts.writeTransactions).toBeLessThanOrEqual(PULL_REQUEST_WRITE_TRANSACTIONS);
    expect(counts.syncedCommits).toBe(1);
  });

  onPostgres("on PostgreSQL, for a pull request", async () => {
    const schema: TestSchema = testSchema("store_cost_pr");
    stops.push(() => schema.drop());
    const counts = await costPerDelivery(
      () => openPostgres({ ...parsePostgresUrl(schema.databaseUrl), poolMax: 10 }),
      "pull_request.opened",
    );
    report("PostgreSQL, pull request", counts);
    expect(counts.writeTransactions).toBeLessThanOrEqual(PULL_REQUEST_WRITE_TRANSACTIONS);
    // The head and the review state are bookkeeping: still only the insert waits for its sync.
    expect(counts.syncedCommits).toBe(1);
  });
});
