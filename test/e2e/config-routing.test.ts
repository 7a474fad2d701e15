/**
 * The built app with a GitHub App identity, reading each repository's `.github/notifier.yml`
 * from a loopback GitHub API (as GitHub Enterprise) and routing to two Slack channels: the
 * config is fetched once for a thousand deliveries, and again after a push changes it.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { PushEvent } from "@octokit/webhooks-types";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startApp, type AppProcess } from "../helpers/app-process.js";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.js";
import { startFakeSlack, type FakeSlack, type SlackPost } from "../helpers/fake-slack.js";
import { exampleOf, examplesFor } from "../helpers/examples.js";
import { sendDelivery } from "../helpers/webhook.js";
import { tempDir } from "../helpers/temp-dir.js";
import { writeTestAppKey } from "../helpers/app-key.js";
import { readRows } from "../helpers/sqlite-rows.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const CONFIG_PATH = ".github/notifier.yml";
const CONTENTS = "GET /repos/{owner}/{repo}/contents/{path}";
const TOKENS = "POST /app/installations/{installation_id}/access_tokens";
const TRIAGE_PATH = "/services/T0001/B0001/triage";
const ENG_PATH = "/services/T0001/B0002/eng";

const ROUTES_BY_KIND = `# Hello-World routing
routes:
  - on: [issues.opened]
    channel: triage
  - on: ["pull_request.*"]
    channel: eng
`;

const dir = tempDir("notifier-e2e-config-");
let github: FakeGitHub;
let slack: FakeSlack;
let keyPath: string;
let dbCount = 0;
const running: AppProcess[] = [];

beforeAll(async () => {
  [github, slack] = await Promise.all([startFakeGitHub(), startFakeSlack()]);
  keyPath = writeTestAppKey(dir);
});
afterAll(async () => {
  await Promise.all([github.close(), slack.close()]);
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.kill("SIGKILL");
  slack.reset();
});

async function launch(): Promise<{ app: AppProcess; dbPath: string }> {
  dbCount += 1;
  const dbPath = join(dir, `notifier-${dbCount}.db`);
  const app = await startApp({
    env: {
      APP_ID: "1",
      PRIVATE_KEY_PATH: keyPath,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      DATABASE_URL: dbPath,
      SLACK_WEBHOOK_URL_TRIAGE: `${slack.url}${TRIAGE_PATH}`,
      SLACK_WEBHOOK_URL_ENG: `${slack.url}${ENG_PATH}`,
      SLACK_PACE: "0",
      // One post per delivery: no merging of a backed-up queue into a summary.
      BURST_SUMMARY_AFTER: "0",
      // The delivery-log scan would call GitHub at start-up; this test counts calls.
      REDELIVERY_INTERVAL: "0",
      LOG_LEVEL: "info",
    },
  });
  running.push(app);
  return { app, dbPath };
}

/** A marker in the title, so each Slack post names the delivery it came from. */
function titled<T extends { issue: { title: string } } | { pull_request: { title: string } }>(
  payload: T,
  marker: string,
): T {
  if ("issue" in payload) payload.issue.title = `${payload.issue.title} ${marker}`;
  else payload.pull_request.title = `${payload.pull_request.title} ${marker}`;
  return payload;
}

function markerOf(post: SlackPost): string | null {
  return /\bdelivery-\d{4}\b/.exec(post.body.text ?? "")?.[0] ?? null;
}

/** Runs `task` over `items`, `concurrency` at a time. */
async function pool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, runner));
}

describe("routing by repository config read from GitHub", () => {
  it("routes 1,000 deliveries by the repository's config, fetching it at most twice", async () => {
    github.setFile({ owner: OWNER, repo: REPO, path: CONFIG_PATH, text: ROUTES_BY_KIND });
    const contentsBefore = github.count(CONTENTS);
    const tokensBefore = github.count(TOKENS);
    const { app, dbPath } = await launch();

    const deliveries = Array.from(
      { length: 1_000 },
      (_, index): { marker: string; event: string; payload: unknown; path: string } => {
        const marker = `delivery-${String(index).padStart(4, "0")}`;
        return index % 2 === 0
          ? {
              marker,
              event: "issues",
              payload: titled(exampleOf("issues", "opened"), marker),
              path: TRIAGE_PATH,
            }
          : {
              marker,
              event: "pull_request",
              payload: titled(exampleOf("pull_request", "opened"), marker),
              path: ENG_PATH,
            };
      },
    );
    const statuses: number[] = [];
    await pool(deliveries, 20, async (delivery) => {
      const sent = await sendDelivery({
        baseUrl: app.baseUrl,
        event: delivery.event,
        payload: delivery.payload,
        id: randomUUID(),
      });
      statuses.push(sent.status);
    });
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    await slack.waitForAccepted(1_000, 40_000);
    // Once every notification is recorded as sent, no further post can come.
    await vi.waitFor(
      () => {
        expect(
          readRows(dbPath, `SELECT status, count(*) AS n FROM notifications GROUP BY status`),
        ).toEqual([{ status: "sent", n: 1_000 }]);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(
      readRows(dbPath, `SELECT status, count(*) AS n FROM deliveries GROUP BY status`),
    ).toEqual([{ status: "delivered", n: 1_000 }]);

    expect(slack.posts).toHaveLength(1_000);
    const expectedPath = new Map(deliveries.map((delivery) => [delivery.marker, delivery.path]));
    const postsByMarker = new Map<string, string[]>();
    for (const post of slack.posts) {
      const marker = markerOf(post);
      expect(marker, `a post without a delivery marker: ${post.body.text}`).not.toBeNull();
      postsByMarker.set(marker as string, [
        ...(postsByMarker.get(marker as string) ?? []),
        post.path,
      ]);
    }
    expect(postsByMarker.size).toBe(1_000);
    const misrouted = [...postsByMarker].filter(
      ([marker, paths]) => paths.length !== 1 || paths[0] !== expectedPath.get(marker),
    );
    expect(misrouted).toEqual([]);
    expect(slack.posts.filter((post) => post.path === TRIAGE_PATH)).toHaveLength(500);

    const contents = github.count(CONTENTS) - contentsBefore;
    const tokens = github.count(TOKENS) - tokensBefore;
    console.info(
      `1,000 deliveries: ${contents} contents request(s), ${tokens} token request(s); all GitHub requests: ${JSON.stringify(github.counts())}`,
    );
    expect(contents).toBeGreaterThanOrEqual(1);
    expect(contents).toBeLessThanOrEqual(2);
    expect(tokens).toBeGreaterThanOrEqual(1);
    expect(tokens).toBeLessThanOrEqual(5);
    // The config was read with an installation token the fake handed out, not the App's JWT.
    const contentRequests = github.requests
      .filter((request) => request.route === CONTENTS)
      .slice(contentsBefore);
    expect(
      contentRequests.every((request) =>
        github.tokens.some((token) => request.authorization === `token ${token}`),
      ),
    ).toBe(true);
  }, 60_000);

  it("reads the config again after a push to the default branch changes it", async () => {
    github.setFile({ owner: OWNER, repo: REPO, path: CONFIG_PATH, text: ROUTES_BY_KIND });
    const { app, dbPath } = await launch();
    const contentsBefore = github.count(CONTENTS);

    await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload: titled(exampleOf("issues", "opened"), "delivery-0001"),
    });
    const [first] = await slack.waitForAccepted(1);
    expect(first?.path).toBe(TRIAGE_PATH);
    expect(github.count(CONTENTS) - contentsBefore).toBe(1);

    // The push changes the file: new issues now go to eng.
    github.setFile({
      owner: OWNER,
      repo: REPO,
      path: CONFIG_PATH,
      text: "routes:\n  - on: [issues.opened, pull_request.opened]\n    channel: eng\n",
    });
    // Typed as `PushEvent` directly: the inferred example type is too large for the compiler.
    const pushes = (examplesFor as unknown as (event: "push") => PushEvent[])("push");
    const push = pushes.find(
      (payload) => payload.ref === `refs/heads/${payload.repository.default_branch}`,
    );
    if (push === undefined)
      throw new Error("@octokit/webhooks-examples has no push to a default branch");
    for (const commit of [...push.commits, ...(push.head_commit ? [push.head_commit] : [])]) {
      commit.added = [];
      commit.modified = [CONFIG_PATH];
    }
    const pushed = await sendDelivery({ baseUrl: app.baseUrl, event: "push", payload: push });
    await vi.waitFor(
      () =>
        expect(readRows(dbPath, `SELECT status FROM deliveries WHERE id = '${pushed.id}'`)).toEqual(
          [{ status: "skipped" }],
        ),
      { timeout: 10_000, interval: 50 },
    );
    // Routing the push drops the cached file, and (a push to the default branch being an
    // event of its own, `push.default_branch`) reads the new one to route it: no route takes it.
    expect(github.count(CONTENTS) - contentsBefore).toBe(2);

    await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload: titled(exampleOf("issues", "opened"), "delivery-0002"),
    });
    const posts = await slack.waitForAccepted(2);
    expect(github.count(CONTENTS) - contentsBefore).toBe(2);
    expect(posts.map((post) => [markerOf(post), post.path])).toEqual([
      ["delivery-0001", TRIAGE_PATH],
      ["delivery-0002", ENG_PATH],
    ]);
  });
});
