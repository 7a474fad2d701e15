/** The check-run body built from parse results: no HTTP. */
import { describe, expect, it } from "vitest";
import {
  MAX_ANNOTATIONS_PER_REQUEST,
  MAX_OUTPUT_CHARS,
  MAX_TITLE_CHARS,
  buildConfigCheckRun,
  cut,
  type CheckRunAnnotation,
  type ConfigCheckTarget,
} from "../../src/config-check/config-check-body.js";
import type { ConfigError } from "../../src/repo-config/config-error.js";
import { parseConfig } from "../../src/repo-config/parse-config.js";
import type { NotifierConfig } from "../../src/repo-config/config-schema.js";

const TARGET: ConfigCheckTarget = {
  owner: "acme",
  repo: "api",
  headSha: "0123456789abcdef0123456789abcdef01234567",
  baseBranch: "main",
  defaultBranch: "main",
};

function parsed(text: string) {
  return parseConfig({
    text,
    source: ".github/notifier.yml",
    knownChannels: ["default", "eng", "ops"],
  });
}

function valid(config: NotifierConfig, target: ConfigCheckTarget = TARGET) {
  return buildConfigCheckRun({ target, result: { kind: "valid", config } }).body;
}

describe("buildConfigCheckRun", () => {
  it("annotates 50 errors in the create and the rest in updates, listing them all in the text", () => {
    const text = `routes:\n${Array.from({ length: 60 }, () => "  - on: [issues.nope]\n").join("")}`;
    const result = parsed(text);
    if (result.ok) throw new Error("expected errors");
    expect(result.errors).toHaveLength(60);

    const { body, updates } = buildConfigCheckRun({
      target: TARGET,
      result: { kind: "invalid", errors: result.errors },
    });

    expect(body.conclusion).toBe("failure");
    expect(body.output.title).toBe("60 errors in .github/notifier.yml");
    expect(body.output.annotations).toHaveLength(50);
    expect(body.output.annotations?.[49]?.start_line).toBe(51);
    expect(updates.map((update) => update.output.annotations.length)).toEqual([10]);
    expect(updates[0]?.output.annotations[9]?.start_line).toBe(61);
    expect(updates[0]?.output.title).toBe(body.output.title);
    expect(updates[0]?.output.summary).toBe(body.output.summary);
    expect(body.output.text.split("\n").filter((line) => line.startsWith("- "))).toHaveLength(60);
    expect(body.output.text).not.toContain("more than GitHub shows");
  });

  it("points an error about the whole file at line 1", () => {
    const body = buildConfigCheckRun({
      target: TARGET,
      result: {
        kind: "invalid",
        errors: [
          {
            source: ".github/notifier.yml",
            line: null,
            path: "",
            message: "invalid YAML: too many aliases",
          },
        ],
      },
    }).body;
    expect(body.output.annotations).toEqual([
      {
        path: ".github/notifier.yml",
        start_line: 1,
        end_line: 1,
        annotation_level: "failure",
        title: ".github/notifier.yml",
        message: "invalid YAML: too many aliases",
      },
    ]);
  });

  it("annotates a YAML syntax error at its line", () => {
    const result = parsed("channel: eng\nroutes:\n\t- on: [issues.opened]\n");
    if (result.ok) throw new Error("expected errors");
    const body = buildConfigCheckRun({
      target: TARGET,
      result: { kind: "invalid", errors: result.errors },
    }).body;
    expect(body.output.annotations?.map((annotation) => annotation.start_line)).toContain(3);
  });

  it("says when the pull request does not merge into the default branch", () => {
    const body = valid({ channel: "eng" }, { ...TARGET, baseBranch: "release/1.x" });
    expect(body.output.summary).toMatchInlineSnapshot(
      `"\`.github/notifier.yml\` is valid: 2 routes to \`eng\`. It routes activity of acme/api. This pull request merges into \`release/1.x\`; config is read from the default branch \`main\`, so it takes effect only once it reaches \`main\`."`,
    );
  });

  it("previews a file without routes as the default routes to its channel", () => {
    expect(valid({ channel: "eng" }).output.text).toMatchInlineSnapshot(`
      "### Routes
      No \`routes\` key: the default routes apply.
      1. \`issues.opened\`, \`pull_request.opened\`, \`pull_request.merged\`, \`star.created\` → \`eng\`
      2. \`workflow_run.failed\`, \`workflow_run.fixed\` → \`eng\`, only on the default branch

      ### Ignored before routing
      Nothing.

      ### Event kinds by channel
      - \`eng\`: issues.opened, pull_request.opened, pull_request.merged, star.created, workflow_run.failed, workflow_run.fixed

      Not sent anywhere: issues.closed, issues.reopened, issues.labeled, issues.assigned, pull_request.reopened, pull_request.ready_for_review, pull_request.review_requested, pull_request.labeled, pull_request.assigned, pull_request.closed, pull_request_review.approved, pull_request_review.changes_requested, pull_request_review.commented, fork, watch.started, release.published, workflow_run.succeeded, check_suite.failed, deployment_status.success, deployment_status.failure, issue_comment.created, pull_request.commented, pull_request_review_comment.created, discussion.created, discussion.answered, discussion_comment.created, push.default_branch.

      Security alerts not sent anywhere: dependabot_alert.created, code_scanning_alert.created, secret_scanning_alert.created. They go to a channel only when a route names them with a glob that starts with the event's name (\`dependabot_alert.*\`, \`code_scanning_alert.*\`, \`secret_scanning_alert.*\`); \`*\` and the default routes never send them."
    `);
  });

  it("says an empty route list sends nothing", () => {
    const body = valid({ routes: [] });
    expect(body.output.summary).toContain("is valid: no routes: nothing is sent.");
    expect(body.output.text).toContain("`routes` is empty: nothing is sent.");
    expect(body.output.text).not.toContain("### Event kinds by channel");
  });

  it("does not pretend to know inherited routes", () => {
    const body = valid({ _extends: "acme/shared", ignore: { labels: ["no-notify"] } });
    expect(body.output.summary).toContain(
      "no routes of its own (they come from `acme/shared`, else the defaults)",
    );
    expect(body.output.text).toContain(
      "Extends `acme/shared`: keys this file leaves out are inherited",
    );
    expect(body.output.text).toContain("- issues and pull requests labelled `no-notify`");
  });

  it("describes every filter, digests and quiet hours, and keeps backticks in values readable", () => {
    const result = parsed(
      [
        "quiet_hours: { from: '22:00', to: '07:00', timezone: Europe/Paris }",
        "routes:",
        "  - on: ['pull_request_review.*']",
        "    channel: ops",
        "    labels: ['priority:*']",
        "    authors: [alice]",
        "    exclude_authors: ['*[bot]']",
        "    title: '^`hotfix`'",
        "    digest: daily at 09:00",
        "    timezone: America/New_York",
        "    quiet_hours: { from: '20:00', to: '08:00' }",
        "    quiet_hours_action: drop",
        "",
      ].join("\n"),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(valid(result.config).output.text).toMatchInlineSnapshot(`
      "### Routes
      1. \`pull_request_review.*\` (pull_request_review.approved, pull_request_review.changes_requested, pull_request_review.commented) → \`ops\`, only with a label \`priority:*\`; only by \`alice\`; not by \`*[bot]\`; title matches \`\` /^\`hotfix\`/ \`\`; as a digest \`daily at 09:00\` (America/New_York); quiet 20:00–08:00 America/New_York (dropped)

      ### Ignored before routing
      Nothing.

      Quiet hours for every route: 22:00–07:00 Europe/Paris (held until the window ends).

      ### Event kinds by channel
      - \`ops\`: pull_request_review.approved, pull_request_review.changes_requested, pull_request_review.commented

      Not sent anywhere: issues.opened, issues.closed, issues.reopened, issues.labeled, issues.assigned, pull_request.opened, pull_request.reopened, pull_request.ready_for_review, pull_request.review_requested, pull_request.labeled, pull_request.assigned, pull_request.merged, pull_request.closed, star.created, fork, watch.started, release.published, workflow_run.failed, workflow_run.fixed, workflow_run.succeeded, check_suite.failed, deployment_status.success, deployment_status.failure, issue_comment.created, pull_request.commented, pull_request_review_comment.created, discussion.created, discussion.answered, discussion_comment.created, push.default_branch.

      Security alerts not sent anywhere: dependabot_alert.created, code_scanning_alert.created, secret_scanning_alert.created. They go to a channel only when a route names them with a glob that starts with the event's name (\`dependabot_alert.*\`, \`code_scanning_alert.*\`, \`secret_scanning_alert.*\`); \`*\` and the default routes never send them."
    `);
  });

  it("describes thread and broadcast, at the top level and per route, and that webhooks cannot thread", () => {
    const result = parsed(
      [
        "thread: false",
        "broadcast: [pull_request.merged]",
        "routes:",
        "  - on: [pull_request.opened]",
        "    channel: eng",
        "    thread: true",
        "    broadcast: [pull_request_review.approved, pull_request.closed]",
        "  - on: [issues.opened]",
        "    channel: ops",
        "    broadcast: []",
        "  - on: [star.created]",
        "",
      ].join("\n"),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const text = valid(result.config).output.text;
    expect(text.slice(0, text.indexOf("### Event kinds by channel"))).toMatchInlineSnapshot(`
      "### Routes
      1. \`pull_request.opened\` → \`eng\`, threaded on bot channels; replies also shown in the channel: \`pull_request_review.approved\`, \`pull_request.closed\`
      2. \`issues.opened\` → \`ops\`, no reply also shown in the channel
      3. \`star.created\` → \`default\`

      ### Ignored before routing
      Nothing.

      Threads for every route that sets none (bot channels only: webhook channels cannot thread): never threaded (every event a top-level message); replies also shown in the channel: \`pull_request.merged\`.

      "
    `);
  });

  it("tells the owner's .github repository that removing its file leaves its repositories on the defaults", () => {
    const body = buildConfigCheckRun({
      target: { ...TARGET, repo: ".github" },
      result: { kind: "removed" },
    }).body;
    expect(body.conclusion).toBe("success");
    expect(body.output.summary).toBe(
      "This pull request removes `.github/notifier.yml`. Once merged, repositories of acme without their own `.github/notifier.yml` get the default routes.",
    );
  });

  it("never names a channel the owner may not use, even the implicit default", () => {
    // `default` is reserved for other owners; the file leaves `channel` out, so routes use it.
    const mayUse = (channel: string) => channel !== "default";
    const valid = buildConfigCheckRun({
      target: TARGET,
      result: {
        kind: "valid",
        config: { routes: [{ on: ["issues.opened"] }, { on: ["star.created"], channel: "eng" }] },
      },
      mayUse,
    }).body;
    const removed = buildConfigCheckRun({
      target: TARGET,
      result: { kind: "removed" },
      mayUse,
    }).body;

    for (const output of [valid.output, removed.output]) {
      expect(`${output.summary}\n${output.text}`).not.toMatch(/`default`/);
    }
    expect(valid.output.summary).toContain("2 routes to (a channel acme may not use), `eng`");
    expect(valid.output.text).toContain("1. `issues.opened` → (a channel acme may not use)");
    expect(removed.output.text).toContain("→ (a channel acme may not use)");
  });
});

/** `count` errors a hostile file could produce, each with a `pathChars`-long key path and `valueChars`-long value. */
function hostileErrors(params: {
  count: number;
  pathChars: number;
  valueChars: number;
}): ConfigError[] {
  return Array.from({ length: params.count }, (_, index) => ({
    source: ".github/notifier.yml",
    line: index + 1,
    path: `routes[${index}].${"k".repeat(params.pathChars)}`,
    message: `is not a valid pattern: "${"(".repeat(params.valueChars)}"`,
  }));
}

function everyAnnotation(run: ReturnType<typeof buildConfigCheckRun>): CheckRunAnnotation[] {
  return [
    ...(run.body.output.annotations ?? []),
    ...run.updates.flatMap((update) => update.output.annotations),
  ];
}

describe("buildConfigCheckRun: GitHub's limits", () => {
  it("annotates 120 errors as 50 + 50 + 20, every one of them", () => {
    const run = buildConfigCheckRun({
      target: TARGET,
      result: {
        kind: "invalid",
        errors: hostileErrors({ count: 120, pathChars: 10, valueChars: 10 }),
      },
    });
    expect(run.body.output.annotations).toHaveLength(MAX_ANNOTATIONS_PER_REQUEST);
    expect(run.updates.map((update) => update.output.annotations.length)).toEqual([50, 20]);
    expect(everyAnnotation(run).map((annotation) => annotation.start_line)).toEqual(
      Array.from({ length: 120 }, (_, index) => index + 1),
    );
  });

  it("keeps every title within 255 characters for a 1,000-character key path", () => {
    const run = buildConfigCheckRun({
      target: TARGET,
      result: {
        kind: "invalid",
        errors: hostileErrors({ count: 3, pathChars: 1_000, valueChars: 10 }),
      },
    });
    for (const annotation of everyAnnotation(run)) {
      expect(annotation.title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
      expect(annotation.title).toMatch(/^routes\[\d\]\.k+… \(cut\)$/);
    }
    expect(run.body.output.title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
  });

  it("keeps every message, summary and text within 65,535 characters for 1 MB values", () => {
    const run = buildConfigCheckRun({
      target: { ...TARGET, baseBranch: "b".repeat(1_000_000) },
      result: {
        kind: "invalid",
        errors: hostileErrors({ count: 120, pathChars: 1_000, valueChars: 1_000_000 }),
      },
    });
    const outputs = [run.body.output, ...run.updates.map((update) => update.output)];
    for (const output of outputs) {
      expect(output.summary.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    }
    expect(run.body.output.text.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    expect(run.body.output.text).toMatch(/\(cut: too long for a check run\)$/);
    for (const annotation of everyAnnotation(run)) {
      // Far below GitHub's 64 KB: one error is something to read, not a 1 MB dump.
      expect(annotation.message.length).toBeLessThanOrEqual(2_000);
      expect(annotation.message).toMatch(/… \(cut\)$/);
    }
    // The request bodies stay small: 120 errors of 1 MB each make well under 1 MB in all.
    expect(JSON.stringify(run).length).toBeLessThan(1_000_000);
  });

  it("keeps a valid file's summary and preview within the limits for long branch names", () => {
    const body = buildConfigCheckRun({
      target: { ...TARGET, baseBranch: "b".repeat(200_000) },
      result: { kind: "valid", config: { channel: "eng" } },
    }).body;
    expect(body.output.summary.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
  });
});

describe("cut", () => {
  it("leaves short text alone and never splits a character in two", () => {
    expect(cut("short", 10)).toBe("short");
    const cutText = cut("😀".repeat(300), 255);
    expect(cutText.length).toBeLessThanOrEqual(255);
    expect(cutText).toMatch(/^(😀)+… \(cut\)$/u);
  });
});
