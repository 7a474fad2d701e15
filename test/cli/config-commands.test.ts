/** `notifier config validate` and `notifier preview` on real files and real example payloads. */
import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../helpers/cli.js";
import { exampleOf, untypedExamplesFor } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("notifier-cli-config-");
const env = {
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/default",
  SLACK_WEBHOOK_URL_TRIAGE: "https://hooks.slack.com/services/T0/B0/triage",
  SLACK_CHANNEL_OWNERS_TRIAGE: "acme",
};

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe("notifier config validate", () => {
  it("accepts a valid file", async () => {
    const file = write("valid.yml", "routes:\n  - on: [issues.opened]\n    channel: triage\n");
    const run = await cli(["config", "validate", file], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("is valid: 1 route(s)");
  });

  it("prints each error with its line and key, exit 1", async () => {
    const file = write(
      "invalid.yml",
      ["routes:", "  - on: [issues.opend]", "    channel: ops", "    colour: red", ""].join("\n"),
    );
    const run = await cli(["config", "validate", file], { env });
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split("\n");
    expect(lines.at(-1)).toBe(`3 errors in ${file}`);
    expect(lines.slice(0, -1).join("\n")).toMatch(
      /line 2: `routes\[0\]\.on\[0\]` .*issues\.opened/,
    );
    expect(run.stdout).toMatch(
      /line 3: `routes\[0\]\.channel` .*\(channels for this repository: default, triage\)/,
    );
    expect(run.stdout).toMatch(/line 4: .*colour/);
  });

  it("applies channel owners when --owner is given", async () => {
    const file = write("owners.yml", "routes:\n  - on: [issues.opened]\n    channel: triage\n");
    expect((await cli(["config", "validate", file, "--owner", "acme"], { env })).code).toBe(0);
    const other = await cli(["config", "validate", file, "--owner", "someone-else"], { env });
    expect(other.code).toBe(1);
    expect(other.stdout).toMatch(/line 3: `routes\[0\]\.channel`/);
  });

  it("says so when the file cannot be read", async () => {
    const run = await cli(["config", "validate", join(dir, "missing.yml")], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot read config file");
    expect(run.stderr).toContain("ENOENT");
  });

  it("reads ./.github/notifier.yml by default", async () => {
    const repo = join(dir, "repo");
    write("repo/.github/notifier.yml", "channel: triage\n");
    const run = await cli(["config", "validate"], { env, cwd: repo });
    expect(run.stdout).toContain(".github/notifier.yml is valid");
  });
});

/** Webhook channels default and triage, bot channels eng, ops and reviews. */
const botEnv = {
  ...env,
  SLACK_BOT_TOKEN: "xoxb-test-token",
  SLACK_CHANNEL_ID_ENG: "C0000000E",
  SLACK_CHANNEL_ID_OPS: "C0000000O",
  SLACK_CHANNEL_ID_REVIEWS: "C0000000R",
};

describe("notifier config validate: thread and broadcast", () => {
  it("says per channel whether it threads and which replies it broadcasts", async () => {
    const file = write(
      "threads.yml",
      [
        "broadcast: [pull_request.merged]",
        "routes:",
        "  - on: [issues.opened]",
        "  - on: [issues.opened]",
        "    channel: triage",
        "    thread: true",
        '  - on: ["pull_request.*"]',
        "    channel: eng",
        '  - on: ["pull_request_review.*"]',
        "    channel: ops",
        "    thread: false",
        '  - on: ["pull_request_review.*"]',
        "    channel: reviews",
        "    broadcast: [pull_request_review.approved, pull_request_review.changes_requested]",
        "  - on: [star.created]",
        "    channel: reviews",
        "    digest: 1d",
        "    broadcast: []",
        "",
      ].join("\n"),
    );
    const run = await cli(["config", "validate", file], { env: botEnv });
    expect(run.code).toBe(0);
    expect(run.stdout.replace(file, "<file>")).toMatchInlineSnapshot(`
      "<file> is valid: 6 route(s), default channel default
      threads by channel:
      - default (webhook channel): every event is a top-level message (webhook channels cannot thread; thread and broadcast do not apply)
      - eng (bot channel): threads each issue and pull request under one parent message; replies also shown in the channel: pull_request.merged
      - ops (bot channel): every event is a top-level message (thread: false)
      - reviews (bot channel): depends on the route that wins the channel for an event (one without a digest, then the first):
        - route 5: threads each issue and pull request under one parent message; replies also shown in the channel: pull_request_review.approved, pull_request_review.changes_requested
        - route 6: threads each issue and pull request under one parent message; no reply is shown in the channel (broadcast: [])
      - triage (webhook channel): every event is a top-level message (webhook channels cannot thread; thread and broadcast do not apply)
      "
    `);
  });

  it("says a config of defaults threads and broadcasts the default kinds on a bot channel", async () => {
    const file = write("default-threads.yml", "_extends: shared\nchannel: eng\n");
    const run = await cli(["config", "validate", file], { env: botEnv });
    expect(run.stdout).toContain(
      "threads by channel (keys this file leaves out are inherited from shared when routing; not shown):",
    );
    expect(run.stdout).toContain(
      "- eng (bot channel): threads each issue and pull request under one parent message; replies also shown in the channel: pull_request.merged, pull_request.closed, issues.closed",
    );
  });

  it("rejects a thread that is not a boolean and broadcast kinds that are not kind names, by line", async () => {
    const file = write(
      "bad-threads.yml",
      [
        "thread: sometimes",
        "routes:",
        "  - on: [issues.opened]",
        '    broadcast: [pull_request.merge, "issues.*"]',
        "",
      ].join("\n"),
    );
    const run = await cli(["config", "validate", file], { env: botEnv });
    expect(run.code).toBe(1);
    expect(run.stdout.replaceAll(file, "<file>")).toMatchInlineSnapshot(`
      "\`<file>\` line 1: \`thread\` must be true or false (got "sometimes")
      \`<file>\` line 4: \`routes[0].broadcast[0]\` names no event kind: "pull_request.merge"; did you mean "pull_request.merged"?
      \`<file>\` line 4: \`routes[0].broadcast[1]\` is a glob ("issues.*"); broadcast takes exact kind names: list each, like ["pull_request.merged", "pull_request.closed"]
      3 errors in <file>
      "
    `);
  });
});

describe("notifier config validate: reminders", () => {
  // Friday 2024-01-12, 10:00 in Berlin: this week's weekday reminders at 09:30 have passed.
  const now = () => new Date("2024-01-12T09:00:00Z");

  it("prints each reminder: channel, schedule and zone, what it lists, when it next fires", async () => {
    const file = write(
      "reminders.yml",
      [
        "channel: triage",
        "reminders:",
        "  - channel: eng",
        '    at: "weekdays at 09:30"',
        "    timezone: Europe/Berlin",
        "    waiting: review",
        "    older_than: 1d",
        "    labels: [needs-review]",
        "    exclude_authors: ['*[bot]']",
        "    branches: [$default-branch]",
        "  - at: mon,wed,fri at 16:00",
        "    timezone: America/New_York",
        "    waiting: any",
        '    older_than: "0"',
        "    drafts: true",
        "    max: 5",
        "",
      ].join("\n"),
    );
    const run = await cli(["config", "validate", file], { env: botEnv, deps: { now } });
    expect(run.code).toBe(0);
    expect(run.stdout.replace(file, "<file>")).toMatchInlineSnapshot(`
      "<file> is valid: 0 route(s), 2 reminder(s), default channel triage
      threads by channel:
      - triage (webhook channel): every event is a top-level message (webhook channels cannot thread; thread and broadcast do not apply)
      reminders:
      - eng (bot channel): weekdays at 09:30, Europe/Berlin
        lists: open pull requests whose requested reviewers have not answered; waiting 1d or more; no drafts; labels needs-review; exclude_authors *[bot]; branches $default-branch; at most 20, oldest first
        next: Mon 2024-01-15 09:30 Europe/Berlin (in 2d 23h)
      - triage (webhook channel): mon,wed,fri at 16:00, America/New_York
        lists: every open pull request; of any age; drafts included; at most 5, oldest first
        next: Fri 2024-01-12 16:00 America/New_York (in 12h)
      "
    `);
  });

  it("says an inherited file's reminders apply when this file lists none", async () => {
    const file = write("inherits-reminders.yml", "_extends: shared\n");
    const run = await cli(["config", "validate", file], { env: botEnv, deps: { now } });
    expect(run.stdout).toContain("reminders: none in this file; those of shared apply (not shown)");
  });

  it("rejects a bad schedule and a reminder channel reserved for another owner, by line", async () => {
    const file = write(
      "bad-reminders.yml",
      ["reminders:", "  - at: weekdays at 9:30", "    channel: triage", ""].join("\n"),
    );
    const run = await cli(["config", "validate", file, "--owner", "someone-else"], { env });
    expect(run.code).toBe(1);
    expect(run.stdout.replaceAll(file, "<file>")).toMatchInlineSnapshot(`
      "\`<file>\` line 2: \`reminders[0].at\` must end in a time of day as HH:MM on a 24-hour clock, like "daily at 09:30" (got "9:30"); did you mean "weekdays at 09:30"?
      \`<file>\` line 3: \`reminders[0].channel\` names "triage", which is not a channel you may use (channels for this repository: default)
      2 errors in <file>
      "
    `);
  });
});

describe("notifier preview", () => {
  it("shows the channels and the message for a routed payload", async () => {
    const payload = write("issue.json", JSON.stringify(exampleOf("issues", "opened")));
    const run = await cli(["preview", "--payload", payload, "--event", "issues"], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("event: issues.opened on Codertocat/Hello-World by Codertocat");
    expect(run.stdout).toContain("send to: default");
    const message = JSON.parse(
      run.stdout.slice(run.stdout.indexOf("message:\n") + "message:\n".length),
    ) as {
      text: string;
      blocks: unknown[];
    };
    expect(message.text).toContain("Spelling error in the README file");
    expect(message.blocks.length).toBeGreaterThan(0);
  });

  it("shows the skip reason under a config that ignores the author", async () => {
    const payload = write("issue2.json", JSON.stringify(exampleOf("issues", "opened")));
    const config = write("ignore.yml", 'ignore:\n  authors: ["codertocat"]\n');
    const run = await cli(
      ["preview", "--payload", payload, "--event", "issues", "--config", config],
      { env },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/skip: ignored: author "Codertocat"/);
  });

  it("mentions mapped people and names the direct message the event would send, as the app would", async () => {
    const payload = exampleOf("pull_request", "review_requested") as unknown as Record<
      string,
      unknown
    >;
    payload.requested_reviewer = { ...(payload.requested_reviewer as object), login: "octocat" };
    delete payload.requested_team;
    const file = write("review.json", JSON.stringify(payload));
    const people = write("people.yml", "octocat: { slack: U0OCTOCAT, dm: [review_requested] }\n");
    const config = write("reviews.yml", 'routes:\n  - on: ["pull_request.*"]\n');
    const run = await cli(
      ["preview", "--payload", file, "--event", "pull_request", "--config", config],
      { env: { ...botEnv, SLACK_PEOPLE_FILE: people } },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("direct message: octocat (U0OCTOCAT), whatever the routes say");
    expect(run.stdout).toContain("<@U0OCTOCAT>");

    const broken = write("people-broken.yml", "octocat: nobody\n");
    const refused = await cli(
      ["preview", "--payload", file, "--event", "pull_request", "--config", config],
      { env: { ...botEnv, SLACK_PEOPLE_FILE: broken } },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/people-broken\.yml:1: octocat/);
  });

  it("says an event is not notified", async () => {
    const payload = write("edited.json", JSON.stringify(exampleOf("issues", "edited")));
    const run = await cli(["preview", "--payload", payload, "--event", "issues"], { env });
    expect(run.stdout).toBe("skip: not a notified event (issues.edited)\n");
  });

  it("refuses a payload that is not JSON, and missing arguments", async () => {
    const payload = write("broken.json", "{nope");
    const broken = await cli(["preview", "--payload", payload, "--event", "issues"], { env });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("is not JSON");
    const missing = await cli(["preview", "--event", "issues"], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("preview needs --payload <file> and --event <name>");
  });

  it("says per channel whether the event is threaded and broadcast, and that webhooks cannot thread", async () => {
    const payload = write("pr.json", JSON.stringify(exampleOf("pull_request", "opened")));
    const config = write(
      "preview-threads.yml",
      [
        "routes:",
        '  - on: ["pull_request.*"]',
        '  - on: ["pull_request.*"]',
        "    channel: eng",
        "  - on: [pull_request.opened]",
        "    channel: ops",
        "    thread: false",
        "  - on: [pull_request.opened]",
        "    channel: reviews",
        "    broadcast: [pull_request.opened]",
        "",
      ].join("\n"),
    );
    const args = ["preview", "--payload", payload, "--event", "pull_request", "--config", config];
    const run = await cli(args, { env: botEnv });
    expect(run.code).toBe(0);
    const shown = run.stdout.slice(run.stdout.indexOf("send to:"), run.stdout.indexOf("message:"));
    expect(shown).toMatchInlineSnapshot(`
      "send to: default, eng, ops, reviews
      - default: webhook channel, a top-level message (webhook channels cannot thread)
      - eng: bot channel, threaded under pull request #2's parent message (the first message about it starts the thread); as a reply, not shown in the channel (broadcast: pull_request.merged, pull_request.closed, issues.closed)
      - ops: bot channel, a top-level message (thread: false)
      - reviews: bot channel, threaded under pull request #2's parent message (the first message about it starts the thread); as a reply, also shown in the channel (pull_request.opened is in broadcast)
      "
    `);
  });

  it("says activity that is not about an issue or pull request stays top-level", async () => {
    const payload = write("star.json", JSON.stringify(exampleOf("star", "created")));
    const config = write("star-threads.yml", "channel: eng\n");
    const args = ["preview", "--payload", payload, "--event", "star", "--config", config];
    const run = await cli(args, { env: botEnv });
    expect(run.stdout).toContain(
      "- eng: bot channel, a top-level message (star.created is not about an issue or pull request, so it has no thread)",
    );
  });
  it("says where a security alert would go: nowhere until a route names it", async () => {
    const payload = write("alert.json", JSON.stringify(exampleOf("dependabot_alert", "created")));
    const defaults = await cli(["preview", "--payload", payload, "--event", "dependabot_alert"], {
      env,
    });
    expect(defaults.code).toBe(0);
    expect(defaults.stdout.split("\n").slice(2)).toEqual([
      "skip: no route matched dependabot_alert.created",
      "security alerts go to a channel only when a route names them: add a route with on: [dependabot_alert.*] (or dependabot_alert.created) and a channel; `*` and the default routes never send them (dependabot_alert, code_scanning_alert, secret_scanning_alert)",
      "",
    ]);
    const everything = write("everything.yml", 'routes:\n  - on: ["*"]\n');
    const star = await cli(
      ["preview", "--payload", payload, "--event", "dependabot_alert", "--config", everything],
      { env },
    );
    expect(star.stdout).toContain(
      "skip: no route matched dependabot_alert.created\nsecurity alerts go",
    );
    const named = write(
      "alerts.yml",
      'routes:\n  - on: ["dependabot_alert.*"]\n    severities: [medium]\n',
    );
    const routed = await cli(
      ["preview", "--payload", payload, "--event", "dependabot_alert", "--config", named],
      { env },
    );
    expect(routed.stdout).toContain("send to: default\n");
  });

  it("notes that a success may be announced as fixed, which only the worker knows", async () => {
    // The package's first "completed" example is still queued: take a completed run.
    const run = structuredClone(
      untypedExamplesFor("workflow_run", "completed").find(
        (p) => (p.workflow_run as { status: string }).status === "completed",
      ),
    );
    const payload = write("run.json", JSON.stringify(run));
    const out = await cli(["preview", "--payload", payload, "--event", "workflow_run"], { env });
    expect(out.stdout.split("\n").slice(0, 4)).toEqual([
      "event: workflow_run.succeeded on octo-org/octo-repo by Codertocat",
      "config: the default routes (no --config)",
      "note: workflow_run.succeeded is announced as workflow_run.fixed when the previous completed run of this workflow on master failed (the worker keeps the last conclusion; this preview cannot know, and routes it as succeeded)",
      "skip: no route matched workflow_run.succeeded",
    ]);
  });

  it("notes that a label can send the item to a label route as opened", async () => {
    const payload = write("labeled.json", JSON.stringify(exampleOf("pull_request", "labeled")));
    const config = write("late.yml", "routes:\n  - on: [pull_request.opened]\n    labels: [bug]\n");
    const args = ["preview", "--payload", payload, "--event", "pull_request", "--config", config];
    const out = await cli(args, { env });
    expect(out.stdout).toContain(
      'note: the label "bug" also sends #2 as pull_request.opened ("now labelled") to route 1 (default), unless it was sent there before (when opened, or for an earlier label)\nskip: no route matched pull_request.labeled\n',
    );
  });
});
