/**
 * More of what happens on GitHub, through the built app with real example payloads:
 * - with no config (the defaults), a broken default branch is announced and so is the run that
 *   makes it green again, once; other branches, pushes and security alerts are not;
 * - on a bot channel, a pull request's CI results and conversation comments are replies in its
 *   thread, and the parent shows the CI state.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startApp, unpacedEnv, type AppProcess } from "../helpers/app-process.js";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.js";
import { startFakeSlackApi, type FakeSlackApi } from "../helpers/fake-slack-api.js";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.js";
import { exampleOf, untypedExamplesFor } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";
import { deliverSettled } from "../helpers/settled-delivery.js";
import { writeTestAppKey } from "../helpers/app-key.js";

const dir = tempDir("notifier-e2e-activity-");
const TOKEN = "xoxb-e2e-activity-0000-secret";
const CHANNEL_ID = "C0ACTIVITY";
let slack: FakeSlack;
let slackApi: FakeSlackApi;
let github: FakeGitHub;
let keyPath: string;
let dbCount = 0;
const running: AppProcess[] = [];

beforeAll(async () => {
  [slack, slackApi, github] = await Promise.all([
    startFakeSlack(),
    startFakeSlackApi({ token: TOKEN }),
    startFakeGitHub(),
  ]);
  keyPath = writeTestAppKey(dir);
});
afterAll(async () => {
  await Promise.all([slack.close(), slackApi.close(), github.close()]);
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.kill("SIGKILL");
  slack.reset();
});

function newDbPath(): string {
  dbCount += 1;
  return join(dir, `activity-${dbCount}.db`);
}

type Run = Record<string, unknown> & {
  workflow_run: Record<string, unknown> & { pull_requests: { number: number }[] };
  repository: Record<string, unknown> & { full_name: string; default_branch: string };
};

let runNumber = 100;

/** A completed workflow run of the example's workflow on `branch`, with `conclusion`. */
function completedRun(params: {
  conclusion: "success" | "failure";
  branch?: string;
  pullRequest?: number;
}): Run {
  const example = untypedExamplesFor("workflow_run", "completed").find((candidate) => {
    const run = (candidate as Run).workflow_run;
    return run.status === "completed" && run.pull_requests.length > 0;
  }) as Run;
  runNumber += 1;
  const run = example.workflow_run;
  run.conclusion = params.conclusion;
  run.run_number = runNumber;
  run.id = 30_000 + runNumber;
  run.head_branch = params.branch ?? example.repository.default_branch;
  run.head_sha = randomUUID().replaceAll("-", "").padEnd(40, "0");
  run.pull_requests =
    params.pullRequest === undefined
      ? []
      : run.pull_requests.map((pr) => ({ ...pr, number: params.pullRequest as number }));
  return example;
}

/** Sends one delivery and waits until the app has finished with it; its status and reason. */
function deliver(app: AppProcess, dbPath: string, event: string, payload: unknown) {
  return deliverSettled({ app, dbPath, event, payload });
}

describe("CI alerts by default", () => {
  it("announces each failure of the default branch and the run back to green once; not other branches, pushes or alerts", async () => {
    const dbPath = newDbPath();
    const app = await startApp({
      env: unpacedEnv({ databaseUrl: dbPath, slackUrl: `${slack.url}/services/T1/B1/default` }),
    });
    running.push(app);

    const outcomes = [];
    for (const conclusion of ["failure", "failure", "success", "success"] as const) {
      outcomes.push(await deliver(app, dbPath, "workflow_run", completedRun({ conclusion })));
    }
    // A failure on another branch, a push to the default branch, a new Dependabot alert.
    outcomes.push(
      await deliver(
        app,
        dbPath,
        "workflow_run",
        completedRun({ conclusion: "failure", branch: "feature/x" }),
      ),
    );
    const push = exampleOf("push") as unknown as Record<string, unknown>;
    push.ref = `refs/heads/${(push.repository as { default_branch: string }).default_branch}`;
    outcomes.push(await deliver(app, dbPath, "push", push));
    outcomes.push(
      await deliver(app, dbPath, "dependabot_alert", exampleOf("dependabot_alert", "created")),
    );

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      "delivered",
      "delivered",
      "delivered",
      "skipped",
      "skipped",
      "skipped",
      "skipped",
    ]);
    expect(outcomes[3]?.reason).toMatch(/workflow_run\.succeeded/);
    expect(outcomes[4]?.reason).toMatch(/workflow_run\.failed/);
    expect(outcomes[5]?.reason).toMatch(/push\.default_branch/);
    expect(outcomes[6]?.reason).toMatch(/dependabot_alert\.created/);
    const texts = slack.posts.map((post) => post.body.text ?? "");
    expect(texts).toHaveLength(3);
    expect(texts[0]).toMatch(/fail/i);
    expect(texts[1]).toMatch(/fail/i);
    expect(texts[2]).toMatch(/green|fixed/i);
  }, 60_000);
});

describe("a pull request's CI and comments on a bot channel", () => {
  it("replies in the pull request's thread and shows the CI state on its parent", async () => {
    const run = completedRun({ conclusion: "failure", pullRequest: 2 });
    const repository = run.repository;
    const [owner, repo] = repository.full_name.split("/") as [string, string];
    github.setFile({
      owner,
      repo,
      path: ".github/notifier.yml",
      text: `routes:\n  - on: ["pull_request.*", "workflow_run.*", "issue_comment.*"]\n    channel: default\n`,
    });
    const dbPath = newDbPath();
    const app = await startApp({
      env: {
        APP_ID: "1",
        PRIVATE_KEY_PATH: keyPath,
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        DATABASE_URL: dbPath,
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_CHANNEL_ID: CHANNEL_ID,
        SLACK_API_URL: slackApi.url,
        SLACK_PACE: "0",
        BURST_SUMMARY_AFTER: "0",
        REDELIVERY_INTERVAL: "0",
      },
    });
    running.push(app);

    const title = `CI thread ${randomUUID().slice(0, 8)}`;
    const opened = exampleOf("pull_request", "opened") as unknown as Record<string, unknown> & {
      pull_request: Record<string, unknown>;
    };
    opened.repository = repository;
    opened.pull_request.number = 2;
    opened.pull_request.title = title;
    await deliver(app, dbPath, "pull_request", opened);
    const [parent] = slackApi.messages(CHANNEL_ID).filter((m) => m.text.includes(title));
    expect(parent).toBeDefined();

    expect((await deliver(app, dbPath, "workflow_run", run)).status).toBe("delivered");
    const comment = exampleOf("issue_comment", "created") as unknown as Record<string, unknown> & {
      issue: Record<string, unknown>;
    };
    comment.repository = repository;
    comment.issue = {
      ...comment.issue,
      number: 2,
      title,
      pull_request: { url: `https://api.github.com/repos/${repository.full_name}/pulls/2` },
    };
    expect((await deliver(app, dbPath, "issue_comment", comment)).status).toBe("delivered");
    const fixed = completedRun({ conclusion: "success", pullRequest: 2 });
    expect((await deliver(app, dbPath, "workflow_run", fixed)).status).toBe("delivered");

    const replies = slackApi.messages(CHANNEL_ID).filter((m) => m.thread_ts === parent!.ts);
    expect(replies).toHaveLength(3);
    expect(slackApi.messages(CHANNEL_ID).filter((m) => !m.thread_ts)).toHaveLength(1);
    // The parent showed the failure, then the fix.
    const versions = [...parent!.history, { text: parent!.text, blocks: parent!.blocks }].map(
      (version) => JSON.stringify(version.blocks),
    );
    expect(versions.some((blocks) => /CI failing/i.test(blocks))).toBe(true);
    expect(versions.at(-1)).toMatch(/CI fixed/i);
  }, 60_000);
});
