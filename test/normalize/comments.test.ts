import { describe, expect, it } from "vitest";
import { normalize } from "../../src/normalize/normalize.js";
import { exampleOf } from "../helpers/examples.js";

/** The issue comment example, on a pull request (GitHub sets `issue.pull_request`). */
function onPullRequest(): Record<string, unknown> {
  const payload = exampleOf("issue_comment", "created");
  return {
    ...payload,
    issue: {
      ...payload.issue,
      html_url: "https://github.com/Codertocat/Hello-World/pull/1",
      pull_request: { html_url: "https://github.com/Codertocat/Hello-World/pull/1" },
    },
  };
}

describe("issue_comment", () => {
  it("a comment on an issue is issue_comment.created, linking the comment", () => {
    const event = normalize("issue_comment", exampleOf("issue_comment", "created"));
    expect(event).toMatchObject({
      kind: "issue_comment.created",
      title: "Spelling error in the README file",
      number: 1,
      url: "https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400",
      labels: ["bug"],
      body: "You are totally right! I'll get this fixed right away.",
      detail: {},
      item: { type: "issue", number: 1, url: "https://github.com/Codertocat/Hello-World/issues/1" },
    });
  });

  it("a comment on a pull request's conversation is pull_request.commented", () => {
    const event = normalize("issue_comment", onPullRequest());
    expect(event).toMatchObject({
      kind: "pull_request.commented",
      number: 1,
      item: { type: "pull_request", number: 1 },
    });
  });

  it.each([
    [null, "issue_comment.created"],
    ["yes", "issue_comment.created"],
    [{}, "pull_request.commented"],
  ])("issue.pull_request %j -> %s", (pullRequest, kind) => {
    const payload = exampleOf("issue_comment", "created");
    const issue = { ...payload.issue, pull_request: pullRequest };
    expect(normalize("issue_comment", { ...payload, issue })?.kind).toBe(kind);
  });

  it.each(["deleted", "edited"] as const)("a %s comment is not announced", (action) => {
    expect(normalize("issue_comment", exampleOf("issue_comment", action))).toBeNull();
  });

  it("without its link, links the item; without a body, has none", () => {
    const payload = onPullRequest();
    const event = normalize("issue_comment", {
      ...payload,
      issue: { ...(payload.issue as object), html_url: null },
      comment: { body: "  " },
    });
    expect(event?.url).toBe("https://github.com/Codertocat/Hello-World/pull/1");
    expect(event?.body).toBeNull();
  });

  it.each(["issue", "comment"])("without %s is malformed", (field) => {
    const payload: Record<string, unknown> = { ...exampleOf("issue_comment", "created") };
    delete payload[field];
    expect(() => normalize("issue_comment", payload)).toThrow(
      `issue_comment.created payload has no ${field}`,
    );
  });
});

describe("pull_request_review_comment", () => {
  it("a comment on a line of the diff: the pull request, the comment's link, text and file", () => {
    const event = normalize(
      "pull_request_review_comment",
      exampleOf("pull_request_review_comment", "created"),
    );
    expect(event).toMatchObject({
      kind: "pull_request_review_comment.created",
      title: "Update the README with new information.",
      number: 2,
      url: "https://github.com/Codertocat/Hello-World/pull/2#discussion_r284312630",
      baseBranch: "master",
      headBranch: "changes",
      body: "Maybe you should use more emoji on this line.",
      detail: { path: "README.md" },
      item: { type: "pull_request", number: 2, state: "open" },
    });
  });

  it("a path that is not text, or absurdly long, is left out", () => {
    const payload = exampleOf("pull_request_review_comment", "created");
    for (const path of [null, 5, "x".repeat(1001)]) {
      const comment = { ...payload.comment, path };
      expect(normalize("pull_request_review_comment", { ...payload, comment })?.detail).toEqual({});
    }
  });

  it.each(["pull_request", "comment"])("without %s is malformed", (field) => {
    const payload: Record<string, unknown> = {
      ...exampleOf("pull_request_review_comment", "created"),
    };
    delete payload[field];
    expect(() => normalize("pull_request_review_comment", payload)).toThrow(
      `pull_request_review_comment.created payload has no ${field}`,
    );
  });
});
