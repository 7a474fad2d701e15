/** The check-run body built from parse results: no HTTP. */
import { describe, expect, it } from "vitest";
import { buildConfigCheckRun, type ConfigCheckTarget } from "../../src/github/config-check-body.js";
import { parseConfig } from "../../src/route/parse-config.js";
import type { NotifierConfig } from "../../src/route/config-schema.js";

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
  return buildConfigCheckRun({ target, result: { kind: "valid", config } });
}

describe("buildConfigCheckRun", () => {
  it("annotates at most 50 errors, says how many more there are, and lists them all in the text", () => {
    const text = `routes:\n${Array.from({ length: 60 }, () => "  - on: [issues.nope]\n").join("")}`;
    const result = parsed(text);
    if (result.ok) throw new Error("expected errors");
    expect(result.errors).toHaveLength(60);

    const body = buildConfigCheckRun({
      target: TARGET,
      result: { kind: "invalid", errors: result.errors },
    });

    expect(body.conclusion).toBe("failure");
    expect(body.output.title).toBe("60 errors in .github/notifier.yml");
    expect(body.output.annotations).toHaveLength(50);
    expect(body.output.annotations?.[49]?.start_line).toBe(51);
    expect(body.output.text.split("\n").filter((line) => line.startsWith("- "))).toHaveLength(60);
    expect(body.output.text).toContain("(10 more than GitHub shows as annotations)");
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
    });
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
    });
    expect(body.output.annotations?.map((annotation) => annotation.start_line)).toContain(3);
  });

  it("says when the pull request does not merge into the default branch", () => {
    const body = valid({ channel: "eng" }, { ...TARGET, baseBranch: "release/1.x" });
    expect(body.output.summary).toMatchInlineSnapshot(
      `"\`.github/notifier.yml\` is valid: 1 route to \`eng\`. It routes activity of acme/api. This pull request merges into \`release/1.x\`; config is read from the default branch \`main\`, so it takes effect only once it reaches \`main\`."`,
    );
  });

  it("previews a file without routes as the default routes to its channel", () => {
    expect(valid({ channel: "eng" }).output.text).toMatchInlineSnapshot(`
      "### Routes
      No \`routes\` key: the default routes apply.
      1. \`issues.opened\`, \`pull_request.opened\`, \`pull_request.merged\`, \`star.created\` → \`eng\`

      ### Ignored before routing
      Nothing.

      ### Event kinds by channel
      - \`eng\`: issues.opened, pull_request.opened, pull_request.merged, star.created

      Not sent anywhere: issues.closed, issues.reopened, issues.labeled, issues.assigned, pull_request.reopened, pull_request.ready_for_review, pull_request.review_requested, pull_request.closed, pull_request_review.approved, pull_request_review.changes_requested, pull_request_review.commented, fork, watch.started, release.published."
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

      Not sent anywhere: issues.opened, issues.closed, issues.reopened, issues.labeled, issues.assigned, pull_request.opened, pull_request.reopened, pull_request.ready_for_review, pull_request.review_requested, pull_request.merged, pull_request.closed, star.created, fork, watch.started, release.published."
    `);
  });

  it("tells the owner's .github repository that removing its file leaves its repositories on the defaults", () => {
    const body = buildConfigCheckRun({
      target: { ...TARGET, repo: ".github" },
      result: { kind: "removed" },
    });
    expect(body.conclusion).toBe("success");
    expect(body.output.summary).toBe(
      "This pull request removes `.github/notifier.yml`. Once merged, repositories of acme without their own `.github/notifier.yml` get the default routes.",
    );
  });
});
