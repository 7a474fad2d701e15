/**
 * Slack app mode through the built app: a bot channel posting through a loopback Slack Web API
 * that answers as Slack documents it. A pull request's life is one thread under a parent that
 * shows its state; two pull requests are two threads; a restart keeps threading; a parent
 * deleted in Slack starts a new one; mapped people are mentioned and get one DM; a hostile title
 * pings nobody; the bot token never reaches a log line.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startApp, type AppProcess } from "../helpers/app-process.js";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.js";
import { startFakeSlackApi, type FakeSlackApi } from "../helpers/fake-slack-api.js";
import { exampleOf } from "../helpers/examples.js";
import { sendDelivery } from "../helpers/webhook.js";
import { tempDir } from "../helpers/temp-dir.js";
import { deliverSettled } from "../helpers/settled-delivery.js";
import { writeTestAppKey } from "../helpers/app-key.js";
import { readRows } from "../helpers/sqlite-rows.js";
import { cli } from "../helpers/cli.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const TOKEN = "xoxb-e2e-0000000000-secret-bot-token";
const CHANNEL_ID = "C0E2EBOT1";
const REVIEWER = { login: "hubot-reviewer", slack: "U0REVIEW1" };
const AUTHOR_SLACK = "U0AUTHOR1";

const CONFIG = `routes:
  - on: ["pull_request.*", "pull_request_review.*", "issues.*"]
    channel: default
`;

const dir = tempDir("notifier-e2e-bot-");
let github: FakeGitHub;
let slack: FakeSlackApi;
let keyPath: string;
let peoplePath: string;
let dbCount = 0;
const running: AppProcess[] = [];

beforeAll(async () => {
  [github, slack] = await Promise.all([
    startFakeGitHub(),
    startFakeSlackApi({ token: TOKEN, users: [REVIEWER.slack, AUTHOR_SLACK] }),
  ]);
  keyPath = writeTestAppKey(dir);
  peoplePath = join(dir, "people.yml");
  // The example pull request's author is Codertocat.
  writeFileSync(
    peoplePath,
    `${REVIEWER.login}: { slack: ${REVIEWER.slack}, dm: [review_requested] }\nCodertocat: ${AUTHOR_SLACK}\n`,
  );
  github.setFile({ owner: OWNER, repo: REPO, path: ".github/notifier.yml", text: CONFIG });
});
afterAll(async () => {
  await Promise.all([github.close(), slack.close()]);
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.kill("SIGKILL");
});

function newDbPath(): string {
  dbCount += 1;
  return join(dir, `notifier-${dbCount}.db`);
}

async function launch(dbPath: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const app = await startApp({
    env: {
      APP_ID: "1",
      PRIVATE_KEY_PATH: keyPath,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      DATABASE_URL: dbPath,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_CHANNEL_ID: CHANNEL_ID,
      SLACK_API_URL: slack.url,
      SLACK_PEOPLE_FILE: peoplePath,
      SLACK_PACE: "0",
      BURST_SUMMARY_AFTER: "0",
      REDELIVERY_INTERVAL: "0",
      LOG_LEVEL: "debug",
      ...env,
    },
  });
  running.push(app);
  return app;
}

type Payload = Record<string, unknown> & {
  pull_request: { number: number; title: string; [key: string]: unknown };
};

/** An example payload about pull request `number`, with its title. */
function aboutPullRequest(payload: unknown, number: number, title: string): Payload {
  const about = payload as Payload;
  about.pull_request.number = number;
  about.pull_request.title = title;
  about.pull_request.html_url = `https://github.com/${OWNER}/${REPO}/pull/${number}`;
  return about;
}

function opened(number: number, title: string): Payload {
  return aboutPullRequest(exampleOf("pull_request", "opened"), number, title);
}

function reviewRequested(number: number, title: string): Payload {
  const payload = aboutPullRequest(exampleOf("pull_request", "review_requested"), number, title);
  payload.requested_reviewer = {
    ...(payload.requested_reviewer as object),
    login: REVIEWER.login,
  };
  delete payload.requested_team;
  return payload;
}

function approved(number: number, title: string): Payload {
  const payload = aboutPullRequest(exampleOf("pull_request_review", "submitted"), number, title);
  (payload.review as { state: string }).state = "approved";
  payload.sender = { ...(payload.sender as object), login: REVIEWER.login };
  return payload;
}

function merged(number: number, title: string): Payload {
  const payload = aboutPullRequest(exampleOf("pull_request", "closed"), number, title);
  payload.pull_request.merged = true;
  payload.pull_request.state = "closed";
  return payload;
}

/** Sends one delivery and waits until the app has finished with it; its id. */
async function deliver(app: AppProcess, dbPath: string, event: string, payload: unknown) {
  return (await deliverSettled({ app, dbPath, event, payload })).id;
}

const topLevel = (channel: string) => slack.messages(channel).filter((m) => !m.thread_ts);
const repliesTo = (channel: string, ts: string) =>
  slack.messages(channel).filter((m) => m.thread_ts === ts);

describe("a bot channel threads each pull request under a live parent", () => {
  it("posts a pull request's life as one thread, mentions and DMs the reviewer once, and shows it merged", async () => {
    const dbPath = newDbPath();
    const app = await launch(dbPath);
    const title = `Thread life ${randomUUID().slice(0, 8)}`;
    const number = 101;

    await deliver(app, dbPath, "pull_request", opened(number, title));
    await deliver(app, dbPath, "pull_request", reviewRequested(number, title));
    const approvedId = await deliver(app, dbPath, "pull_request_review", approved(number, title));
    await deliver(app, dbPath, "pull_request", merged(number, title));

    const parents = topLevel(CHANNEL_ID).filter((m) => m.text.includes(title));
    expect(parents).toHaveLength(1);
    const parent = parents[0]!;
    const replies = repliesTo(CHANNEL_ID, parent.ts);
    expect(replies).toHaveLength(3);
    // The review request names the reviewer as a real mention; the review pings the author.
    expect(replies[0]!.text).toContain(`<@${REVIEWER.slack}>`);
    expect(replies[1]!.text).toContain(`<@${AUTHOR_SLACK}>`);
    // Only the merge is also shown in the channel (the default broadcast).
    expect(replies.map((reply) => Boolean(reply.reply_broadcast))).toEqual([false, false, true]);
    // The parent was edited after each later event and now shows the merge.
    expect(parent.updates).toBe(3);
    expect(JSON.stringify(parent.blocks)).toMatch(/Merged/);
    expect(JSON.stringify(parent.blocks)).toMatch(/[Aa]pproved/);

    // One DM to the reviewer, whose people entry asks for review requests.
    const dms = slack.calls.filter((call) => call.method === "conversations.open");
    expect(dms.map((call) => call.body.users)).toEqual([REVIEWER.slack]);
    const dmChannel = slack.dmChannelOf(REVIEWER.slack);
    expect(slack.messages(dmChannel)).toHaveLength(1);
    expect(slack.messages(dmChannel)[0]!.text).toContain(title);

    // `notifier deliveries`-style history: the reply and the parent are recorded.
    const history = readRows<{ detail: string }>(
      dbPath,
      `SELECT detail FROM attempts WHERE outcome = 'sent' ORDER BY id`,
    ).map((row) => row.detail);
    expect(history.some((detail) => /^thread parent /.test(detail))).toBe(true);
    expect(history.filter((detail) => /^thread reply under /.test(detail))).toHaveLength(3);
    expect(history.some((detail) => /^direct message to /.test(detail))).toBe(true);

    // `notifier deliveries show` tells what each bot post did.
    const shown = await cli(["deliveries", "show", approvedId], { env: { DATABASE_URL: dbPath } });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/sent\s+thread reply under \S+, parent updated/);

    // Metrics count the Web API calls by kind and result.
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/notifier_slack_api_calls_total\{call="reply",result="ok"\} 3/);
    expect(metrics).toMatch(/notifier_slack_api_calls_total\{call="update",result="ok"\} 3/);
    expect(metrics).toMatch(/notifier_slack_api_calls_total\{call="post",result="ok"\} 1/);
    expect(metrics).toMatch(/notifier_slack_api_calls_total\{call="dm",result="ok"\} 2/);
    expect(metrics).not.toContain(TOKEN);

    // The bot token is a secret: no log line and nothing on stderr carries it.
    expect(JSON.stringify(app.logs)).not.toContain(TOKEN);
    expect(app.stderr()).not.toContain(TOKEN);
  }, 60_000);

  it("keeps two pull requests in two threads, and keeps threading after a restart", async () => {
    const dbPath = newDbPath();
    let app = await launch(dbPath);
    const first = `First ${randomUUID().slice(0, 8)}`;
    const second = `Second ${randomUUID().slice(0, 8)}`;
    await deliver(app, dbPath, "pull_request", opened(201, first));
    await deliver(app, dbPath, "pull_request", opened(202, second));
    await deliver(app, dbPath, "pull_request", reviewRequested(201, first));

    const firstParent = topLevel(CHANNEL_ID).filter((m) => m.text.includes(first));
    const secondParent = topLevel(CHANNEL_ID).filter((m) => m.text.includes(second));
    expect(firstParent).toHaveLength(1);
    expect(secondParent).toHaveLength(1);
    expect(repliesTo(CHANNEL_ID, firstParent[0]!.ts)).toHaveLength(1);
    expect(repliesTo(CHANNEL_ID, secondParent[0]!.ts)).toHaveLength(0);

    // The parent is in the store, not in the process: a new process replies under it.
    await app.kill("SIGTERM");
    app = await launch(dbPath);
    await deliver(app, dbPath, "pull_request", merged(202, second));
    expect(topLevel(CHANNEL_ID).filter((m) => m.text.includes(second))).toHaveLength(1);
    expect(repliesTo(CHANNEL_ID, secondParent[0]!.ts)).toHaveLength(1);
  }, 60_000);

  it("starts a new parent when Slack no longer has the old one", async () => {
    const dbPath = newDbPath();
    const app = await launch(dbPath);
    const title = `Deleted parent ${randomUUID().slice(0, 8)}`;
    await deliver(app, dbPath, "pull_request", opened(301, title));
    const [oldParent] = topLevel(CHANNEL_ID).filter((m) => m.text.includes(title));
    slack.deleteMessage(CHANNEL_ID, oldParent!.ts);

    await deliver(app, dbPath, "pull_request", merged(301, title));
    const parents = topLevel(CHANNEL_ID).filter((m) => m.text.includes(title));
    expect(parents).toHaveLength(1);
    expect(parents[0]!.ts).not.toBe(oldParent!.ts);
    expect(JSON.stringify(parents[0]!.blocks)).toMatch(/Merged/);
    expect(
      slack.calls.some((call) => call.method === "chat.update" && call.body.ts === oldParent!.ts),
    ).toBe(true);
  }, 60_000);

  it("spaces every Web API call to a channel by SLACK_PACE, a parent's updates included", async () => {
    const paceMs = 300;
    const dbPath = newDbPath();
    const app = await launch(dbPath, { SLACK_PACE: `${paceMs}ms` });
    const title = `Paced ${randomUUID().slice(0, 8)}`;
    const since = slack.calls.length;
    await deliver(app, dbPath, "pull_request", opened(601, title));
    // Sent at once: the queue backs up and the drain paces what it posts.
    for (const payload of [reviewRequested(601, title), approved(601, title), merged(601, title)]) {
      const id = randomUUID();
      const event = "review" in payload ? "pull_request_review" : "pull_request";
      expect((await sendDelivery({ baseUrl: app.baseUrl, event, payload, id })).status).toBe(200);
    }
    await vi.waitFor(
      () => {
        const [row] = readRows<{ n: number }>(
          dbPath,
          `SELECT count(*) AS n FROM notifications WHERE channel = 'default' AND status = 'sent'`,
        );
        expect(row?.n).toBe(4);
      },
      { timeout: 20_000, interval: 50 },
    );
    const calls = slack.calls.slice(since).filter((call) => call.body.channel === CHANNEL_ID);
    const toChannel = calls.map((call) => call.at);
    // The parent, then a reply for each later event, after an edit of the parent for each one
    // received after the last the parent showed (routing may queue the three in any order).
    expect(toChannel.length).toBeGreaterThanOrEqual(5);
    expect(calls.some((call) => call.method === "chat.update")).toBe(true);
    const gaps = toChannel.slice(1).map((at, index) => at - toChannel[index]!);
    // Timers may fire a little early against this process's clock.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(paceMs - 25);
  }, 60_000);

  it("never turns text from GitHub into a mention", async () => {
    const dbPath = newDbPath();
    const app = await launch(dbPath);
    const hostile = `Ping <@U0HOSTILE> <!channel> <!here|here> ${randomUUID().slice(0, 8)}`;
    await deliver(app, dbPath, "pull_request", opened(401, hostile));
    const posted = slack.calls.filter((call) => call.method === "chat.postMessage");
    const all = JSON.stringify(posted.map((call) => call.body));
    expect(all).toContain("U0HOSTILE");
    expect(all).not.toContain("<@U0HOSTILE>");
    expect(all).not.toContain("<!channel>");
    expect(all).not.toContain("<!here");
  }, 60_000);

  it("ends a post to a channel the bot is not in as dead, saying to invite the bot", async () => {
    const dbPath = newDbPath();
    const outsider = "C0NOTIN01";
    slack.notInChannel(outsider);
    const app = await startApp({
      env: {
        DATABASE_URL: dbPath,
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_CHANNEL_ID: outsider,
        SLACK_API_URL: slack.url,
        SLACK_PACE: "0",
        BURST_SUMMARY_AFTER: "0",
        REDELIVERY_INTERVAL: "0",
      },
    });
    running.push(app);
    // No App: the default routes send new pull requests to `default`.
    const id = await deliver(app, dbPath, "pull_request", opened(501, "Nobody invited me"));
    const [row] = readRows<{ status: string; error: string }>(
      dbPath,
      `SELECT status, error FROM notifications WHERE delivery_id = ?`,
      id,
    );
    expect(row?.status).toBe("dead");
    expect(row?.error).toMatch(/not_in_channel/);
    expect(row?.error).toMatch(/invite/i);
  }, 60_000);
});
