/**
 * The config check on pull requests over real `pull_request` payloads, with a real Probot
 * Octokit and GitHub's REST API mocked at the HTTP layer.
 */
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  buildConfigCheckRun,
  checkConfigChange,
  createConfigCheckStep,
  createConfigChecker,
  postConfigCheckRun,
  type CheckRunBody,
  type CheckRunUpdate,
} from "../../src/config-check/config-check.js";
import { MAX_OUTPUT_CHARS, MAX_TITLE_CHARS } from "../../src/config-check/config-check-body.js";
import type { ConfigError } from "../../src/repo-config/config-error.js";
import { exampleOf } from "../helpers/examples.js";

const API = "https://api.github.com";
const OWNER = "Codertocat";
const REPO = "Hello-World";
const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const FILES_PATH = `/repos/${OWNER}/${REPO}/pulls/2/files`;
const CONTENTS_PATH = `/repos/${OWNER}/${REPO}/contents/.github%2Fnotifier.yml`;
const CHECK_RUNS_PATH = `/repos/${OWNER}/${REPO}/check-runs`;
const CHANNELS = ["default", "eng", "payroll", "releases", "triage"];

const TestOctokit = ProbotOctokit.defaults((options: object) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));
const octokit = new TestOctokit({ auth: { token: "ghs_installation_token" } });

const logged: { message: string; fields: object }[] = [];
const log = {
  info: (fields: object, message: string) => logged.push({ fields, message }),
  debug: (fields: object, message: string) => logged.push({ fields, message }),
};

/** `releases` and `payroll` are reserved for octo-org (SLACK_CHANNEL_OWNERS_RELEASES=octo-org). */
const mayUse = (channel: string, owner: string) =>
  !["releases", "payroll"].includes(channel) || owner.toLowerCase() === "octo-org";

function check(payload: unknown, eventName = "pull_request") {
  return checkConfigChange({ octokit, eventName, payload, knownChannels: CHANNELS, mayUse, log });
}

/** One page of `GET .../pulls/{n}/files`, as GitHub lists changed files. */
function changedFiles(
  ...files: { filename: string; status: string; previous_filename?: string }[]
) {
  return files.map((file) => ({
    sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
    additions: 3,
    deletions: 1,
    changes: 4,
    blob_url: `https://github.com/${OWNER}/${REPO}/blob/${HEAD_SHA}/${file.filename}`,
    raw_url: `https://github.com/${OWNER}/${REPO}/raw/${HEAD_SHA}/${file.filename}`,
    contents_url: `${API}/repos/${OWNER}/${REPO}/contents/${file.filename}?ref=${HEAD_SHA}`,
    ...file,
  }));
}

const rawFile = (text: string): [number, string, Record<string, string>] => [
  200,
  text,
  { "content-type": "text/plain; charset=utf-8" },
];

/** Mocks the check-run post and returns what was posted. */
function expectCheckRun(scope: nock.Scope, path = CHECK_RUNS_PATH): { body: CheckRunBody | null } {
  const posted: { body: CheckRunBody | null } = { body: null };
  scope
    .post(path, (body: CheckRunBody) => {
      posted.body = body;
      return true;
    })
    .reply(201, { id: 4, status: "completed" });
  return posted;
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterAll(() => {
  nock.enableNetConnect();
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  logged.length = 0;
  expect(pending, "every mocked GitHub call was made").toEqual([]);
});

describe("checkConfigChange", () => {
  it("fails the check with every error as an annotation at its line", async () => {
    const scope = nock(API, { reqheaders: { authorization: "token ghs_installation_token" } })
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(
        200,
        changedFiles(
          { filename: "README.md", status: "modified" },
          { filename: ".github/notifier.yml", status: "modified" },
        ),
      )
      .get(CONTENTS_PATH)
      .query({ ref: HEAD_SHA })
      .matchHeader("accept", "application/vnd.github.raw+json")
      .reply(
        ...rawFile(
          [
            "channel: triage",
            "routes:",
            "  - on: [issues.opend]",
            "    channel: eng",
            "  - on: [pull_request.*]",
            "    channel: releases",
            "    lables: [bug]",
            "",
          ].join("\n"),
        ),
      );
    const posted = expectCheckRun(scope);

    await expect(check(exampleOf("pull_request", "opened"))).resolves.toBe("posted");

    expect(scope.isDone()).toBe(true);
    expect(JSON.stringify(posted.body)).not.toContain("payroll");
    expect(posted.body).toMatchInlineSnapshot(`
      {
        "conclusion": "failure",
        "head_sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        "name": "notifier config",
        "output": {
          "annotations": [
            {
              "annotation_level": "failure",
              "end_line": 3,
              "message": "\`routes[0].on[0]\` names no event kind: "issues.opend"; did you mean "issues.opened"?",
              "path": ".github/notifier.yml",
              "start_line": 3,
              "title": "routes[0].on[0]",
            },
            {
              "annotation_level": "failure",
              "end_line": 6,
              "message": "\`routes[1].channel\` names "releases", which is not a channel you may use (channels for this repository: default, eng, triage)",
              "path": ".github/notifier.yml",
              "start_line": 6,
              "title": "routes[1].channel",
            },
            {
              "annotation_level": "failure",
              "end_line": 7,
              "message": "\`routes[1].lables\` is not a known key; did you mean \`labels\`? (known here: on, channel, labels, exclude_labels, authors, exclude_authors, branches, workflows, environments, severities, drafts, title, digest, timezone, quiet_hours, quiet_hours_action, thread, broadcast)",
              "path": ".github/notifier.yml",
              "start_line": 7,
              "title": "routes[1].lables",
            },
          ],
          "summary": "\`.github/notifier.yml\` has 3 errors. Merged as it is, it would not be used: routing keeps the last valid config (or the defaults) until the file is fixed. It routes activity of Codertocat/Hello-World.",
          "text": "- \`.github/notifier.yml\` line 3: \`routes[0].on[0]\` names no event kind: "issues.opend"; did you mean "issues.opened"?
      - \`.github/notifier.yml\` line 6: \`routes[1].channel\` names "releases", which is not a channel you may use (channels for this repository: default, eng, triage)
      - \`.github/notifier.yml\` line 7: \`routes[1].lables\` is not a known key; did you mean \`labels\`? (known here: on, channel, labels, exclude_labels, authors, exclude_authors, branches, workflows, environments, severities, drafts, title, digest, timezone, quiet_hours, quiet_hours_action, thread, broadcast)",
          "title": "3 errors in .github/notifier.yml",
        },
        "status": "completed",
      }
    `);
  });

  it("passes a valid file with a preview of which kinds go to which channel", async () => {
    const scope = nock(API)
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(200, changedFiles({ filename: ".github/notifier.yml", status: "added" }))
      .get(CONTENTS_PATH)
      .query({ ref: HEAD_SHA })
      .reply(
        ...rawFile(
          [
            "channel: eng",
            "ignore:",
            '  authors: ["*[bot]"]',
            "routes:",
            "  - on: [issues.opened]",
            "    channel: triage",
            "    exclude_labels: [wontfix]",
            "  - on: [pull_request.*]",
            "    branches: [main, release/*]",
            "    drafts: true",
            "  - on: [release.published]",
            "",
          ].join("\n"),
        ),
      );
    const posted = expectCheckRun(scope);

    await expect(check(exampleOf("pull_request", "synchronize"))).resolves.toBe("posted");

    expect(scope.isDone()).toBe(true);
    expect(JSON.stringify(posted.body)).not.toContain("payroll");
    expect(posted.body).toMatchInlineSnapshot(`
      {
        "conclusion": "success",
        "head_sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        "name": "notifier config",
        "output": {
          "summary": "\`.github/notifier.yml\` is valid: 3 routes to \`eng\`, \`triage\`. It routes activity of Codertocat/Hello-World.",
          "text": "### Routes
      1. \`issues.opened\` → \`triage\`, not with a label \`wontfix\`
      2. \`pull_request.*\` (pull_request.opened, pull_request.reopened, pull_request.ready_for_review, pull_request.review_requested, pull_request.labeled, pull_request.assigned, pull_request.merged, pull_request.closed, pull_request.commented) → \`eng\`, only on branches \`main\`, \`release/*\`; drafts included
      3. \`release.published\` → \`eng\`

      ### Ignored before routing
      - activity by \`*[bot]\`

      ### Event kinds by channel
      - \`eng\`: pull_request.opened, pull_request.reopened, pull_request.ready_for_review, pull_request.review_requested, pull_request.labeled, pull_request.assigned, pull_request.merged, pull_request.closed, release.published, pull_request.commented
      - \`triage\`: issues.opened

      Not sent anywhere: issues.closed, issues.reopened, issues.labeled, issues.assigned, pull_request_review.approved, pull_request_review.changes_requested, pull_request_review.commented, star.created, fork, watch.started, workflow_run.failed, workflow_run.fixed, workflow_run.succeeded, check_suite.failed, deployment_status.success, deployment_status.failure, issue_comment.created, pull_request_review_comment.created, discussion.created, discussion.answered, discussion_comment.created, push.default_branch.

      Security alerts not sent anywhere: dependabot_alert.created, code_scanning_alert.created, secret_scanning_alert.created. They go to a channel only when a route names them with a glob that starts with the event's name (\`dependabot_alert.*\`, \`code_scanning_alert.*\`, \`secret_scanning_alert.*\`); \`*\` and the default routes never send them.",
          "title": ".github/notifier.yml is valid",
        },
        "status": "completed",
      }
    `);
  });

  it("posts nothing for a pull request that leaves the file alone, reading every page", async () => {
    const scope = nock(API)
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(200, changedFiles({ filename: "README.md", status: "modified" }), {
        link: `<${API}${FILES_PATH}?per_page=100&page=2>; rel="next", <${API}${FILES_PATH}?per_page=100&page=2>; rel="last"`,
      })
      .get(FILES_PATH)
      .query({ per_page: 100, page: 2 })
      .reply(200, changedFiles({ filename: "docs/notifier.yml", status: "added" }));

    // No interceptor for contents or check runs: a call to either would fail the test.
    await expect(check(exampleOf("pull_request", "reopened"))).resolves.toBe("not-applicable");
    expect(scope.isDone()).toBe(true);
  });

  it("finds the file on a later page", async () => {
    const scope = nock(API)
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(200, changedFiles({ filename: "README.md", status: "modified" }), {
        link: `<${API}${FILES_PATH}?per_page=100&page=2>; rel="next"`,
      })
      .get(FILES_PATH)
      .query({ per_page: 100, page: 2 })
      .reply(200, changedFiles({ filename: ".github/notifier.yml", status: "modified" }))
      .get(CONTENTS_PATH)
      .query({ ref: HEAD_SHA })
      .reply(...rawFile("channel: triage\n"));
    const posted = expectCheckRun(scope);

    await expect(check(exampleOf("pull_request", "opened"))).resolves.toBe("posted");
    expect(scope.isDone()).toBe(true);
    expect(posted.body?.conclusion).toBe("success");
    expect(posted.body?.output.summary).toContain("2 routes to `triage`");
  });

  it("passes a removed file, saying which config applies instead, without reading it", async () => {
    const scope = nock(API)
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(200, changedFiles({ filename: ".github/notifier.yml", status: "removed" }));
    const posted = expectCheckRun(scope);

    await expect(check(exampleOf("pull_request", "opened"))).resolves.toBe("posted");

    expect(scope.isDone()).toBe(true);
    expect(JSON.stringify(posted.body)).not.toContain("payroll");
    expect(posted.body).toMatchInlineSnapshot(`
      {
        "conclusion": "success",
        "head_sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        "name": "notifier config",
        "output": {
          "summary": "This pull request removes \`.github/notifier.yml\`. Once merged, this repository uses \`Codertocat/.github:.github/notifier.yml\` if there is one, else the default routes.",
          "text": "### The default routes
      1. \`issues.opened\`, \`pull_request.opened\`, \`pull_request.merged\`, \`star.created\` → \`default\`
      2. \`workflow_run.failed\`, \`workflow_run.fixed\` → \`default\`, only on the default branch",
          "title": ".github/notifier.yml removed: defaults apply",
        },
        "status": "completed",
      }
    `);
  });

  it("treats a rename away from the path as a removal", async () => {
    const scope = nock(API)
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(
        200,
        changedFiles({
          filename: ".github/notifier.yml.bak",
          status: "renamed",
          previous_filename: ".github/notifier.yml",
        }),
      );
    const posted = expectCheckRun(scope);

    await expect(check(exampleOf("pull_request", "opened"))).resolves.toBe("posted");
    expect(scope.isDone()).toBe(true);
    expect(posted.body?.output.title).toBe(".github/notifier.yml removed: defaults apply");
  });

  it("checks the owner's .github repository, whose file every repository without one uses", async () => {
    const payload = exampleOf("pull_request", "opened");
    payload.repository.name = ".github";
    payload.repository.full_name = `${OWNER}/.github`;
    const scope = nock(API)
      .get(`/repos/${OWNER}/.github/pulls/2/files`)
      .query({ per_page: 100 })
      .reply(200, changedFiles({ filename: ".github/notifier.yml", status: "modified" }))
      .get(`/repos/${OWNER}/.github/contents/.github%2Fnotifier.yml`)
      .query({ ref: HEAD_SHA })
      .reply(...rawFile("channel: releases\n"));
    const posted = expectCheckRun(scope, `/repos/${OWNER}/.github/check-runs`);

    await expect(check(payload)).resolves.toBe("posted");

    expect(scope.isDone()).toBe(true);
    expect(posted.body?.conclusion).toBe("failure");
    expect(posted.body?.output.summary).toContain(
      "This is the shared config of Codertocat: every repository of Codertocat without its own `.github/notifier.yml` uses it.",
    );
    expect(posted.body?.output.annotations).toEqual([
      {
        path: ".github/notifier.yml",
        start_line: 1,
        end_line: 1,
        annotation_level: "failure",
        title: "channel",
        message: expect.stringContaining('`channel` names "releases"'),
      },
    ]);
    // Channels reserved for other owners are never listed to this one.
    expect(JSON.stringify(posted.body)).not.toContain("payroll");
  });

  it("ignores other events and actions without calling GitHub", async () => {
    await expect(check(exampleOf("pull_request", "closed"))).resolves.toBe("not-applicable");
    await expect(check(exampleOf("pull_request", "opened"), "pull_request_review")).resolves.toBe(
      "not-applicable",
    );
    await expect(check(exampleOf("issues", "opened"), "issues")).resolves.toBe("not-applicable");
    await expect(check(null)).resolves.toBe("not-applicable");
  });

  it("throws an error naming the permission when GitHub refuses the check run", async () => {
    const scope = nock(API)
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(200, changedFiles({ filename: ".github/notifier.yml", status: "removed" }))
      .post(CHECK_RUNS_PATH)
      .reply(403, { message: "Resource not accessible by integration" });

    await expect(
      check(exampleOf("pull_request", "opened")),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[ConfigCheckError: cannot post the config check run on Codertocat/Hello-World#2 (HTTP 403: Resource not accessible by integration); the App needs the permission "Checks: write"]`,
    );
    expect(scope.isDone()).toBe(true);
  });

  it("throws when GitHub cannot list the files, so the worker retries", async () => {
    const scope = nock(API).get(FILES_PATH).query({ per_page: 100 }).reply(502, "Bad Gateway");

    await expect(check(exampleOf("pull_request", "opened"))).rejects.toMatchObject({
      name: "ConfigCheckError",
      status: 502,
    });
    expect(scope.isDone()).toBe(true);
  });

  it("throws when the file cannot be read for a reason other than its absence", async () => {
    const scope = nock(API)
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(200, changedFiles({ filename: ".github/notifier.yml", status: "modified" }))
      .get(CONTENTS_PATH)
      .query({ ref: HEAD_SHA })
      .reply(500, { message: "Server Error" });

    await expect(check(exampleOf("pull_request", "opened"))).rejects.toThrow(
      /^cannot read \.github\/notifier\.yml at ec26c3e of Codertocat\/Hello-World#2 \(HTTP 500/,
    );
    expect(scope.isDone()).toBe(true);
  });
});

describe("createConfigChecker", () => {
  it("authenticates as the delivery's installation only for pull requests it checks", async () => {
    const installations: number[] = [];
    const checkChange = createConfigChecker({
      auth: async (installationId) => {
        installations.push(installationId);
        return octokit;
      },
      knownChannels: CHANNELS,
      mayUse,
      log,
    });
    const scope = nock(API)
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(200, changedFiles({ filename: "README.md", status: "modified" }));

    const opened = exampleOf("pull_request", "opened");
    await expect(
      checkChange({ installationId: null, eventName: "pull_request", payload: opened }),
    ).resolves.toBe("not-applicable");
    await expect(
      checkChange({
        installationId: 7,
        eventName: "issues",
        payload: exampleOf("issues", "opened"),
      }),
    ).resolves.toBe("not-applicable");
    await expect(
      checkChange({ installationId: 7, eventName: "pull_request", payload: opened }),
    ).resolves.toBe("not-applicable");

    expect(installations).toEqual([7]);
    expect(scope.isDone()).toBe(true);
  });
});

describe("createConfigCheckStep", () => {
  const warned: string[] = [];
  const step = createConfigCheckStep({
    auth: async () => octokit,
    knownChannels: CHANNELS,
    mayUse,
    log: { ...log, warn: (_fields: object, message: string) => warned.push(message) },
  });
  const opened = exampleOf("pull_request", "opened");
  const delivery = { installationId: 7, eventName: "pull_request", payload: opened };

  it("lets the notification go when GitHub will never accept the check (no permission)", async () => {
    warned.length = 0;
    const scope = nock(API)
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(403, { message: "Resource not accessible by integration" });
    await expect(step(delivery)).resolves.toBe("not-applicable");
    expect(warned).toEqual(["config check on the pull request could not be posted"]);
    expect(scope.isDone()).toBe(true);
  });

  it("throws on a failure that may clear (5xx, 429), so the delivery is retried with its check", async () => {
    for (const status of [502, 429]) {
      warned.length = 0;
      const scope = nock(API)
        .get(FILES_PATH)
        .query({ per_page: 100 })
        .reply(status, { message: "try later" });
      await expect(step(delivery)).rejects.toThrow(`HTTP ${status}`);
      expect(warned).toEqual([]);
      expect(scope.isDone()).toBe(true);
    }
  });
});

describe("postConfigCheckRun: GitHub's limits", () => {
  const CHECK_RUN_ID = 4_017;
  const target = {
    owner: OWNER,
    repo: REPO,
    headSha: HEAD_SHA,
    baseBranch: "master",
    defaultBranch: "master",
  };

  /** Mocks the create and `updates` updates, recording every body GitHub receives. */
  function expectCreateAndUpdates(updates: number) {
    const sent: { created: CheckRunBody | null; updated: CheckRunUpdate[] } = {
      created: null,
      updated: [],
    };
    const scope = nock(API, { reqheaders: { authorization: "token ghs_installation_token" } })
      .post(CHECK_RUNS_PATH, (body: CheckRunBody) => {
        sent.created = body;
        return true;
      })
      .reply(201, { id: CHECK_RUN_ID, status: "completed" });
    if (updates > 0) {
      scope
        .patch(`${CHECK_RUNS_PATH}/${CHECK_RUN_ID}`, (body: CheckRunUpdate) => {
          sent.updated.push(body);
          return true;
        })
        .times(updates)
        .reply(200, { id: CHECK_RUN_ID, status: "completed" });
    }
    return { scope, sent };
  }

  /** `count` errors with `pathChars`-long key paths quoting `valueChars`-long values. */
  function errors(params: { count: number; pathChars: number; valueChars: number }): ConfigError[] {
    return Array.from({ length: params.count }, (_, index) => ({
      source: ".github/notifier.yml",
      line: index + 1,
      path: `routes[${index}].${"x".repeat(params.pathChars)}`,
      message: `is not a valid pattern: "${"(a+)+".repeat(params.valueChars / 5)}"`,
    }));
  }

  it("sends 120 errors as 1 create and 2 updates carrying 50 + 50 + 20 annotations", async () => {
    const { scope, sent } = expectCreateAndUpdates(2);
    const run = buildConfigCheckRun({
      target,
      result: { kind: "invalid", errors: errors({ count: 120, pathChars: 10, valueChars: 20 }) },
    });

    await postConfigCheckRun({
      octokit,
      owner: OWNER,
      repo: REPO,
      run,
      where: "Codertocat/Hello-World#2",
    });

    expect(scope.isDone()).toBe(true);
    expect(sent.created?.output.annotations).toHaveLength(50);
    expect(sent.updated.map((update) => update.output.annotations.length)).toEqual([50, 20]);
    const lines = [sent.created, ...sent.updated].flatMap(
      (body) => body?.output.annotations?.map((annotation) => annotation.start_line) ?? [],
    );
    expect(lines).toEqual(Array.from({ length: 120 }, (_, index) => index + 1));
    for (const update of sent.updated) {
      expect(update.output.title).toBe("120 errors in .github/notifier.yml");
      expect(update.output.summary).toBe(sent.created?.output.summary);
    }
  });

  it("keeps titles within 255 and messages, summaries and texts within 65,535 for 1,000-character paths and 1 MB values", async () => {
    const { scope, sent } = expectCreateAndUpdates(2);
    const run = buildConfigCheckRun({
      target,
      result: {
        kind: "invalid",
        errors: errors({ count: 120, pathChars: 1_000, valueChars: 1_000_000 }),
      },
    });

    await postConfigCheckRun({
      octokit,
      owner: OWNER,
      repo: REPO,
      run,
      where: "Codertocat/Hello-World#2",
    });

    expect(scope.isDone()).toBe(true);
    const outputs = [sent.created?.output, ...sent.updated.map((update) => update.output)];
    expect(outputs).toHaveLength(3);
    for (const output of outputs) {
      expect(output?.summary.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
      expect(output?.title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
      for (const annotation of output?.annotations ?? []) {
        expect(annotation.title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
        expect(annotation.message.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
      }
    }
    expect(sent.created?.output.text.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
  });

  it("names the annotations it could not add when an update fails", async () => {
    const scope = nock(API)
      .post(CHECK_RUNS_PATH)
      .reply(201, { id: CHECK_RUN_ID })
      .patch(`${CHECK_RUNS_PATH}/${CHECK_RUN_ID}`)
      .reply(502, "Bad Gateway");
    const run = buildConfigCheckRun({
      target,
      result: { kind: "invalid", errors: errors({ count: 70, pathChars: 5, valueChars: 5 }) },
    });

    await expect(
      postConfigCheckRun({
        octokit,
        owner: OWNER,
        repo: REPO,
        run,
        where: "Codertocat/Hello-World#2",
      }),
    ).rejects.toThrow(
      /^cannot add annotations 51–70 to the config check run on Codertocat\/Hello-World#2 \(HTTP 502/,
    );
    expect(scope.isDone()).toBe(true);
  });

  it("checks a pull request whose file has more errors than one request takes, with updates", async () => {
    const routes = Array.from({ length: 120 }, () => "  - on: [issues.nope]\n").join("");
    const scope = nock(API)
      .get(FILES_PATH)
      .query({ per_page: 100 })
      .reply(200, changedFiles({ filename: ".github/notifier.yml", status: "modified" }))
      .get(CONTENTS_PATH)
      .query({ ref: HEAD_SHA })
      .reply(...rawFile(`routes:\n${routes}`));
    const { scope: checks, sent } = expectCreateAndUpdates(2);

    await expect(check(exampleOf("pull_request", "opened"))).resolves.toBe("posted");

    expect(scope.isDone() && checks.isDone()).toBe(true);
    const annotated = [sent.created, ...sent.updated].flatMap(
      (body) => body?.output.annotations ?? [],
    );
    // Validation lists a bounded number of errors; every one it lists is annotated.
    const listed = sent.created?.output.text.split("\n").filter((line) => line.startsWith("- "));
    expect(annotated).toHaveLength(listed?.length ?? -1);
    expect(sent.created?.output.annotations).toHaveLength(50);
  });
});
