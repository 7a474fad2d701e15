/**
 * Fault injection: the built app is SIGKILLed and restarted at seeded random moments while a
 * thousand signed deliveries arrive. What GitHub could not hand over is sent again; every
 * acknowledged delivery must reach Slack exactly once, or twice only inside the documented
 * window (Slack accepted the post, the process died before recording it).
 */
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { join } from "node:path";
import { startApp, type AppProcess, unpacedEnv } from "../helpers/app-process.js";
import { startFakeSlack, type FakeSlack, type SlackPost } from "../helpers/fake-slack.js";
import {
  createRandom,
  faultSeed,
  postsByDelivery,
  randomBetween,
  runPool,
  taggedDeliveries,
  tagIndexOfPost,
  trySend,
  type TaggedDelivery,
} from "../helpers/fault-deliveries.js";
import { freePort } from "../helpers/free-port.js";
import { deliveryStatusCounts, readRows } from "../helpers/sqlite-rows.js";
import { tempDir } from "../helpers/temp-dir.js";
import { sleep } from "../helpers/wait.js";

const SEED = faultSeed();
const DELIVERIES = 1_000;
/** Deliveries are spread over this long, so the kills strike while they arrive and are posted. */
const SEND_SPAN_MS = 24_000;
const SENDERS = 16;
/** A refused or reset request is sent again after this long, as a redelivery would. */
const RESEND_AFTER_MS = 150;
/**
 * Longest time from Slack's 200 to the kill for a repeat to count as the documented window.
 * Recording a post is one SQLite commit; anything much later means the post was recorded
 * and posted again anyway, which is a bug.
 */
const WINDOW_MS = 250;

interface Life {
  app: AppProcess;
  startedAt: number;
  killedAt: number | null;
  exitedAt: number | null;
}

const dir = tempDir("notifier-fault-kill-");
let slack: FakeSlack;
const lives: Life[] = [];

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  for (const life of lives) await life.app.kill("SIGKILL");
  await slack.close();
});

it("delivers every acknowledged delivery once through 4 to 6 SIGKILLs, repeats only inside the window", async () => {
  console.log(`fault-kill: seed ${SEED} (replay with FAULT_SEED=${SEED})`);
  const random = createRandom(SEED);
  const deliveries = taggedDeliveries({ count: DELIVERIES, random });
  const kills = randomBetween({ random, min: 4, max: 6 });
  // One kill in each slice of the span, at a random point of its middle: spread, never bunched.
  const killOffsets = Array.from(
    { length: kills },
    (_, i) => (SEND_SPAN_MS * (i + 0.15 + 0.7 * random())) / kills,
  );
  const downtimes = killOffsets.map(() => randomBetween({ random, min: 200, max: 1_500 }));
  console.log(
    `fault-kill: ${kills} kills at ${killOffsets.map((ms) => `${Math.round(ms)}ms`).join(", ")} ` +
      `(down ${downtimes.map((ms) => `${ms}ms`).join(", ")})`,
  );

  const dbPath = join(dir, "notifier.db");
  const port = await freePort();
  const env = {
    ...unpacedEnv({ databaseUrl: dbPath, slackUrl: `${slack.url}/services/T1/B1/default` }),
    PORT: String(port),
  };
  const launch = async () => {
    const startedAt = Date.now();
    const app = await startApp({ env });
    lives.push({ app, startedAt, killedAt: null, exitedAt: null });
  };
  await launch();
  const baseUrl = `http://127.0.0.1:${port}`;

  const started = Date.now();
  const chaos = (async () => {
    for (const [i, offset] of killOffsets.entries()) {
      await sleep(started + offset - Date.now());
      const life = lives.at(-1);
      if (!life) throw new Error("no app to kill");
      life.killedAt = Date.now();
      await life.app.kill("SIGKILL");
      life.exitedAt = Date.now();
      await sleep(downtimes[i] ?? 0);
      await launch();
    }
  })();

  const acknowledgedAt = new Map<number, number>();
  const failures = { unreachable: 0, refused: new Map<number, number>() };
  const sendDeadline = started + SEND_SPAN_MS + 60_000;
  await runPool({
    items: deliveries,
    concurrency: SENDERS,
    run: async (delivery: TaggedDelivery) => {
      await sleep(started + (delivery.index * SEND_SPAN_MS) / DELIVERIES - Date.now());
      for (;;) {
        const outcome = await trySend({ baseUrl, delivery });
        if (outcome.kind === "acknowledged") {
          acknowledgedAt.set(delivery.index, outcome.at);
          return;
        }
        if (outcome.kind === "unreachable") failures.unreachable += 1;
        else failures.refused.set(outcome.status, (failures.refused.get(outcome.status) ?? 0) + 1);
        if (Date.now() > sendDeadline)
          throw new Error(`delivery ${delivery.id} was never acknowledged`);
        await sleep(RESEND_AFTER_MS);
      }
    },
  });
  const sentAllAt = Date.now();
  await chaos;
  expect(acknowledgedAt.size).toBe(DELIVERIES);

  // A killed process's claims come back when their 15 s lease ends.
  await vi.waitFor(() => expect(deliveryStatusCounts(dbPath)).toEqual({ delivered: DELIVERIES }), {
    timeout: 90_000,
    interval: 500,
  });
  const drainedAt = Date.now();
  expect(
    readRows<{ status: string; n: number }>(
      dbPath,
      "SELECT status, count(*) AS n FROM notifications GROUP BY status",
    ),
  ).toEqual([{ status: "sent", n: DELIVERIES }]);
  // Give a wrongly queued repeat the time it would need to show up.
  await sleep(1_000);

  const accepted = slack.accepted();
  expect(slack.posts.length).toBe(accepted.length);
  expect(accepted.filter((post) => tagIndexOfPost(post) === null)).toEqual([]);
  const byDelivery = postsByDelivery(accepted);
  const lost = deliveries
    .filter((delivery) => !byDelivery.has(delivery.index))
    .map((delivery) => delivery.id);

  const repeated = [...byDelivery.entries()].filter(([, posts]) => posts.length > 1);
  const insideWindow: { id: string; msBeforeKill: number }[] = [];
  const outsideWindow: { id: string; posts: { at: number; answeredAt?: number }[]; why: string }[] =
    [];
  for (const [index, posts] of repeated) {
    const delivery = deliveries[index] as TaggedDelivery;
    // Every post but the last must have been cut off by a kill before it was recorded.
    for (const [n, post] of posts.slice(0, -1).entries()) {
      const verdict = windowVerdict({
        post,
        next: posts[n + 1] as SlackPost,
        deliveryId: delivery.id,
      });
      if (verdict.inside)
        insideWindow.push({ id: delivery.id, msBeforeKill: verdict.msBeforeKill });
      else
        outsideWindow.push({
          id: delivery.id,
          posts: posts.map(({ at, answeredAt }) => ({ at, answeredAt })),
          why: verdict.why,
        });
    }
  }

  const figures = {
    seed: SEED,
    deliveries: DELIVERIES,
    kills,
    restarts: lives.length - 1,
    resends: { unreachable: failures.unreachable, refused: Object.fromEntries(failures.refused) },
    posts: slack.posts.length,
    duplicates: repeated.length,
    duplicatesInsideWindow: insideWindow.length,
    msFromSlackAnswerToKill: insideWindow.map((entry) => entry.msBeforeKill),
    duplicatesOutsideWindow: outsideWindow.length,
    lost: lost.length,
    sendSeconds: (sentAllAt - started) / 1000,
    drainSecondsAfterLastSend: (drainedAt - sentAllAt) / 1000,
  };
  console.log(`fault-kill figures: ${JSON.stringify(figures)}`);

  expect(lost).toEqual([]);
  expect(outsideWindow).toEqual([]);
  expect(slack.posts.length).toBe(DELIVERIES + insideWindow.length);
}, 180_000);

/**
 * Whether `post`, repeated later by `next`, fell in the documented window: accepted by a
 * process that was killed right after and that never recorded (logged) the post.
 */
function windowVerdict(params: {
  post: SlackPost;
  next: SlackPost;
  deliveryId: string;
}): { inside: true; msBeforeKill: number } | { inside: false; why: string } {
  const { post, next, deliveryId } = params;
  const answeredAt = post.answeredAt ?? post.at;
  const life = lives.find(
    (candidate) => candidate.startedAt <= post.at && post.at <= (candidate.exitedAt ?? Infinity),
  );
  if (!life || life.killedAt === null || life.exitedAt === null) {
    return {
      inside: false,
      why: "posted again although the process that posted it was never killed",
    };
  }
  const recorded = life.app.logs.some(
    (line) => line.deliveryId === deliveryId && line.msg === "posted to Slack",
  );
  if (recorded)
    return {
      inside: false,
      why: "the killed process had recorded the post, yet it was posted again",
    };
  if (next.at < life.exitedAt)
    return { inside: false, why: "posted again before the first poster died" };
  const msBeforeKill = life.killedAt - answeredAt;
  if (msBeforeKill > WINDOW_MS) {
    return {
      inside: false,
      why: `Slack answered ${msBeforeKill} ms before the kill: time enough to record it`,
    };
  }
  return { inside: true, msBeforeKill };
}
