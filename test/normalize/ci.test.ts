import { describe, expect, it } from "vitest";
import { normalize } from "../../src/normalize/normalize.js";
import { exampleOf, untypedExamplesFor } from "../helpers/examples.js";

/** The completed run example naming pull request #2, with `run` changed. */
function run(change: Record<string, unknown>): Record<string, unknown> {
  const payload = untypedExamplesFor("workflow_run", "completed")[2]!;
  return { ...payload, workflow_run: { ...(payload.workflow_run as object), ...change } };
}

/** The first completed check suite example (from octocoders-linter), with `change`. */
function suite(change: Record<string, unknown>): Record<string, unknown> {
  const payload = exampleOf("check_suite", "completed");
  return { ...payload, check_suite: { ...payload.check_suite, ...change } };
}

describe("workflow_run", () => {
  it.each([
    ["failure", "workflow_run.failed"],
    ["timed_out", "workflow_run.failed"],
    ["startup_failure", "workflow_run.failed"],
    ["success", "workflow_run.succeeded"],
    ["cancelled", null],
    ["skipped", null],
    ["neutral", null],
    ["action_required", null],
    ["stale", null],
    [null, null],
    ["", null],
  ])("a completed run with conclusion %j -> %s", (conclusion, kind) => {
    expect(normalize("workflow_run", run({ conclusion }))?.kind ?? null).toBe(kind);
  });

  it("never says fixed: routing does, from the store", () => {
    expect(normalize("workflow_run", run({ conclusion: "success" }))?.kind).toBe(
      "workflow_run.succeeded",
    );
  });

  it("a run that is not completed is not announced, whatever its conclusion says", () => {
    expect(normalize("workflow_run", run({ status: "in_progress", conclusion: "failure" }))).toBe(
      null,
    );
    const requested = { ...run({ conclusion: "failure" }), action: "requested" };
    expect(normalize("workflow_run", requested)).toBeNull();
  });

  it("a failed run, in full: the workflow, run, conclusion, commit and pull requests", () => {
    const event = normalize("workflow_run", run({ conclusion: "failure", name: "CI" }));
    expect(event).toMatchObject({
      kind: "workflow_run.failed",
      title: "CI",
      number: null,
      url: "https://github.com/octo-org/octo-repo/actions/runs/289782451",
      baseBranch: null,
      headBranch: "master",
      body: null,
      item: null,
      actor: { login: "Codertocat" },
    });
    expect(event?.detail).toEqual({
      workflowName: "CI",
      workflowId: 2823525,
      runNumber: 163,
      runAttempt: 1,
      conclusion: "failure",
      headSha: "3484a3fb816e0859fd6e1cea078d76385ff50625",
      pullRequestNumbers: [2],
    });
  });

  it("an unnamed run takes the workflow's name", () => {
    const event = normalize("workflow_run", run({ conclusion: "failure", name: "" }));
    expect(event?.detail.workflowName).toBe("test");
    expect(event?.title).toBe("test");
  });

  it("keeps at most 20 distinct, valid pull request numbers", () => {
    const pullRequests = [
      { number: 7 },
      { number: 7 },
      { number: -1 },
      { number: "8" },
      null,
      ...Array.from({ length: 30 }, (_, index) => ({ number: 100 + index })),
    ];
    const event = normalize(
      "workflow_run",
      run({ conclusion: "failure", pull_requests: pullRequests }),
    );
    expect(event?.detail.pullRequestNumbers).toEqual([
      7,
      ...Array.from({ length: 19 }, (_, index) => 100 + index),
    ]);
  });

  it("drops a head SHA that is not one, and a workflow id, run number or attempt that is not one", () => {
    const event = normalize(
      "workflow_run",
      run({
        conclusion: "failure",
        head_sha: "<!channel>",
        workflow_id: "1",
        run_number: 0,
        run_attempt: "2",
      }),
    );
    expect(event?.detail).toEqual({
      workflowName: "test",
      conclusion: "failure",
      pullRequestNumbers: [2],
    });
  });

  it("a fork's run has no head branch: its branch name is the fork's, not this repository's", () => {
    const own = run({ conclusion: "failure" });
    const repositoryId = (own.repository as { id: number }).id;
    const headRepository = (own.workflow_run as { head_repository: object }).head_repository;
    const fromFork = run({
      conclusion: "failure",
      head_branch: "master",
      head_repository: { ...headRepository, id: repositoryId + 1 },
    });
    expect(normalize("workflow_run", own)?.headBranch).toBe("master");
    const event = normalize("workflow_run", fromFork);
    expect(event?.kind).toBe("workflow_run.failed");
    expect(event?.headBranch).toBeNull();
    // A run without a head repository, or the same one, keeps its branch.
    expect(
      normalize("workflow_run", run({ conclusion: "failure", head_repository: null }))?.headBranch,
    ).toBe("master");
  });

  it("without workflow_run is malformed", () => {
    const payload: Record<string, unknown> = { ...run({}) };
    delete payload.workflow_run;
    expect(() => normalize("workflow_run", payload)).toThrow(
      "workflow_run.completed payload has no workflow_run",
    );
  });
});

describe("check_suite", () => {
  it.each([
    ["failure", "check_suite.failed"],
    ["timed_out", "check_suite.failed"],
    ["startup_failure", "check_suite.failed"],
    ["action_required", null],
    ["success", null],
    ["cancelled", null],
    ["neutral", null],
    [null, null],
  ])("a completed suite with conclusion %j -> %s", (conclusion, kind) => {
    expect(normalize("check_suite", suite({ conclusion }))?.kind ?? null).toBe(kind);
  });

  it("GitHub Actions' own failed suites are left to workflow_run", () => {
    const payload = suite({ conclusion: "failure" });
    const actions = untypedExamplesFor("check_suite", "completed")[1]!;
    expect((actions.check_suite as { app: { slug: string } }).app.slug).toBe("github-actions");
    const fromActions = {
      ...actions,
      check_suite: { ...(actions.check_suite as object), conclusion: "failure" },
    };
    expect(normalize("check_suite", fromActions)).toBeNull();
    expect(normalize("check_suite", payload)?.kind).toBe("check_suite.failed");
  });

  it("a failed suite, in full: the app, commit, checks link and pull requests", () => {
    const event = normalize("check_suite", suite({ conclusion: "timed_out" }));
    expect(event).toMatchObject({
      kind: "check_suite.failed",
      title: null,
      number: null,
      url: "https://github.com/Codertocat/Hello-World/commit/ec26c3e57ca3a959ca5aad62de7213c562f8c821/checks",
      baseBranch: null,
      headBranch: "changes",
      item: null,
    });
    expect(event?.detail).toEqual({
      appName: "octocoders-linter",
      conclusion: "timed_out",
      headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      pullRequestNumbers: [2],
    });
  });

  it("a suite whose head repository is another (a fork) has no head branch", () => {
    const payload = suite({ conclusion: "failure" });
    const repositoryId = (payload.repository as { id: number }).id;
    const fromFork = suite({ conclusion: "failure", head_repository: { id: repositoryId + 1 } });
    const same = suite({ conclusion: "failure", head_repository: { id: repositoryId } });
    expect(normalize("check_suite", fromFork)?.headBranch).toBeNull();
    expect(normalize("check_suite", same)?.headBranch).toBe("changes");
    expect(normalize("check_suite", payload)?.headBranch).toBe("changes");
  });

  it("an app without a name goes by its slug; without either, by nothing; without a SHA, links the repository", () => {
    const slugOnly = suite({ conclusion: "failure", app: { slug: "linter" } });
    expect(normalize("check_suite", slugOnly)?.detail.appName).toBe("linter");
    const anonymous = suite({ conclusion: "failure", app: null, head_sha: null });
    const event = normalize("check_suite", anonymous);
    expect(event?.detail.appName).toBeUndefined();
    expect(event?.url).toBe("https://github.com/Codertocat/Hello-World");
  });
});
