/**
 * A person's own reminder through the built app (issue 15): a people-file entry with
 * `remind: "weekdays at 09:00"` and `timezone: Europe/Berlin` gets one direct message at 09:00
 * Berlin time listing the open, non-draft pull requests waiting for their review, across every
 * repository the app has seen activity from. The app learns the candidates only from real
 * `pull_request.review_requested` deliveries sent seconds before 09:00 (test clock, no real
 * waiting); GitHub's open list, read when the reminder runs, is the truth: a draft there is left
 * out, and one it no longer lists is left out and closed in the app's state. A second person
 * whose reminder falls at the same instant (08:00 UTC) but has nothing waiting gets no message.
 * Run `npx tsc -p tsconfig.build.json` first.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { User } from "@octokit/webhooks-types";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startApp, type AppProcess } from "../helpers/app-process.js";
import { startFakeGitHub, type FakeGitHub, type FakePull } from "../helpers/fake-github.js";
import { startFakeSlackApi, type FakeSlackApi } from "../helpers/fake-slack-api.js";
import { exampleOf } from "../helpers/examples.js";
import { deliverSettled } from "../helpers/settled-delivery.js";
import { writeTestAppKey } from "../helpers/app-key.js";
import { readRows } from "../helpers/sqlite-rows.js";
import { tempDir } from "../helpers/temp-dir.js";
import { holdsFor } from "../helpers/wait.js";

const OWNER = "Codertocat";
/** Two repositories of installation 1; the example payloads are about the first. */
const REPO_A = `${OWNER}/Hello-World`;
const REPO_B = `${OWNER}/Octo-Tools`;
const TOKEN = "xoxb-e2e-0000000000-personal-reminders";
const CHANNEL_ID = "C0E2EBOT1";
/** Reminded at 09:00 Berlin on weekdays. */
const REVIEWER = { login: "hubot-reviewer", slack: "U0REVIEW1" };
/** Reminded at 08:00 UTC on weekdays (the same instant in winter), with nothing waiting. */
const IDLE = { login: "mona-idle", slack: "U0IDLE001" };
/** Asked to review one pull request, and has no reminder. */
const BYSTANDER = "octo-bystander";

/** Monday 12 January 2026, 08:59:50 in Berlin (CET, UTC+1): ten seconds before the reminder. */
const CLOCK_START = "2026-01-12T07:59:50Z";
/** 09:00 Berlin. */
const DUE_AT = "2026-01-12T08:00:00.000Z";

/** Routes send nothing: every Slack call in this test is the reminder's. */
const CONFIG = "routes: []\n";

/**
 * The pull requests of the scenario: where they live, when they were opened and when the review
 * was requested (the payload's `updated_at`), and what GitHub lists at 09:00.
 */
const PULLS = {
  /** Waiting for the reviewer since Friday afternoon, open in GitHub: reminded, listed first. */
  inA: {
    repository: REPO_A,
    number: 101,
    title: "Fix the flaky login test",
    createdAt: "2026-01-08T10:00:00Z",
    requestedAt: "2026-01-09T15:00:00Z",
  },
  /** Opened a week ago, review requested this morning: reminded, waiting since the request. */
  inB: {
    repository: REPO_B,
    number: 202,
    title: "Speed up the octo tools",
    createdAt: "2026-01-05T10:00:00Z",
    requestedAt: "2026-01-12T06:30:00Z",
  },
  /** Requested from the reviewer, but a draft in GitHub's list now: left out. */
  draft: {
    repository: REPO_A,
    number: 103,
    title: "A draft again",
    createdAt: "2026-01-07T10:00:00Z",
    requestedAt: "2026-01-07T11:00:00Z",
  },
  /** Requested from the reviewer, but GitHub no longer lists it (merged unseen): left out. */
  gone: {
    repository: REPO_B,
    number: 204,
    title: "Merged while the webhook was lost",
    createdAt: "2026-01-06T10:00:00Z",
    requestedAt: "2026-01-06T11:00:00Z",
  },
  /** Open, but waiting for someone else: left out. */
  others: {
    repository: REPO_A,
    number: 105,
    title: "Somebody else's review",
    createdAt: "2026-01-06T10:00:00Z",
    requestedAt: "2026-01-06T11:00:00Z",
  },
} as const;

type Pull = (typeof PULLS)[keyof typeof PULLS];

const dir = tempDir("notifier-e2e-personal-reminders-");
let github: FakeGitHub;
let slack: FakeSlackApi;
let keyPath: string;
let peoplePath: string;
const running: AppProcess[] = [];

beforeAll(async () => {
  [github, slack] = await Promise.all([
    startFakeGitHub(),
    startFakeSlackApi({ token: TOKEN, users: [REVIEWER.slack, IDLE.slack] }),
  ]);
  keyPath = writeTestAppKey(dir);
  peoplePath = join(dir, "people.yml");
  writeFileSync(
    peoplePath,
    [
      `${REVIEWER.login}: { slack: ${REVIEWER.slack}, remind: "weekdays at 09:00", timezone: Europe/Berlin }`,
      `${IDLE.login}: { slack: ${IDLE.slack}, remind: "weekdays at 08:00", timezone: UTC }`,
      "",
    ].join("\n"),
  );
  github.setInstallations([{ id: 1, account: OWNER, accountType: "User" }]);
  github.setRepositories(1, [REPO_A, REPO_B]);
  for (const repository of [REPO_A, REPO_B]) {
    const [owner = "", repo = ""] = repository.split("/");
    github.setFile({ owner, repo, path: ".github/notifier.yml", text: CONFIG });
  }
  // What GitHub lists as open at 09:00: the draft is a draft now, and #204 is gone.
  github.setPulls(REPO_A, [
    listed(PULLS.inA, [REVIEWER.login]),
    { ...listed(PULLS.draft, [REVIEWER.login]), draft: true },
    listed(PULLS.others, [BYSTANDER]),
  ]);
  github.setPulls(REPO_B, [listed(PULLS.inB, [REVIEWER.login])]);
});
afterAll(async () => {
  await Promise.all([github.close(), slack.close()]);
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.kill("SIGKILL");
});

async function launch(dbPath: string): Promise<AppProcess> {
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
      NOTIFIER_TEST_CLOCK_START: CLOCK_START,
      LOG_LEVEL: "debug",
    },
  });
  running.push(app);
  return app;
}

/** `pull` as GitHub's open list shows it, asking `reviewers`. */
function listed(pull: Pull, reviewers: string[]): FakePull {
  return {
    number: pull.number,
    title: pull.title,
    createdAt: pull.createdAt,
    updatedAt: pull.requestedAt,
    requestedReviewers: reviewers,
  };
}

/** GitHub's review_requested example, about `pull` and asking `reviewer`. */
function reviewRequested(pull: Pull, reviewer: string): Record<string, unknown> {
  const payload = exampleOf("pull_request", "review_requested");
  const [owner = "", name = ""] = pull.repository.split("/");
  payload.installation = { ...payload.installation, id: 1 };
  payload.repository = {
    ...payload.repository,
    name,
    full_name: pull.repository,
    owner: { ...payload.repository.owner, login: owner },
    html_url: `https://github.com/${pull.repository}`,
  };
  payload.number = pull.number;
  // The example asks a user (not a team), as GitHub's typings allow either.
  const asked = payload as typeof payload & { requested_reviewer: User };
  const requested: User = { ...asked.requested_reviewer, login: reviewer };
  asked.requested_reviewer = requested;
  asked.pull_request = {
    ...asked.pull_request,
    number: pull.number,
    title: pull.title,
    html_url: `https://github.com/${pull.repository}/pull/${pull.number}`,
    created_at: pull.createdAt,
    updated_at: pull.requestedAt,
    requested_reviewers: [requested],
    requested_teams: [],
  };
  return asked;
}

const linkOf = (pull: Pull) => `https://github.com/${pull.repository}/pull/${pull.number}`;

const posts = () => slack.calls.filter((call) => call.method === "chat.postMessage");

describe("a person's own reminder", () => {
  it("sends one direct message at 09:00 in their zone with the open, non-draft pull requests waiting for them", async () => {
    const dbPath = join(dir, "personal.db");
    const app = await launch(dbPath);
    await app.waitForLog((line) => line.msg === "reminders known" && line.personReminders === 2);

    // Seconds before 09:00: the app learns who waits for whom from real deliveries.
    const sent: [Pull, string][] = [
      [PULLS.inA, REVIEWER.login],
      [PULLS.inB, REVIEWER.login],
      [PULLS.draft, REVIEWER.login],
      [PULLS.gone, REVIEWER.login],
      [PULLS.others, BYSTANDER],
    ];
    for (const [pull, reviewer] of sent) {
      const settled = await deliverSettled({
        app,
        dbPath,
        event: "pull_request",
        payload: reviewRequested(pull, reviewer),
      });
      expect(settled.status, settled.reason ?? "").toMatch(/^(delivered|skipped)$/);
    }
    const states = readRows<{ repository: string; number: number; is_open: number }>(
      dbPath,
      "SELECT repository, number, is_open FROM review_states ORDER BY number",
    );
    // The store keeps repository names in lower case (GitHub's are case-insensitive).
    expect(states.map((row) => `${row.repository}#${row.number}:${row.is_open}`)).toEqual(
      [PULLS.inA, PULLS.inB, PULLS.draft, PULLS.gone, PULLS.others]
        .sort((a, b) => a.number - b.number)
        .map((pull) => `${pull.repository.toLowerCase()}#${pull.number}:1`),
    );
    // Still before 09:00: no reminder has run and nothing was posted (routes send nothing).
    expect(
      readRows(dbPath, "SELECT id FROM deliveries WHERE event = 'notifier_reminder'"),
    ).toHaveLength(0);
    expect(slack.calls).toHaveLength(0);

    // 09:00 Berlin: one direct message to the reviewer.
    const dmChannel = slack.dmChannelOf(REVIEWER.slack);
    await vi.waitFor(() => expect(slack.messages(dmChannel)).toHaveLength(1), {
      timeout: 20_000,
      interval: 100,
    });
    const [dm] = slack.messages(dmChannel);
    const content = JSON.stringify({ text: dm!.text, blocks: dm!.blocks });
    for (const pull of [PULLS.inA, PULLS.inB]) {
      expect(content).toContain(linkOf(pull));
      expect(content).toContain(pull.title);
    }
    for (const pull of [PULLS.draft, PULLS.gone, PULLS.others]) {
      expect(content).not.toContain(linkOf(pull));
      expect(content).not.toContain(pull.title);
    }
    expect(dm!.text).toContain("2 pull requests waiting for your review");
    // Oldest wait first, counted from the last review request the app saw, not from opening:
    // #202 was opened a week ago but asked of the reviewer only this morning.
    expect(content.indexOf(linkOf(PULLS.inA))).toBeLessThan(content.indexOf(linkOf(PULLS.inB)));
    expect(content).toMatch(/#101 Fix the flaky login test> by Codertocat · waiting 2 days/);
    expect(content).toMatch(/#202 Speed up the octo tools> by Codertocat · waiting 1 hour/);

    // The direct message path: one conversation opened, with the reviewer only; nothing posted
    // anywhere but that conversation.
    const opened = slack.calls.filter((call) => call.method === "conversations.open");
    expect(opened.map((call) => call.body.users)).toEqual([REVIEWER.slack]);
    expect(posts().map((call) => call.body.channel)).toEqual([dmChannel]);

    // Both people's runs were due at 09:00 Berlin; the idle one's says why it sent nothing.
    const runs = await vi.waitFor(
      () => {
        const rows = readRows<{ status: string; reason: string | null; payload: string }>(
          dbPath,
          "SELECT status, reason, payload FROM deliveries WHERE event = 'notifier_reminder'",
        );
        expect(rows).toHaveLength(2);
        expect(rows.map((row) => row.status).sort()).toEqual(["delivered", "skipped"]);
        return rows;
      },
      { timeout: 10_000, interval: 100 },
    );
    for (const run of runs) expect(run.payload).toContain(DUE_AT);
    const idle = runs.find((run) => run.status === "skipped");
    expect(idle?.payload).toContain(IDLE.login);
    expect(idle?.reason).toContain(`nothing waits for ${IDLE.login}'s review`);
    const reviewerRun = runs.find((run) => run.status === "delivered");
    expect(reviewerRun?.payload).toContain(REVIEWER.login);

    // GitHub's list is the truth: the pull request it no longer lists is closed in the app's state.
    const [gone] = readRows<{ is_open: number }>(
      dbPath,
      "SELECT is_open FROM review_states WHERE repository = ? AND number = ?",
      PULLS.gone.repository.toLowerCase(),
      PULLS.gone.number,
    );
    expect(gone?.is_open).toBe(0);

    // A while later: still that one message, and none for the idle person.
    await holdsFor(
      () => {
        expect(posts()).toHaveLength(1);
        expect(slack.calls.filter((call) => call.method === "conversations.open")).toHaveLength(1);
      },
      { ms: 2_500 },
    );
    expect(slack.messages(slack.dmChannelOf(IDLE.slack))).toHaveLength(0);
  }, 30_000);
});
