/**
 * `notifier people check` in-process against the fake Slack Web API: each kind of problem gets
 * one line, a summary and exit 1; a clean file exits 0; a missing token or file, a bad file and a
 * refused token are errors that name what to fix; the token is never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, type CliRun } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp-dir.js";
import { startFakeSlackApi, type FakeSlackApi } from "../helpers/fake-slack-api.js";
import { peopleCheckCommand } from "../../src/cli/people-commands.js";

const TOKEN = "xoxb-people-check-0000-secret";
const dir = tempDir("notifier-cli-people-");

let slack: FakeSlackApi;
beforeAll(async () => {
  slack = await startFakeSlackApi({
    token: TOKEN,
    users: [
      { id: "U0OCTO", name: "octocat" },
      { id: "W0HUBOT", name: "hubot" },
      { id: "U0GONE", name: "departed", deleted: true },
      { id: "U0CIBOT", name: "ci-bot", isBot: true },
    ],
  });
});
afterAll(() => slack.close());

const runs: CliRun[] = [];
afterAll(() => {
  // Nothing any run printed carried the token.
  expect(JSON.stringify(runs)).not.toContain(TOKEN);
  expect(JSON.stringify(runs)).not.toContain("0000-secret");
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function check(
  env: Record<string, string>,
  argv: string[] = ["people", "check"],
): Promise<CliRun> {
  const run = await cli(argv, { env, cwd: dir });
  runs.push(run);
  return run;
}

function envFor(file: string): Record<string, string> {
  return { SLACK_PEOPLE_FILE: file, SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url };
}

describe("notifier people check", () => {
  it("passes a file of active people, exit 0", async () => {
    const file = write(
      "good.yml",
      "octocat: U0OCTO\nhubot: { slack: W0HUBOT, dm: [review_requested] }\n",
    );
    const before = slack.calls.length;
    expect(await check(envFor(file))).toEqual({
      code: 0,
      stdout: `all 2 people in ${file} are active Slack users\n`,
      stderr: "",
    });
    expect(slack.calls.slice(before).map((call) => [call.method, call.body.user])).toEqual([
      ["users.info", "U0OCTO"],
      ["users.info", "W0HUBOT"],
    ]);
  });

  it("prints one line per unknown, deactivated or bot user and a summary, exit 1", async () => {
    const file = write(
      "mixed.yml",
      [
        "octocat: U0OCTO",
        "typo: U0NOBODY",
        "departed: { slack: U0GONE, dm: [assigned] }",
        "robot: U0CIBOT",
        "",
      ].join("\n"),
    );
    expect(await check(envFor(file))).toEqual({
      code: 1,
      stdout:
        "typo: U0NOBODY is not a user of this Slack workspace (user_not_found)\n" +
        "departed: U0GONE (@departed) is deactivated\n" +
        "robot: U0CIBOT (@ci-bot) is a bot, not a person\n" +
        `3 of 4 people in ${file} have a problem\n`,
      stderr: "",
    });
  });

  it("takes the file as an argument, relative to the working directory", async () => {
    write("argument.yml", "octocat: U0OCTO\n");
    const run = await check(
      { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url, SLACK_PEOPLE_FILE: "ignored.yml" },
      ["people", "check", "argument.yml"],
    );
    expect(run).toEqual({
      code: 0,
      stdout: "all 1 person in argument.yml are active Slack users\n",
      stderr: "",
    });
  });

  it("an empty file lists no one, exit 0", async () => {
    const file = write("empty.yml", "");
    expect(await check(envFor(file))).toMatchObject({ code: 0, stdout: `${file} lists no one\n` });
  });

  it("needs the bot token, and never echoes a wrong one", async () => {
    const file = write("token.yml", "octocat: U0OCTO\n");
    const missing = await check({ SLACK_PEOPLE_FILE: file, SLACK_API_URL: slack.url });
    expect(missing).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "notifier: people check needs SLACK_BOT_TOKEN, the Slack app's bot token (xoxb-…), to ask Slack about each user\n",
    });
    const userToken = await check({
      SLACK_PEOPLE_FILE: file,
      SLACK_API_URL: slack.url,
      SLACK_BOT_TOKEN: "xoxp-user-token-secret",
    });
    expect(userToken.code).toBe(2);
    expect(userToken.stderr).toContain("SLACK_BOT_TOKEN is not a bot token");
    expect(userToken.stderr).not.toContain("xoxp-user-token-secret");
  });

  it("stops at a token Slack refuses, exit 1, without printing it", async () => {
    const file = write("refused.yml", "octocat: U0OCTO\nhubot: W0HUBOT\n");
    const before = slack.calls.length;
    const run = await check({ ...envFor(file), SLACK_BOT_TOKEN: "xoxb-revoked-elsewhere" });
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "notifier: Slack refused the check: users.info: invalid_auth (SLACK_BOT_TOKEN is not a valid token)\n",
    });
    // One refusal is enough: the second person was not asked about.
    expect(slack.calls.length - before).toBe(1);
    expect(run.stderr).not.toContain("xoxb-revoked-elsewhere");
  });

  it("needs a people file", async () => {
    const run = await check({ SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "notifier: people check needs a people file: set SLACK_PEOPLE_FILE or name the file (notifier people check people.yml)\n",
    );
    const extra = await check(envFor("a.yml"), ["people", "check", "a.yml", "b.yml"]);
    expect([extra.code, extra.stderr]).toEqual([
      2,
      "notifier: people check takes at most one file\n",
    ]);
  });

  it("reports a bad file with its name and line before asking Slack", async () => {
    const file = write("bad.yml", "octocat: U0OCTO\nhubot: not-an-id\n");
    const before = slack.calls.length;
    const run = await check(envFor(file));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(new RegExp(`^notifier: .*${file.replaceAll("/", "\\/")}:2: `));
    expect(slack.calls.length).toBe(before);
    const unreadable = await check(envFor(join(dir, "missing.yml")));
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain("missing.yml");
  });

  it("refuses an SLACK_API_URL that is not an http(s) URL", async () => {
    const file = write("url.yml", "octocat: U0OCTO\n");
    const run = await check({ ...envFor(file), SLACK_API_URL: "ftp://slack.example/api/" });
    expect([run.code, run.stderr]).toEqual([
      2,
      "notifier: SLACK_API_URL must be a http: or https: URL\n",
    ]);
  });
});

describe("peopleCheckCommand when Slack asks to retry", () => {
  it("waits as Slack says and tries again, then reports who could not be checked", async () => {
    const file = write("retry.yml", "hubot: W0HUBOT\noctocat: U0OCTO\n");
    // hubot: two 5xx and an internal_error, all its tries; octocat: rate limited once, then answered.
    slack.failNext("users.info", { status: 503 });
    slack.failNext("users.info", { status: 503 });
    slack.failNext("users.info", { error: "internal_error" });
    slack.failNext("users.info", { status: 429, retryAfter: 2 });
    let stdout = "";
    const waits: number[] = [];
    const code = await peopleCheckCommand({
      io: { env: envFor(file), stdout: (text) => (stdout += text), stderr: () => {}, cwd: dir },
      file: undefined,
      sleep: async (ms) => void waits.push(ms),
    });
    runs.push({ code, stdout, stderr: "" });
    expect(waits).toEqual([1_000, 1_000, 2_000]);
    expect(code).toBe(1);
    expect(stdout).toBe(
      "hubot: W0HUBOT could not be checked: users.info: internal_error\n" +
        `1 of 2 people in ${file} has a problem\n`,
    );
  });
});
