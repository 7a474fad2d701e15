/**
 * `REDIS_URL`: the built app shares its GitHub API throttling through Redis (Probot hands
 * Bottleneck an ioredis connection). The app still reads config from the fake GitHub and posts
 * to Slack, and Bottleneck's keys appear in the test's Redis database. Without a reachable
 * Redis those tests are skipped and say so, except under CI, where that is a failure. With
 * `REDIS_URL` where nothing listens, the app starts and keeps every delivery but posts none.
 */
import { connect } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  runAppExpectingExit,
  startApp,
  type AppProcess,
  type LogLine,
} from "../helpers/app-process.js";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.js";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.js";
import { distinctExample } from "../helpers/examples.js";
import { sendDelivery } from "../helpers/webhook.js";
import { tempDir } from "../helpers/temp-dir.js";
import { writeTestAppKey } from "../helpers/app-key.js";
import { readRows } from "../helpers/sqlite-rows.js";

/** A database of its own (not 0), flushed before and after, so nothing else's keys are touched. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/7";
const HOW_TO_RUN =
  "Run them against a Redis at 127.0.0.1:6379 or set TEST_REDIS_URL (use a database other than 0).";
const OWNER = "Codertocat";
const REPO = "Hello-World";
const CONTENTS = "GET /repos/{owner}/{repo}/contents/{path}";
const TOKENS = "POST /app/installations/{installation_id}/access_tokens";
const SLACK_PATH = "/services/T0001/B0001/default";
const LIST = "GET /app/hook/deliveries";
/** Octokit keys an installation's limiters by its id; an odd one shows the keys are ours. */
const INSTALLATION_ID = 31337;

async function redisProblem(): Promise<string | null> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis reports the cause (ECONNREFUSED, ...) as an event and rejects with "Connection is closed".
  let cause: Error | null = null;
  client.on("error", (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return (cause ?? (error as Error)).message;
  } finally {
    client.disconnect();
  }
}

const problem = await redisProblem();
if (problem !== null) {
  const why = `${REDIS_URL} is unreachable (${problem}). ${HOW_TO_RUN}`;
  if (process.env.CI) throw new Error(`Redis throttling e2e tests cannot run under CI: ${why}`);
  console.warn(`\nSKIPPED: Redis throttling e2e tests, ${why}\n`);
}

const dir = tempDir("notifier-e2e-redis-");
let github: FakeGitHub;
let slack: FakeSlack;
let redis: Redis;
let keyPath: string;
let dbCount = 0;
const running: AppProcess[] = [];

beforeAll(async () => {
  [github, slack] = await Promise.all([startFakeGitHub(), startFakeSlack()]);
  github.setFile({
    owner: OWNER,
    repo: REPO,
    path: ".github/notifier.yml",
    text: "channel: default\n",
  });
  keyPath = writeTestAppKey(dir);
  if (problem === null) {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    await redis.flushdb();
  }
});
afterAll(async () => {
  if (problem === null) {
    await redis.flushdb();
    redis.disconnect();
  }
  await Promise.all([github.close(), slack.close()]);
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.kill("SIGKILL");
  slack.reset();
});

async function launch(redisUrl: string): Promise<{ app: AppProcess; dbPath: string }> {
  dbCount += 1;
  const dbPath = join(dir, `notifier-${dbCount}.db`);
  const app = await startApp({
    env: {
      APP_ID: "1",
      PRIVATE_KEY_PATH: keyPath,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      REDIS_URL: redisUrl,
      DATABASE_URL: dbPath,
      SLACK_WEBHOOK_URL: `${slack.url}${SLACK_PATH}`,
      SLACK_PACE: "0",
      // One scan of the delivery log at start: a request with the App's own JWT.
      REDELIVERY_INTERVAL: "10m",
      LOG_LEVEL: "info",
    },
  });
  running.push(app);
  return { app, dbPath };
}

/** Three deliveries the default routes announce, each needing the repository's config. */
async function sendThree(baseUrl: string): Promise<number[]> {
  // GitHub never sends the same body twice under two ids: the app would take it for a replay.
  const payloads = [
    { event: "issues", payload: distinctExample("issues", "opened") },
    { event: "star", payload: distinctExample("star", "created") },
    { event: "issues", payload: distinctExample("issues", "opened") },
  ];
  const statuses: number[] = [];
  for (const { event, payload } of payloads) {
    payload.installation.id = INSTALLATION_ID;
    statuses.push((await sendDelivery({ baseUrl, event, payload })).status);
  }
  return statuses;
}

/**
 * A port nothing listens on. Port 1 rather than a freed ephemeral one: the app, started with
 * `PORT=0`, may well be handed a port just freed, and Redis would then be talking to the app.
 */
async function refusedPort(): Promise<number> {
  const port = 1;
  const outcome = await new Promise<string>((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
  expect(outcome, `something listens on 127.0.0.1:${port}`).toBe("ECONNREFUSED");
  return port;
}

describe.skipIf(problem !== null)("GitHub API throttling shared through Redis", () => {
  it("reads config from GitHub through Bottleneck's Redis limiter and posts to Slack", async () => {
    expect(await redis.dbsize()).toBe(0);
    const contentsBefore = github.count(CONTENTS);
    const tokensBefore = github.count(TOKENS);
    const { app } = await launch(REDIS_URL);

    expect(await sendThree(app.baseUrl)).toEqual([200, 200, 200]);
    const posts = await slack.waitForAccepted(3, 15_000);
    expect(posts.map((post) => post.path)).toEqual([SLACK_PATH, SLACK_PATH, SLACK_PATH]);
    expect(github.count(CONTENTS) - contentsBefore).toBeGreaterThanOrEqual(1);
    expect(github.count(TOKENS) - tokensBefore).toBeGreaterThanOrEqual(1);

    await vi.waitFor(() => expect(github.count(LIST)).toBeGreaterThanOrEqual(1), {
      timeout: 10_000,
    });

    const keys = (await redis.keys("b_*")).sort();
    // Octokit's throttling groups as Bottleneck limiters in Redis: installation tokens
    // (`auth`) and the installation's reads (`global`) keyed by its id, and the App's own
    // JWT requests (the delivery-log scan) keyed `no-id`.
    expect(keys).toEqual(
      expect.arrayContaining([
        `b_octokit-auth-${INSTALLATION_ID}_settings`,
        `b_octokit-global-${INSTALLATION_ID}_settings`,
        "b_octokit-global-no-id_settings",
      ]),
    );
    expect(keys.filter((key) => !key.startsWith("b_octokit-"))).toEqual([]);
    expect(await redis.hget(`b_octokit-global-${INSTALLATION_ID}_settings`, "maxConcurrent")).toBe(
      "10",
    );
    expect(
      Number(await redis.hget(`b_octokit-global-${INSTALLATION_ID}_settings`, "done")),
    ).toBeGreaterThanOrEqual(1);
    // Bottleneck lets an idle limiter's keys expire, so no state outlives the apps.
    const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
    expect(ttls.filter((ttl) => ttl <= 0)).toEqual([]);
    expect(app.logs.filter((line) => bottleneckError(line) !== null)).toEqual([]);
    console.info(
      `REDIS_URL ${REDIS_URL}: ${keys.length} Bottleneck keys (${keys.join(", ")}); GitHub requests: ${JSON.stringify(github.counts())}`,
    );
  }, 30_000);
});

describe("REDIS_URL where no Redis listens", () => {
  // Every GitHub request would wait in Bottleneck for Redis, stalling routing without a word
  // about REDIS_URL: the app refuses to start instead, naming the variable.
  it("refuses to start, naming REDIS_URL and the address", async () => {
    const port = await refusedPort();
    const result = await runAppExpectingExit({
      env: {
        DATABASE_URL: join(dir, "refused-redis.db"),
        REDIS_URL: `redis://127.0.0.1:${port}/7`,
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `REDIS_URL: Redis at 127.0.0.1:${port} does not answer (connect ECONNREFUSED`,
    );
  });
});

/** The error code (or message) of a Redis connection error Probot logged for Bottleneck; null for other lines. */
function bottleneckError(line: LogLine): string | null {
  const err = line.err as { source?: unknown; code?: unknown; message?: unknown } | undefined;
  if (err?.source !== "bottleneck") return null;
  return typeof err.code === "string" ? err.code : String(err.message);
}
