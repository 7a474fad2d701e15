import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";
import { MalformedPayloadError, normalize } from "../../src/normalize/normalize.js";
import { exampleOf } from "../helpers/examples.js";
import { exampleCases, type ExampleCase } from "./notified-examples.js";

/** Payload field at a dotted path, for comparing the normalised event with its source. */
function at(payload: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | null)?.[key], payload);
}

const cases = exampleCases();
const notified = cases.filter((example) => example.expected !== null);

describe("normalize over every covered example payload", () => {
  it("has an expected kind for every example's action", () => {
    const unlisted = cases.filter((example) => example.expected === undefined);
    expect(unlisted.map((example) => example.name)).toEqual([]);
    // The table covers all eighteen families and both outcomes.
    expect(new Set(cases.map((example) => example.event)).size).toBe(18);
    expect(notified.length).toBeGreaterThan(20);
    expect(cases.length - notified.length).toBeGreaterThan(20);
  });

  it.each(cases)("$name -> $expected", ({ event, payload, expected }) => {
    expect(normalize(event, payload)?.kind ?? null).toBe(expected);
  });

  it.each(notified)("$name: repository and actor come from the payload", ({ event, payload }) => {
    const result = normalize(event, payload);
    expect(result?.repository).toEqual({
      fullName: at(payload, "repository.full_name"),
      owner: at(payload, "repository.owner.login"),
      name: at(payload, "repository.name"),
      url: at(payload, "repository.html_url"),
      private: at(payload, "repository.private"),
      defaultBranch: at(payload, "repository.default_branch"),
      stars: at(payload, "repository.stargazers_count"),
    });
    expect(result?.actor).toEqual({
      login: at(payload, "sender.login"),
      url: at(payload, "sender.html_url"),
      isBot: at(payload, "sender.type") === "Bot",
    });
  });

  it.each(notified)("$name: title, number, link and body", (example) => {
    const result = normalize(example.event, example.payload);
    expect(result).not.toBeNull();
    expect(pick(result as ActivityEvent)).toEqual(expectedItem(example));
  });
});

function pick(event: ActivityEvent) {
  const { title, number, url, labels, draft, baseBranch, headBranch, body } = event;
  return { title, number, url, labels, draft, baseBranch, headBranch, body };
}

/** What the example's own fields say the event must carry, family by family. */
function expectedItem({ event, payload }: ExampleCase): ReturnType<typeof pick> {
  const none = { title: null, number: null, labels: [], draft: false, body: null };
  const branches = { baseBranch: null, headBranch: null };
  const labelNames = (path: string) =>
    (at(payload, path) as { name: string }[] | undefined)?.map((label) => label.name) ?? [];
  const text = (path: string) => (at(payload, path) as string | null | undefined) || null;
  const pullRequest = {
    title: at(payload, "pull_request.title"),
    number: at(payload, "pull_request.number"),
    labels: labelNames("pull_request.labels"),
    draft: at(payload, "pull_request.draft") === true,
    baseBranch: at(payload, "pull_request.base.ref"),
    headBranch: at(payload, "pull_request.head.ref"),
  } as const;
  switch (event) {
    case "issues":
      return {
        ...branches,
        title: at(payload, "issue.title") as string,
        number: at(payload, "issue.number") as number,
        url: at(payload, "issue.html_url") as string,
        labels: labelNames("issue.labels"),
        draft: false,
        body: (at(payload, "issue.body") as string | null) || null,
      };
    case "pull_request":
      return {
        ...(pullRequest as Omit<ReturnType<typeof pick>, "url" | "body">),
        url: at(payload, "pull_request.html_url") as string,
        body: (at(payload, "pull_request.body") as string | null) || null,
      };
    case "pull_request_review":
      return {
        ...(pullRequest as Omit<ReturnType<typeof pick>, "url" | "body">),
        url: at(payload, "review.html_url") as string,
        body: (at(payload, "review.body") as string | null) || null,
      };
    case "star":
    case "watch":
      return { ...none, ...branches, url: at(payload, "repository.html_url") as string };
    case "fork":
      return { ...none, ...branches, url: at(payload, "forkee.html_url") as string };
    case "release":
      return {
        ...none,
        ...branches,
        // The examples' releases are unnamed: the tag stands in for the title.
        title: ((at(payload, "release.name") as string | null) ||
          at(payload, "release.tag_name")) as string,
        url: at(payload, "release.html_url") as string,
      };
    case "workflow_run":
      return {
        ...none,
        ...branches,
        // Two examples' runs are unnamed: the workflow's name stands in.
        title: text("workflow_run.name") ?? text("workflow.name"),
        url: at(payload, "workflow_run.html_url") as string,
        headBranch: text("workflow_run.head_branch"),
      };
    case "check_suite":
      return {
        ...none,
        ...branches,
        url: `${at(payload, "repository.html_url") as string}/commit/${at(payload, "check_suite.head_sha") as string}/checks`,
        headBranch: text("check_suite.head_branch"),
      };
    case "deployment_status":
      return {
        ...none,
        ...branches,
        url:
          text("deployment_status.target_url") ??
          text("deployment_status.environment_url") ??
          `${at(payload, "repository.html_url") as string}/deployments`,
        body: text("deployment_status.description"),
      };
    case "issue_comment":
      return {
        ...branches,
        title: at(payload, "issue.title") as string,
        number: at(payload, "issue.number") as number,
        url: at(payload, "comment.html_url") as string,
        labels: labelNames("issue.labels"),
        draft: false,
        body: text("comment.body"),
      };
    case "pull_request_review_comment":
      return {
        ...(pullRequest as Omit<ReturnType<typeof pick>, "url" | "body">),
        url: at(payload, "comment.html_url") as string,
        body: text("comment.body"),
      };
    case "discussion":
    case "discussion_comment": {
      const answered = at(payload, "action") === "answered";
      const from = event === "discussion_comment" ? "comment" : answered ? "answer" : "discussion";
      return {
        ...branches,
        title: at(payload, "discussion.title") as string,
        number: at(payload, "discussion.number") as number,
        url: at(payload, `${from}.html_url`) as string,
        labels: labelNames("discussion.labels"),
        draft: false,
        body: text(`${from}.body`),
      };
    }
    case "push":
      return {
        ...none,
        ...branches,
        url: at(payload, "compare") as string,
        headBranch: at(payload, "repository.default_branch") as string,
      };
    case "dependabot_alert":
    case "code_scanning_alert":
    case "secret_scanning_alert":
      return {
        ...none,
        ...branches,
        title:
          event === "dependabot_alert"
            ? text("alert.security_advisory.summary")
            : event === "code_scanning_alert"
              ? text("alert.rule.description")
              : text("alert.secret_type_display_name"),
        number: at(payload, "alert.number") as number,
        url: at(payload, "alert.html_url") as string,
      };
  }
}

describe("normalize: kinds that depend on more than the action", () => {
  it("a closed pull request with merged=true is pull_request.merged", () => {
    const payload = exampleOf("pull_request", "closed");
    payload.pull_request.merged = true;
    expect(normalize("pull_request", payload)?.kind).toBe("pull_request.merged");
    payload.pull_request.merged = false;
    expect(normalize("pull_request", payload)?.kind).toBe("pull_request.closed");
    (payload.pull_request as { merged: boolean | null }).merged = null;
    expect(normalize("pull_request", payload)?.kind).toBe("pull_request.closed");
  });

  it.each([
    ["approved", "pull_request_review.approved"],
    ["changes_requested", "pull_request_review.changes_requested"],
    ["commented", "pull_request_review.commented"],
    ["APPROVED", "pull_request_review.approved"],
    ["dismissed", null],
    ["pending", null],
    ["constructor", null],
  ] as const)("a submitted review in state %s -> %s", (state, kind) => {
    const payload = exampleOf("pull_request_review", "submitted");
    (payload.review as { state: string }).state = state;
    expect(normalize("pull_request_review", payload)?.kind ?? null).toBe(kind);
  });

  it.each([
    ["push", exampleOf("push")],
    ["issue_comment", exampleOf("issue_comment", "deleted")],
    ["ping", exampleOf("ping")],
    ["push", { ...exampleOf("push"), ref: "refs/heads/feature", deleted: false }],
    ["no_such_event", "not an object"],
  ])("%s is not a notified event", (event, payload) => {
    expect(normalize(event, payload)).toBeNull();
  });
});

describe("normalize: kind-specific detail", () => {
  it("issues.opened, in full", () => {
    expect(normalize("issues", exampleOf("issues", "opened"))).toMatchInlineSnapshot(`
      {
        "actor": {
          "isBot": false,
          "login": "Codertocat",
          "url": "https://github.com/Codertocat",
        },
        "baseBranch": null,
        "body": "It looks like you accidently spelled 'commit' with two 't's.",
        "detail": {},
        "draft": false,
        "headBranch": null,
        "item": {
          "assignees": [
            "Codertocat",
          ],
          "author": "Codertocat",
          "labels": [
            "bug",
          ],
          "number": 1,
          "requestedReviewers": [],
          "requestedTeams": [],
          "state": "open",
          "title": "Spelling error in the README file",
          "type": "issue",
          "url": "https://github.com/Codertocat/Hello-World/issues/1",
        },
        "kind": "issues.opened",
        "labels": [
          "bug",
        ],
        "number": 1,
        "repository": {
          "defaultBranch": "master",
          "fullName": "Codertocat/Hello-World",
          "name": "Hello-World",
          "owner": "Codertocat",
          "private": false,
          "stars": 0,
          "url": "https://github.com/Codertocat/Hello-World",
        },
        "title": "Spelling error in the README file",
        "url": "https://github.com/Codertocat/Hello-World/issues/1",
      }
    `);
  });

  it("issues.labeled names the label added", () => {
    const payload = exampleOf("issues", "labeled");
    expect(normalize("issues", payload)?.detail).toEqual({ label: payload.label?.name });
    expect(payload.label?.name).toBe("bug");
  });

  it("issues.assigned names the assignee", () => {
    const payload = exampleOf("issues", "assigned");
    expect(normalize("issues", payload)?.detail).toEqual({ assignee: "Codertocat" });
  });

  it("issues.closed carries the state reason when GitHub sends one", () => {
    // The examples have no closed issue: close a reopened one.
    const payload = { ...exampleOf("issues", "reopened"), action: "closed" };
    expect(normalize("issues", payload)?.kind).toBe("issues.closed");
    expect(normalize("issues", payload)?.detail).toEqual({});
    (payload.issue as { state_reason: string }).state_reason = "not_planned";
    expect(normalize("issues", payload)?.detail).toEqual({ stateReason: "not_planned" });
  });

  it("pull_request.review_requested names the reviewer, user or team, and says which", () => {
    const payload = exampleOf("pull_request", "review_requested");
    expect(normalize("pull_request", payload)?.detail).toEqual({
      requestedReviewer: "octocat",
      requestedReviewerIsTeam: false,
    });
    const forTeam = { ...payload, requested_reviewer: undefined, requested_team: { name: "Docs" } };
    expect(normalize("pull_request", forTeam)?.detail).toEqual({
      requestedReviewer: "Docs",
      requestedReviewerIsTeam: true,
    });
    const bySlug = { ...forTeam, requested_team: { name: 7, slug: "docs-team" } };
    expect(normalize("pull_request", bySlug)?.detail).toEqual({
      requestedReviewer: "docs-team",
      requestedReviewerIsTeam: true,
    });
    const neither = { ...forTeam, requested_team: "Docs" };
    expect(normalize("pull_request", neither)?.detail).toEqual({});
  });

  it("pull_request.labeled names the label added", () => {
    const payload = exampleOf("pull_request", "labeled");
    expect(payload.label?.name).toBe("bug");
    expect(normalize("pull_request", payload)?.detail).toEqual({ label: "bug" });
    const unnamed = { ...payload, label: { name: ["bug"] } };
    expect(normalize("pull_request", unnamed)?.detail).toEqual({});
  });

  it("pull_request.assigned names the assignee", () => {
    const payload = exampleOf("pull_request", "assigned");
    expect(normalize("pull_request", payload)?.kind).toBe("pull_request.assigned");
    expect(normalize("pull_request", payload)?.detail).toEqual({ assignee: "Codertocat" });
    expect(normalize("pull_request", { ...payload, assignee: null })?.detail).toEqual({});
  });

  it("fork names the new fork", () => {
    const payload = exampleOf("fork");
    expect(normalize("fork", payload)?.detail).toEqual({
      forkFullName: "Octocoders/Hello-World",
      forkUrl: "https://github.com/Octocoders/Hello-World",
    });
  });

  it("release.published carries tag and pre-release flag, and prefers the release name", () => {
    const payload = exampleOf("release", "published");
    payload.release.name = "Winter release";
    payload.release.prerelease = true;
    const result = normalize("release", payload);
    expect(result?.title).toBe("Winter release");
    expect(result?.detail).toEqual({ tagName: "0.0.1", prerelease: true });
  });

  it("star.created carries the star count", () => {
    const payload = exampleOf("star", "created");
    payload.repository.stargazers_count = 1204;
    expect(normalize("star", payload)?.repository.stars).toBe(1204);
  });

  it.each([
    [{ login: "dependabot[bot]", type: "Bot" }, true],
    [{ login: "renovate[bot]", type: "User" }, true],
    [{ login: "my-app", type: "Bot" }, true],
    [{ login: "octocat", type: "User" }, false],
    [{ login: "octocat" }, false],
  ])("sender %j is a bot: %s", (sender, isBot) => {
    const payload = { ...exampleOf("issues", "opened"), sender };
    expect(normalize("issues", payload)?.actor.isBot).toBe(isBot);
  });
});

describe("normalize: untrusted payloads", () => {
  it.each([
    ["issues", "opened", "repository", "issues.opened payload has no repository"],
    ["issues", "opened", "sender", "issues.opened payload has no sender"],
    ["issues", "opened", "issue", "issues.opened payload has no issue"],
    ["issues", "reopened", "issue", "issues.reopened payload has no issue"],
    ["issues", "opened", "action", "issues payload has no action"],
    ["pull_request", "closed", "pull_request", "pull_request.closed payload has no pull_request"],
    ["pull_request", "opened", "pull_request", "pull_request.opened payload has no pull_request"],
    [
      "pull_request_review",
      "submitted",
      "review",
      "pull_request_review.submitted payload has no review",
    ],
    [
      "pull_request_review",
      "submitted",
      "pull_request",
      "pull_request_review.submitted payload has no pull_request",
    ],
    ["star", "created", "repository", "star.created payload has no repository"],
    ["watch", "started", "sender", "watch.started payload has no sender"],
    ["release", "published", "release", "release.published payload has no release"],
    ["fork", undefined, "forkee", "fork payload has no forkee"],
  ] as const)("%s.%s without %s: %s", (event, action, field, message) => {
    const payload: Record<string, unknown> = { ...exampleOf(event, action as never) };
    delete payload[field];
    expect(() => normalize(event, payload)).toThrow(MalformedPayloadError);
    expect(() => normalize(event, payload)).toThrow(message);
  });

  it.each([
    [
      "a null sender login",
      { sender: { login: null } },
      "issues.opened payload has no sender.login",
    ],
    [
      "an empty sender login",
      { sender: { login: " " } },
      "issues.opened payload has no sender.login",
    ],
    [
      "a repository that is a string",
      { repository: "acme/api" },
      "issues.opened payload has no repository",
    ],
    [
      "a repository without any name",
      { repository: { id: 1 } },
      "issues.opened payload has no repository.full_name",
    ],
    ["an issue that is an array", { issue: [] }, "issues.opened payload has no issue"],
    ["a numeric action", { action: 1 }, "issues payload has no action"],
  ])("%s is malformed", (_, change, message) => {
    const payload = { ...exampleOf("issues", "opened"), ...change };
    expect(() => normalize("issues", payload)).toThrow(MalformedPayloadError);
    expect(() => normalize("issues", payload)).toThrow(message);
  });

  it.each([null, "text", 42, [], true])(
    "a covered event whose payload is %j is malformed",
    (payload) => {
      expect(() => normalize("issues", payload)).toThrow("issues payload is not a JSON object");
      expect(() => normalize("fork", payload)).toThrow("fork payload is not a JSON object");
    },
  );

  it("a review without a state is malformed", () => {
    const payload = exampleOf("pull_request_review", "submitted");
    delete (payload.review as { state?: string }).state;
    expect(() => normalize("pull_request_review", payload)).toThrow(
      "pull_request_review.submitted payload has no review.state",
    );
  });

  it("builds the repository name from owner and name when full_name is missing", () => {
    const payload = exampleOf("star", "created");
    const repository: Record<string, unknown> = { ...payload.repository };
    delete repository.full_name;
    delete repository.html_url;
    const result = normalize("star", { ...payload, repository });
    expect(result?.repository.fullName).toBe("Codertocat/Hello-World");
    expect(result?.repository.url).toBe("https://github.com/Codertocat/Hello-World");
  });

  it("falls back when optional parts are missing or null", () => {
    const payload = exampleOf("pull_request", "opened");
    const pullRequest: Record<string, unknown> = { ...payload.pull_request };
    for (const field of ["labels", "html_url", "head", "base", "draft"]) delete pullRequest[field];
    Object.assign(pullRequest, { title: null, body: null, number: "7" });
    const sender = { login: "octocat" };
    const repository = { full_name: "acme/api" };
    const result = normalize("pull_request", {
      ...payload,
      pull_request: pullRequest,
      sender,
      repository,
    });
    expect(result).toMatchObject({
      title: "(untitled)",
      number: null,
      url: "https://github.com/acme/api",
      labels: [],
      draft: false,
      baseBranch: null,
      headBranch: null,
      body: null,
      actor: { login: "octocat", url: "https://github.com/octocat", isBot: false },
      repository: { fullName: "acme/api", owner: "acme", name: "api", stars: null, private: false },
    });
  });

  it("builds links from a login or tag with a lone surrogate without throwing", () => {
    const star = exampleOf("star", "created");
    const actor = normalize("star", { ...star, sender: { login: "broken \ud83d" } })?.actor;
    expect(actor?.url).toBe("https://github.com/broken%20%EF%BF%BD");
    const release = exampleOf("release", "published");
    const tagged = { ...release.release, tag_name: "v1\ude00", html_url: undefined };
    expect(normalize("release", { ...release, release: tagged })?.url).toBe(
      "https://github.com/Codertocat/Hello-World/releases/tag/v1%EF%BF%BD",
    );
  });

  it("skips labels that are not named objects", () => {
    const payload = exampleOf("issues", "opened");
    const issue = {
      ...payload.issue,
      labels: [{ name: "bug" }, "docs", null, { name: 3 }, { name: "" }],
    };
    expect(normalize("issues", { ...payload, issue })?.labels).toEqual(["bug"]);
  });

  it("keeps unicode titles whole and cuts a 100 KB title to a bounded length", () => {
    const payload = exampleOf("issues", "opened");
    payload.issue.title = "Crash on 🇯🇵 input – ünïcödé 👨‍👩‍👧";
    expect(normalize("issues", payload)?.title).toBe("Crash on 🇯🇵 input – ünïcödé 👨‍👩‍👧");
    payload.issue.title = "😀".repeat(50_000);
    const title = normalize("issues", payload)?.title ?? "";
    expect([...title]).toHaveLength(1001);
    expect(title.endsWith("😀…")).toBe(true);
  });

  it("keeps only the start of the body, without template comments", () => {
    const payload = exampleOf("pull_request", "opened");
    payload.pull_request.body = `<!-- Describe your change -->\r\nFixes #1.\r\n\r\n\r\n\r\n${"x".repeat(2000)}`;
    const body = normalize("pull_request", payload)?.body ?? "";
    expect(body.startsWith("Fixes #1.\n\nxxx")).toBe(true);
    expect([...body]).toHaveLength(501);
    expect(body.endsWith("x…")).toBe(true);
  });
});
