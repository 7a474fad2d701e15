/**
 * Fault injection on the Slack side: Slack rate-limits the first 20 posts (429, Retry-After: 1)
 * and then fails with 500 for a minute of wall time. Nothing may be lost or doubled, and no
 * post may come sooner than Slack or the pace allows.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { join } from "node:path";
import { startApp, type AppProcess } from "../helpers/app-process.js";
import { startFakeSlack, type FakeSlack, type SlackPost } from "../helpers/fake-slack.js";
import {
  createRandom,
  faultSeed,
  postsByDelivery,
  runPool,
  taggedDeliveries,
  trySend,
} from "../helpers/fault-deliveries.js";
import { deliveryStatusCounts } from "../helpers/sqlite-rows.js";
import { holdWriteLockNowAndThen } from "../helpers/lock-holder.js";
import { tempDir } from "../helpers/temp-dir.js";

const SEED = faultSeed();
const DELIVERIES = 12;
const RATE_LIMITED_POSTS = 20;
const RETRY_AFTER_S = 1;
/** The outage of the scenario is a minute of wall time; FAULT_SLACK_OUTAGE_MS shortens it while working on the test. */
const OUTAGE_MS = Number(process.env.FAULT_SLACK_OUTAGE_MS ?? 60_000);
/** Shorter than the 1 s default so the 429 phase takes seconds, not half a minute; still a real pace. */
const SLACK_PACE_MS = 200;
/** Timers and the two processes' clocks (one machine) may disagree by this much. */
const CLOCK_SLACK_MS = 5;
const WEBHOOK_PATH = "/services/T1/B1/default";

const dir = tempDir("notifier-fault-slack-");
let slack: FakeSlack;
const apps: AppProcess[] = [];

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  for (const app of apps) await app.kill("SIGKILL");
  await slack.close();
});

it(
  "loses nothing and never posts early through 20 rate limits and a minute of 500s",
  async () => {
    console.log(`fault-slack: seed ${SEED}, outage ${OUTAGE_MS} ms, SLACK_PACE ${SLACK_PACE_MS}ms`);
    const deliveries = taggedDeliveries({ count: DELIVERIES, random: createRandom(SEED) });
    let outageStartedAt: number | null = null;
    slack.answer = (post, index) => {
      if (index < RATE_LIMITED_POSTS) return { status: 429, retryAfter: RETRY_AFTER_S };
      outageStartedAt ??= post.at;
      return post.at - outageStartedAt < OUTAGE_MS ? { status: 500 } : { status: 200 };
    };
    const dbPath = join(dir, "notifier.db");
    const { baseUrl } = await launch({ dbPath, slackPace: `${SLACK_PACE_MS}ms` });

    const started = Date.now();
    const outcomes = await Promise.all(
      deliveries.map((delivery) => trySend({ baseUrl, delivery })),
    );
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(deliveries.map(() => "acknowledged"));

    // After a minute of 500s the retry schedule (1s, 5s, 30s, 2m, each ±20%) may wait up to ~2.4 min more.
    await slack.waitForAccepted(DELIVERIES, OUTAGE_MS + 230_000);
    const drainedAt = Date.now();
    await vi.waitFor(
      () => expect(deliveryStatusCounts(dbPath)).toEqual({ delivered: DELIVERIES }),
      {
        timeout: 10_000,
        interval: 250,
      },
    );

    const posts = [...slack.posts].sort((a, b) => a.at - b.at);
    const byStatus = (status: number) => posts.filter((post) => post.status === status).length;
    const earlyAfter429 = postsTooSoonAfterRateLimit(posts);
    const gaps = posts.slice(1).map((post, i) => post.at - (posts[i] as SlackPost).at);
    const tooClose = gaps.filter((gap) => gap < SLACK_PACE_MS - CLOCK_SLACK_MS);
    console.log(
      `fault-slack figures: ${JSON.stringify({
        seed: SEED,
        deliveries: DELIVERIES,
        slackPaceMs: SLACK_PACE_MS,
        outageMs: OUTAGE_MS,
        posts: posts.length,
        rateLimited429: byStatus(429),
        failed500: byStatus(500),
        accepted200: byStatus(200),
        smallestGapMs: Math.min(...gaps),
        smallestGapAfter429Ms: Math.min(
          ...posts.flatMap((post, i) => gapAfter429(post, posts[i + 1])),
        ),
        secondsToDrain: (drainedAt - started) / 1000,
        secondsToDrainAfterOutage:
          outageStartedAt === null ? null : (drainedAt - outageStartedAt - OUTAGE_MS) / 1000,
      })}`,
    );

    expect(byStatus(429)).toBe(RATE_LIMITED_POSTS);
    expect(byStatus(500)).toBeGreaterThan(0);
    expect(posts.every((post) => post.path === WEBHOOK_PATH)).toBe(true);
    const accepted = postsByDelivery(slack.accepted());
    expect(deliveries.map((delivery) => accepted.get(delivery.index)?.length ?? 0)).toEqual(
      deliveries.map(() => 1),
    );
    expect(earlyAfter429).toEqual([]);
    expect(tooClose).toEqual([]);
  },
  OUTAGE_MS + 260_000,
);

describe("Retry-After", () => {
  // Each case: the first post is rate-limited, every later one accepted; no post may arrive
  // within Retry-After of the 429's answer, whatever else is waiting for the webhook.
  // Every post takes its webhook's turn, also with SLACK_PACE=0, and a 429 ends that turn
  // Retry-After from Slack's answer, not from when the post was sent.
  it.each([
    { name: "with SLACK_PACE=0 and other messages waiting", slackPace: "0", delayMs: 0 },
    {
      name: "when Slack answers the 429 slowly (600 ms)",
      slackPace: `${SLACK_PACE_MS}ms`,
      delayMs: 600,
    },
  ])(
    "holds every post back for Retry-After $name",
    async ({ slackPace, delayMs }) => {
      slack.reset();
      const deliveries = taggedDeliveries({ count: 5, random: createRandom(SEED + delayMs + 1) });
      slack.answer = (_post, index) =>
        index === 0 ? { status: 429, retryAfter: RETRY_AFTER_S, delayMs } : { status: 200 };
      const { baseUrl } = await launch({
        dbPath: join(dir, `retry-after-${delayMs}.db`),
        slackPace,
      });
      for (const delivery of deliveries)
        expect((await trySend({ baseUrl, delivery })).kind).toBe("acknowledged");
      await slack.waitForAccepted(deliveries.length, 20_000);

      const posts = [...slack.posts].sort((a, b) => a.at - b.at);
      const early = postsTooSoonAfterRateLimit(posts);
      console.log(
        `fault-slack Retry-After (SLACK_PACE=${slackPace}, 429 answered after ${delayMs} ms): ` +
          `next post ${posts[1] ? posts[1].at - (posts[0]?.answeredAt ?? 0) : "?"} ms after the 429's answer`,
      );
      expect(early).toEqual([]);
      const accepted = postsByDelivery(slack.accepted());
      expect(deliveries.map((delivery) => accepted.get(delivery.index)?.length ?? 0)).toEqual(
        deliveries.map(() => 1),
      );
    },
    30_000,
  );
});

describe("SLACK_PACE", () => {
  // A second instance sharing the SQLite file holds its write lock now and then, so the app's
  // claim between a reserved slot and its post takes a varying time. The pace is what Slack
  // sees: the gap between two posts arriving, not between two reserved slots.
  // A post holds its webhook's turn from before its claim until Slack answers, and the next
  // turn counts from that answer, so a slow claim cannot bring two posts closer.
  it("spaces posts by SLACK_PACE as Slack sees them, also when the store stalls at times", async () => {
    slack.reset();
    const deliveries = taggedDeliveries({ count: 25, random: createRandom(SEED + 3) });
    const dbPath = join(dir, "pace.db");
    const app = await launch({ dbPath, slackPace: `${SLACK_PACE_MS}ms` });
    const holder = await holdWriteLockNowAndThen({ dbPath, holdMs: 90, everyMs: 250 });
    try {
      for (const delivery of deliveries)
        expect((await trySend({ baseUrl: app.baseUrl, delivery })).kind).toBe("acknowledged");
      await slack.waitForAccepted(deliveries.length, 30_000);
    } finally {
      await holder.stop();
    }
    const posts = [...slack.posts].sort((a, b) => a.at - b.at);
    const gaps = posts.slice(1).map((post, i) => post.at - (posts[i] as SlackPost).at);
    console.log(
      `fault-slack pace under store stalls: gaps ${gaps.join(", ")} ms (SLACK_PACE ${SLACK_PACE_MS}ms)`,
    );
    expect(gaps.filter((gap) => gap < SLACK_PACE_MS - CLOCK_SLACK_MS)).toEqual([]);
  }, 45_000);
});

async function launch(params: { dbPath: string; slackPace: string }): Promise<AppProcess> {
  const app = await startApp({
    env: {
      DATABASE_URL: params.dbPath,
      SLACK_WEBHOOK_URL: `${slack.url}${WEBHOOK_PATH}`,
      SLACK_PACE: params.slackPace,
      BURST_SUMMARY_AFTER: "0",
      LOG_LEVEL: "info",
    },
  });
  apps.push(app);
  return app;
}

/** Posts that arrived less than Retry-After after a 429 was answered (every post goes to one webhook). */
function postsTooSoonAfterRateLimit(posts: SlackPost[]): { after429At: number; postAt: number }[] {
  const early: { after429At: number; postAt: number }[] = [];
  for (const limited of posts.filter((post) => post.status === 429)) {
    const answeredAt = limited.answeredAt ?? limited.at;
    for (const post of posts) {
      if (post.at > answeredAt && post.at < answeredAt + RETRY_AFTER_S * 1_000 - CLOCK_SLACK_MS) {
        early.push({ after429At: answeredAt, postAt: post.at });
      }
    }
  }
  return early;
}

function gapAfter429(post: SlackPost, next: SlackPost | undefined): number[] {
  return post.status === 429 && next ? [next.at - (post.answeredAt ?? post.at)] : [];
}
