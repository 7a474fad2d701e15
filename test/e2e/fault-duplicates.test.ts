/**
 * Fault injection: GitHub redelivers and retries, so one delivery id may arrive several times,
 * even at the same moment. 200 deliveries, each sent three times, shuffled and concurrent,
 * must make exactly 200 Slack posts.
 */
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { join } from "node:path";
import { startApp, type AppProcess, unpacedEnv } from "../helpers/app-process.js";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.js";
import {
  createRandom,
  faultSeed,
  postsByDelivery,
  runPool,
  shuffle,
  taggedDeliveries,
  trySend,
  type SendOutcome,
} from "../helpers/fault-deliveries.js";
import { deliveryStatusCounts } from "../helpers/sqlite-rows.js";
import { tempDir } from "../helpers/temp-dir.js";
import { sleep } from "../helpers/wait.js";

const SEED = faultSeed();
const DELIVERIES = 200;
const COPIES = 3;
const CONCURRENCY = 48;

const dir = tempDir("notifier-fault-duplicates-");
let slack: FakeSlack;
let app: AppProcess | null = null;

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await app?.kill("SIGKILL");
  await slack.close();
});

it("posts once per delivery when each of 200 is sent three times, shuffled and concurrently", async () => {
  console.log(`fault-duplicates: seed ${SEED} (replay with FAULT_SEED=${SEED})`);
  const random = createRandom(SEED);
  const deliveries = taggedDeliveries({ count: DELIVERIES, random });
  const copies = shuffle(
    deliveries.flatMap((delivery) => Array.from({ length: COPIES }, () => delivery)),
    random,
  );
  const dbPath = join(dir, "notifier.db");
  app = await startApp({
    env: unpacedEnv({ databaseUrl: dbPath, slackUrl: `${slack.url}/services/T1/B1/default` }),
  });
  const baseUrl = app.baseUrl;

  const outcomes: SendOutcome[] = [];
  await runPool({
    items: copies,
    concurrency: CONCURRENCY,
    run: async (delivery) => {
      outcomes.push(await trySend({ baseUrl, delivery }));
    },
  });
  expect(outcomes.filter((outcome) => outcome.kind !== "acknowledged")).toEqual([]);
  expect(outcomes).toHaveLength(DELIVERIES * COPIES);

  await slack.waitForAccepted(DELIVERIES, 60_000);
  await vi.waitFor(() => expect(deliveryStatusCounts(dbPath)).toEqual({ delivered: DELIVERIES }), {
    timeout: 30_000,
    interval: 250,
  });
  // Give a wrongly queued second copy the time it would need to arrive.
  await sleep(1_000);

  const byDelivery = postsByDelivery(slack.posts);
  const postCounts = deliveries.map((delivery) => byDelivery.get(delivery.index)?.length ?? 0);
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  console.log(
    `fault-duplicates figures: ${JSON.stringify({
      seed: SEED,
      requests: outcomes.length,
      acknowledged: outcomes.filter((outcome) => outcome.kind === "acknowledged").length,
      posts: slack.posts.length,
      deliveriesPostedTwiceOrMore: postCounts.filter((n) => n > 1).length,
      duplicatesCounted: /notifier_deliveries_duplicate_total (\d+)/.exec(metrics)?.[1],
    })}`,
  );
  expect(slack.posts).toHaveLength(DELIVERIES);
  expect(postCounts.every((n) => n === 1)).toBe(true);
  expect(metrics).toMatch(
    new RegExp(`notifier_deliveries_duplicate_total ${DELIVERIES * (COPIES - 1)}\\b`),
  );
  expect(metrics).toMatch(new RegExp(`notifier_deliveries_received_total ${DELIVERIES}\\b`));
}, 120_000);
