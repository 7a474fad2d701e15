/**
 * Reminders through the built app (issue 15), with the test clock set seconds before 09:30 in
 * Berlin on a Monday (no real waiting) and a loopback GitHub that lists the app's installations,
 * their repositories, the repository's config and its open pull requests. The repository sends
 * no webhook at all: the app finds it by listing its installations. At 09:30 one message lists the
 * pull requests that have waited a day for review, oldest first, mentioning the mapped reviewer;
 * the next day, once they are reviewed, nothing is posted; two instances on one PostgreSQL post
 * one message.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startApp, type AppProcess } from "../helpers/app-process.js";
import { startFakeGitHub, type FakeGitHub, type FakePull } from "../helpers/fake-github.js";
import { startFakeSlack, type FakeSlack, type SlackPost } from "../helpers/fake-slack.js";
import { writeTestAppKey } from "../helpers/app-key.js";
import { readRows } from "../helpers/sqlite-rows.js";
import { tempDir } from "../helpers/temp-dir.js";
import { postgresAvailable, testSchema } from "../helpers/test-postgres.js";
import { holdsFor } from "../helpers/wait.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const REVIEWER = { login: "hubot-reviewer", slack: "U0REVIEW1" };
const DAY = 24 * 60 * 60 * 1000;

/** The issue's own example. */
const CONFIG = `reminders:
  - channel: default
    at: "weekdays at 09:30"
    timezone: Europe/Berlin
    waiting: review
    older_than: 1d
    drafts: false
    max: 20
`;

/** Monday 5 January 2026, 09:29:55 in Berlin (CET, UTC+1). */
const MONDAY = "2026-01-05T08:29:55Z";
/** Tuesday, same time. */
const TUESDAY = "2026-01-06T08:29:55Z";

const onPostgres = (await postgresAvailable({ suite: "reminders end-to-end, two instances" }))
  ? it
  : it.skip;

const dir = tempDir("notifier-e2e-reminders-");
let github: FakeGitHub;
let slack: FakeSlack;
let keyPath: string;
let peoplePath: string;
const running: AppProcess[] = [];

function ago(from: string, ms: number): string {
  return new Date(new Date(from).getTime() - ms).toISOString();
}

/** Monday's open pull requests: two have waited long enough for review, three must not be listed. */
function mondayPulls(): FakePull[] {
  return [
    {
      number: 11,
      title: "Fix the flaky login test",
      requestedReviewers: [REVIEWER.login],
      createdAt: ago(MONDAY, 3 * DAY),
    },
    {
      number: 12,
      title: "Too fresh to remind",
      requestedReviewers: [REVIEWER.login],
      createdAt: ago(MONDAY, 2 * 60 * 60 * 1000),
    },
    {
      number: 13,
      title: "A draft",
      draft: true,
      requestedReviewers: [REVIEWER.login],
      createdAt: ago(MONDAY, 3 * DAY),
    },
    { number: 14, title: "Nobody asked to review", createdAt: ago(MONDAY, 3 * DAY) },
    {
      number: 15,
      title: "Upgrade the <!channel> parser & *more*",
      requestedTeams: ["platform"],
      createdAt: ago(MONDAY, 5 * DAY),
    },
  ];
}

beforeAll(async () => {
  [github, slack] = await Promise.all([startFakeGitHub(), startFakeSlack()]);
  keyPath = writeTestAppKey(dir);
  peoplePath = join(dir, "people.yml");
  writeFileSync(peoplePath, `${REVIEWER.login}: ${REVIEWER.slack}\n`);
  github.setInstallations([{ id: 1, account: OWNER, accountType: "User" }]);
  github.setRepositories(1, [`${OWNER}/${REPO}`]);
  github.setFile({ owner: OWNER, repo: REPO, path: ".github/notifier.yml", text: CONFIG });
});
afterAll(async () => {
  await Promise.all([github.close(), slack.close()]);
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.kill("SIGKILL");
  slack.reset();
});

async function launch(params: { databaseUrl: string; clock: string }): Promise<AppProcess> {
  const app = await startApp({
    env: {
      APP_ID: "1",
      PRIVATE_KEY_PATH: keyPath,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      DATABASE_URL: params.databaseUrl,
      SLACK_WEBHOOK_URL: `${slack.url}/services/T1/B1/default`,
      SLACK_PEOPLE_FILE: peoplePath,
      NOTIFIER_TEST_CLOCK_START: params.clock,
      LOG_LEVEL: "info",
    },
  });
  running.push(app);
  return app;
}

function textOf(post: SlackPost): string {
  return JSON.stringify(post.body);
}

describe("reminders", () => {
  it("lists at 09:30 Berlin the pull requests waiting a day for review, then nothing once reviewed", async () => {
    const dbPath = join(dir, "single.db");
    github.setPulls(`${OWNER}/${REPO}`, mondayPulls());
    github.setReviews(`${OWNER}/${REPO}`, 11, [{ user: "mona", state: "APPROVED" }]);
    github.setReviews(`${OWNER}/${REPO}`, 15, []);
    const listsBefore = github.count("GET /repos/{owner}/{repo}/pulls");

    const app = await launch({ databaseUrl: dbPath, clock: MONDAY });
    await app.waitForLog((line) => line.msg === "reminders known" && line.channelReminders === 1);
    expect(slack.accepted()).toHaveLength(0);
    const [post] = await slack.waitForAccepted(1, 20_000);
    const text = textOf(post!);
    // Oldest first: #15 (5 days, a team asked) before #11 (3 days, a person asked).
    expect(text.indexOf("#15")).toBeGreaterThan(-1);
    expect(text.indexOf("#15")).toBeLessThan(text.indexOf("#11"));
    expect(text).toContain(`<@${REVIEWER.slack}>`);
    expect(text).toContain("platform");
    for (const absent of ["#12", "#13", "#14"]) expect(text).not.toContain(absent);
    // The title's mention is escaped, not a ping.
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("&lt;!channel&gt;");
    // Exactly one list call for the repository (under 100 open).
    expect(github.count("GET /repos/{owner}/{repo}/pulls") - listsBefore).toBe(1);
    await holdsFor(() => expect(slack.accepted()).toHaveLength(1), { ms: 2_500 });
    const runs = readRows<{ status: string; event: string }>(
      dbPath,
      "SELECT status, event FROM deliveries WHERE event = 'notifier_reminder'",
    );
    expect(runs).toEqual([{ status: "delivered", event: "notifier_reminder" }]);
    await app.kill("SIGTERM");
    slack.reset();

    // Tuesday: both were reviewed (GitHub no longer lists a reviewer once they answered).
    github.setPulls(
      `${OWNER}/${REPO}`,
      mondayPulls().map((pull) => ({ ...pull, requestedReviewers: [], requestedTeams: [] })),
    );
    const tuesday = await launch({ databaseUrl: dbPath, clock: TUESDAY });
    await tuesday.waitForLog((line) => line.msg === "reminder due", 20_000);
    const skipped = await vi.waitFor(
      () => {
        const rows = readRows<{ status: string; reason: string | null }>(
          dbPath,
          "SELECT status, reason FROM deliveries WHERE event = 'notifier_reminder' ORDER BY received_at",
        );
        expect(rows[1]?.status).toBe("skipped");
        return rows;
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(skipped).toHaveLength(2);
    await holdsFor(() => expect(slack.accepted()).toHaveLength(0), { ms: 1_000 });
    expect(skipped[1]!.reason).toContain("nothing waiting");
  });

  onPostgres("posts one message when two instances share one PostgreSQL", async () => {
    const schema = testSchema("reminders_e2e");
    try {
      github.setPulls(`${OWNER}/${REPO}`, mondayPulls());
      const [a, b] = await Promise.all([
        launch({ databaseUrl: schema.databaseUrl, clock: MONDAY }),
        launch({ databaseUrl: schema.databaseUrl, clock: MONDAY }),
      ]);
      await Promise.all(
        [a, b].map((app) =>
          app!.waitForLog((line) => line.msg === "reminders known" && line.channelReminders === 1),
        ),
      );
      await slack.waitForAccepted(1, 20_000);
      await holdsFor(() => expect(slack.accepted()).toHaveLength(1), { ms: 3_000 });
      const runs = await schema.query<{ id: string }>(
        "SELECT id FROM deliveries WHERE event = 'notifier_reminder'",
      );
      expect(runs).toHaveLength(1);
    } finally {
      for (const app of running.splice(0)) await app.kill("SIGKILL");
      await schema.drop();
    }
  });
});
