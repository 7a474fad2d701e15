/**
 * Fault injection: SIGTERM while slow Slack posts are under way. The app must exit 0 within
 * its grace period, refuse (or not acknowledge) what arrives meanwhile, and after a restart
 * deliver every acknowledged delivery exactly once: claims were finished or given back.
 */
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { join } from "node:path";
import { startApp, type AppProcess, unpacedEnv } from "../helpers/app-process.js";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.js";
import {
  createRandom,
  faultSeed,
  postsByDelivery,
  taggedDeliveries,
  startSlowSend,
  trySend,
  type SendOutcome,
  type TaggedDelivery,
} from "../helpers/fault-deliveries.js";
import { freePort } from "../helpers/free-port.js";
import { readRows } from "../helpers/sqlite-rows.js";
import { tempDir } from "../helpers/temp-dir.js";
import { sleep } from "../helpers/wait.js";

const SEED = faultSeed();
const BEFORE_SIGTERM = 30;
/** Requests whose body is still arriving when SIGTERM comes. */
const HALF_SENT = 3;
/** Fresh deliveries sent one after another from the SIGTERM until the process is gone. */
const DURING_SHUTDOWN_MAX = 400;
const SLACK_ANSWER_MS = 500;
/** The app's own bound: 10 s of grace for posts under way, then a forced exit at 15 s. */
const EXIT_BOUND_MS = 15_000;

const dir = tempDir("notifier-fault-sigterm-");
let slack: FakeSlack;
const apps: AppProcess[] = [];

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  for (const app of apps) await app.kill("SIGKILL");
  await slack.close();
});

it("exits 0 on SIGTERM mid-post, acknowledges nothing it then loses, and delivers everything once after a restart", async () => {
  console.log(`fault-sigterm: seed ${SEED} (replay with FAULT_SEED=${SEED})`);
  const all = taggedDeliveries({
    count: BEFORE_SIGTERM + HALF_SENT + DURING_SHUTDOWN_MAX,
    random: createRandom(SEED),
  });
  const early = all.slice(0, BEFORE_SIGTERM);
  const halfSent = all.slice(BEFORE_SIGTERM, BEFORE_SIGTERM + HALF_SENT);
  const late = all.slice(BEFORE_SIGTERM + HALF_SENT);
  slack.answer = () => ({ status: 200, delayMs: SLACK_ANSWER_MS });

  const dbPath = join(dir, "notifier.db");
  const port = await freePort();
  const env = {
    ...unpacedEnv({ databaseUrl: dbPath, slackUrl: `${slack.url}/services/T1/B1/default` }),
    PORT: String(port),
  };
  const app = await startApp({ env });
  apps.push(app);
  const baseUrl = app.baseUrl;

  const acknowledged = new Set<TaggedDelivery>();
  for (const delivery of early) {
    const outcome = await trySend({ baseUrl, delivery });
    expect(outcome.kind).toBe("acknowledged");
    acknowledged.add(delivery);
  }
  // A post is under way: Slack holds each answer for 500 ms.
  await slack.waitForAccepted(3, 10_000);
  await vi.waitFor(() => expect(slack.posts.length).toBeGreaterThan(slack.accepted().length), {
    timeout: 2_000,
    interval: 5,
  });
  const inFlightAtSigterm = slack.posts.length - slack.accepted().length;
  const slow = await Promise.all(halfSent.map((delivery) => startSlowSend({ port, delivery })));

  const sigtermAt = Date.now();
  const exited = app.kill("SIGTERM");
  let exitedAt: number | null = null;
  void exited.then(() => (exitedAt = Date.now()));
  // The rest of each half-sent body arrives while the app is stopping.
  await sleep(100);
  for (const request of slow) request.finish();
  const slowResults = await Promise.all(slow.map((request) => request.result));
  slowResults.forEach((result, i) => {
    if (result.kind === "answered" && result.status >= 200 && result.status < 300)
      acknowledged.add(halfSent[i] as TaggedDelivery);
  });

  const duringShutdown: { delivery: TaggedDelivery; outcome: SendOutcome }[] = [];
  for (const delivery of late) {
    if (exitedAt !== null) break;
    const outcome = await trySend({ baseUrl, delivery });
    duringShutdown.push({ delivery, outcome });
    if (outcome.kind === "acknowledged") acknowledged.add(delivery);
    await sleep(10);
  }
  const code = await exited;
  const exitMs = (exitedAt ?? Date.now()) - sigtermAt;
  const stopLog = app.logs.find((line) => /^stopping/.test(line.msg));
  const postsBeforeRestart = slack.posts.length;
  const acceptedBeforeRestart = slack.accepted().length;
  // What the stopped process left behind: no claim may still be held.
  const leftHeld = readRows<{ n: number }>(
    dbPath,
    "SELECT (SELECT count(*) FROM deliveries WHERE lease_owner IS NOT NULL) + (SELECT count(*) FROM notifications WHERE lease_owner IS NOT NULL) AS n",
  );

  const restarted = await startApp({ env });
  apps.push(restarted);
  const expected = new Set([...acknowledged].map((delivery) => delivery.index));
  // Deliveries answered with an error or cut off may still have been stored: they are sent too.
  const stored = new Set(
    readRows<{ id: string }>(dbPath, "SELECT id FROM deliveries").map((row) => row.id),
  );
  const storedCount = stored.size;
  await slack.waitForAccepted(storedCount, 60_000);
  await vi.waitFor(
    () =>
      expect(
        readRows<{ n: number }>(
          dbPath,
          "SELECT count(*) AS n FROM deliveries WHERE status <> 'delivered'",
        ),
      ).toEqual([{ n: 0 }]),
    { timeout: 10_000, interval: 250 },
  );
  await sleep(1_000);

  const byDelivery = postsByDelivery(slack.accepted());
  const count = (kind: SendOutcome["kind"]) =>
    duringShutdown.filter((entry) => entry.outcome.kind === kind).length;
  console.log(
    `fault-sigterm figures: ${JSON.stringify({
      seed: SEED,
      postsInFlightAtSigterm: inFlightAtSigterm,
      halfSentAtSigterm: slowResults.map((result) =>
        result.kind === "answered" ? result.status : result.error,
      ),
      exitCode: code,
      exitMs,
      requestsDuringShutdown: duringShutdown.length,
      acknowledgedDuringShutdown: count("acknowledged"),
      refusedDuringShutdown: count("refused"),
      unreachableDuringShutdown: count("unreachable"),
      postsBeforeRestart,
      acceptedBeforeRestart,
      claimsLeftHeld: leftHeld[0]?.n,
      acknowledgedTotal: acknowledged.size,
      storedTotal: storedCount,
      postsTotal: slack.posts.length,
    })}`,
  );

  expect(stopLog).toBeDefined();
  expect(code).toBe(0);
  expect(exitMs).toBeLessThan(EXIT_BOUND_MS);
  // The requests sent while stopping prove something: at least one was tried before the exit.
  expect(duringShutdown.length).toBeGreaterThan(0);
  expect(leftHeld).toEqual([{ n: 0 }]);
  // Every acknowledged delivery was stored and posted exactly once; nothing else was posted twice.
  for (const index of expected) expect(stored.has((all[index] as TaggedDelivery).id)).toBe(true);
  expect([...expected].filter((index) => byDelivery.get(index)?.length !== 1)).toEqual([]);
  expect([...byDelivery.values()].filter((posts) => posts.length > 1)).toEqual([]);
  expect(slack.posts).toHaveLength(storedCount);
}, 120_000);

it("exits within the bound when a post hangs past the grace period, and the post is made after a restart", async () => {
  const [delivery] = taggedDeliveries({ count: 1, random: createRandom(SEED + 1) });
  if (!delivery) throw new Error("no delivery");
  slack.reset();
  // Slack takes the post and never answers: the grace period (10 s) runs out mid-post.
  slack.answer = () => ({ hang: true });
  const dbPath = join(dir, "notifier-hang.db");
  const env = {
    DATABASE_URL: dbPath,
    SLACK_WEBHOOK_URL: `${slack.url}/services/T1/B1/default`,
    SLACK_PACE: "0",
    LOG_LEVEL: "info",
  };
  const app = await startApp({ env });
  apps.push(app);
  expect((await trySend({ baseUrl: app.baseUrl, delivery })).kind).toBe("acknowledged");
  await vi.waitFor(() => expect(slack.posts).toHaveLength(1), { timeout: 5_000, interval: 20 });

  const sigtermAt = Date.now();
  const code = await app.kill("SIGTERM");
  const exitMs = Date.now() - sigtermAt;
  const statuses = readRows<{ status: string; lease_owner: string | null }>(
    dbPath,
    "SELECT status, lease_owner FROM notifications",
  );

  slack.answer = () => ({ status: 200 });
  const restarted = await startApp({ env });
  apps.push(restarted);
  await slack.waitForAccepted(1, 30_000);
  await restarted.waitForLog(
    (line) => line.deliveryId === delivery.id && line.msg === "posted to Slack",
  );
  console.log(
    `fault-sigterm (hung post) figures: ${JSON.stringify({ exitCode: code, exitMs, notificationsAfterStop: statuses, posts: slack.posts.length })}`,
  );

  expect(code).toBe(0);
  expect(exitMs).toBeLessThan(EXIT_BOUND_MS);
  // The claim was finished (the post timed out: `failed`, retried soon) or given back
  // (`queued`), not left `sending` under a lease for the next process to wait out.
  expect(statuses).toEqual([
    { status: expect.stringMatching(/^(queued|failed)$/), lease_owner: null },
  ]);
  expect(slack.accepted()).toHaveLength(1);
  expect(readRows(dbPath, "SELECT status FROM deliveries")).toEqual([{ status: "delivered" }]);
}, 60_000);
