import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";
import { normalize } from "../../src/normalize/normalize.js";
import { exampleOf } from "../helpers/examples.js";
import { exampleCases } from "./notified-examples.js";

const notified = exampleCases().filter((example) => example.expected != null);

function itemOf(event: string, payload: unknown): ActivityEvent["item"] {
  const normalized = normalize(event, payload);
  if (normalized === null) throw new Error(`${event} is not notified`);
  return normalized.item;
}

/** A pull request example with its pull request changed. */
function pullRequestWith(change: Record<string, unknown>, action: "opened" | "closed" = "opened") {
  const payload = exampleOf("pull_request", action);
  return { ...payload, pull_request: { ...payload.pull_request, ...change } };
}

/** A submitted review whose pull request is changed. */
function reviewWith(change: Record<string, unknown>, state = "approved") {
  const payload = exampleOf("pull_request_review", "submitted");
  return {
    ...payload,
    review: { ...payload.review, state },
    pull_request: { ...payload.pull_request, ...change },
  };
}

describe("item snapshot over every notified example", () => {
  it.each(notified)(
    "$name: an item exactly for issues, pull requests, reviews and their comments",
    (example) => {
      const event = normalize(example.event, example.payload);
      const hasItem = [
        "issues",
        "pull_request",
        "pull_request_review",
        "issue_comment",
        "pull_request_review_comment",
      ].includes(example.event);
      expect(event?.item === null).toBe(!hasItem);
      if (event?.item) {
        expect(event.item.number).toBe(event.number);
        expect(event.item.title).toBe(event.title);
        // Every issue comment example is on an issue.
        expect(event.item.type).toBe(
          example.event === "issues" || example.event === "issue_comment"
            ? "issue"
            : "pull_request",
        );
      }
    },
  );
});

describe("item snapshot of a pull request", () => {
  it("pull_request.review_requested, in full", () => {
    expect(itemOf("pull_request", exampleOf("pull_request", "review_requested")))
      .toMatchInlineSnapshot(`
      {
        "assignees": [
          "Codertocat",
        ],
        "author": "Codertocat",
        "labels": [
          "bug",
        ],
        "number": 2,
        "requestedReviewers": [
          "octocat",
        ],
        "requestedTeams": [],
        "state": "open",
        "title": "Update the README with new information.",
        "type": "pull_request",
        "url": "https://github.com/Codertocat/Hello-World/pull/2",
      }
    `);
  });

  it("a review's item is the pull request, linked to the pull request, not the review", () => {
    const event = normalize("pull_request_review", exampleOf("pull_request_review", "submitted"));
    expect(event?.url).toContain("#pullrequestreview-");
    expect(event?.item).toMatchObject({
      type: "pull_request",
      number: 2,
      url: "https://github.com/Codertocat/Hello-World/pull/2",
      author: "Codertocat",
      state: "open",
    });
  });

  it.each([
    ["an open pull request", pullRequestWith({}), "open"],
    ["a draft", pullRequestWith({ draft: true }), "draft"],
    ["a draft flag that is not exactly true", pullRequestWith({ draft: "true" }), "open"],
    ["a merged pull request", pullRequestWith({ merged: true }, "closed"), "merged"],
    ["a pull request closed unmerged", pullRequestWith({ merged: false }, "closed"), "closed"],
  ])("%s is %s", (_, payload, state) => {
    expect(itemOf("pull_request", payload)?.state).toBe(state);
  });

  it("the kind decides the state where it says it: merged, closed, reopened", () => {
    // A reopened pull request's payload may still carry the old closed_at; reopened is open.
    const reopened = {
      ...exampleOf("pull_request", "reopened"),
    };
    reopened.pull_request = { ...reopened.pull_request, state: "closed" as "open" };
    expect(itemOf("pull_request", reopened)?.state).toBe("open");
    const draftReopened = { ...reopened, pull_request: { ...reopened.pull_request, draft: true } };
    expect(itemOf("pull_request", draftReopened)?.state).toBe("draft");
    const merged = pullRequestWith({ merged: true, state: "open" }, "closed");
    expect(itemOf("pull_request", merged)?.state).toBe("merged");
    const labeledWhileMerged = {
      ...exampleOf("pull_request", "labeled"),
    };
    labeledWhileMerged.pull_request = {
      ...labeledWhileMerged.pull_request,
      state: "closed",
      merged: true,
    } as typeof labeledWhileMerged.pull_request;
    expect(itemOf("pull_request", labeledWhileMerged)?.state).toBe("merged");
  });

  it.each([
    [
      "on a merged pull request (merged_at, no merged flag)",
      { merged_at: "2019-05-15T15:20:33Z", state: "closed" },
      "merged",
    ],
    ["on a closed one", { state: "closed", merged_at: null }, "closed"],
    ["on a draft", { draft: true }, "draft"],
    ["on an open one", {}, "open"],
  ])("a review %s sees it %s", (_, change, state) => {
    expect(itemOf("pull_request_review", reviewWith(change))?.state).toBe(state);
  });

  it("reads requested users and teams, teams listed among reviewers too", () => {
    const payload = pullRequestWith({
      requested_reviewers: [
        { login: "hubot" },
        { name: "Justice League", slug: "justice-league" },
        { login: "hubot" },
        { slug: "docs" },
      ],
      requested_teams: [{ name: "Security" }, { name: "" }, {}],
    });
    expect(itemOf("pull_request", payload)).toMatchObject({
      requestedReviewers: ["hubot"],
      requestedTeams: ["Security", "Justice League", "docs"],
    });
  });
});

describe("item snapshot of an issue", () => {
  it("issues.closed is closed, issues.reopened open, whatever the payload's state", () => {
    const closed = { ...exampleOf("issues", "reopened"), action: "closed" };
    expect(closed.issue.state).toBe("open");
    expect(itemOf("issues", closed)?.state).toBe("closed");
    const reopened = exampleOf("issues", "reopened");
    (reopened.issue as { state: string }).state = "closed";
    expect(itemOf("issues", reopened)?.state).toBe("open");
    const labeledClosed = exampleOf("issues", "labeled");
    (labeledClosed.issue as { state: string }).state = "closed";
    expect(itemOf("issues", labeledClosed)?.state).toBe("closed");
  });

  it("an issue has no reviewers, whatever the payload says", () => {
    const payload = exampleOf("issues", "opened");
    Object.assign(payload.issue, { requested_reviewers: [{ login: "hubot" }] });
    expect(itemOf("issues", payload)).toMatchObject({ requestedReviewers: [], requestedTeams: [] });
  });
});

describe("item snapshot of a hostile payload", () => {
  it("has no item without a usable number, so nothing threads on it", () => {
    expect(itemOf("pull_request", pullRequestWith({ number: "2" }))).toBeNull();
    const issue = exampleOf("issues", "opened");
    (issue.issue as { number: number }).number = -1;
    expect(itemOf("issues", issue)).toBeNull();
  });

  it.each([
    ["a string", "octocat"],
    ["an object", { login: "octocat" }],
    ["null", null],
    ["numbers", [1, 2]],
    ["entries of the wrong type", [null, "octocat", ["x"], { login: 5 }, { login: " " }]],
  ])("reviewers, teams and assignees that are %s are skipped without a crash", (_, value) => {
    const payload = pullRequestWith({
      requested_reviewers: value,
      requested_teams: value,
      assignees: value,
      labels: value,
      // A user that is a bare login, not an object: no author.
      user: "octocat",
    });
    expect(itemOf("pull_request", payload)).toMatchObject({
      author: null,
      labels: [],
      requestedReviewers: [],
      requestedTeams: [],
      assignees: [],
    });
  });

  it("caps each list and drops absurdly long names", () => {
    const many = Array.from({ length: 10_000 }, (_, index) => ({
      login: `user${index}`,
      name: `t${index}`,
    }));
    const payload = pullRequestWith({
      requested_reviewers: [{ login: "x".repeat(101) }, ...many],
      requested_teams: many,
      assignees: many,
      labels: [{ name: "y".repeat(5000) }, ...many],
      user: { login: "z".repeat(101) },
    });
    const item = itemOf("pull_request", payload);
    expect(item?.requestedReviewers).toHaveLength(50);
    expect(item?.requestedReviewers[0]).toBe("user0");
    expect(item?.requestedTeams).toHaveLength(50);
    expect(item?.assignees).toHaveLength(50);
    expect(item?.labels).toHaveLength(50);
    expect(item?.labels[0]).toBe("t0");
    expect(item?.author).toBeNull();
  });
});

describe("item snapshot of a pull request an issue comment is on", () => {
  /** The issue comment example, on a pull request whose issue has `change`. */
  function commentOnPullRequest(change: Record<string, unknown>) {
    const payload = exampleOf("issue_comment", "created");
    return {
      ...payload,
      issue: { ...payload.issue, pull_request: { merged_at: null }, ...change },
    };
  }

  it("is the pull request's, with no reviewers the payload cannot list", () => {
    expect(itemOf("issue_comment", commentOnPullRequest({}))).toMatchInlineSnapshot(`
      {
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
        "type": "pull_request",
        "url": "https://github.com/Codertocat/Hello-World/issues/1",
      }
    `);
  });

  it.each([
    [{ state: "open" }, "open"],
    [{ state: "open", draft: true }, "draft"],
    [{ state: "open", draft: "true" }, "open"],
    [{ state: "closed" }, "closed"],
    [{ state: "closed", pull_request: { merged_at: "2019-05-15T15:20:33Z" } }, "merged"],
    [{ state: "closed", pull_request: { merged_at: "" } }, "closed"],
  ])("issue %j is a %s pull request", (change, state) => {
    expect(itemOf("issue_comment", commentOnPullRequest(change))?.state).toBe(state);
  });

  it("a review comment's pull request is read as a pull request payload's", () => {
    const payload = exampleOf("pull_request_review_comment", "created");
    const item = itemOf("pull_request_review_comment", {
      ...payload,
      pull_request: {
        ...payload.pull_request,
        requested_reviewers: [{ login: "octocat" }],
        merged_at: "2019-05-15T15:20:33Z",
      },
    });
    expect(item).toMatchObject({
      type: "pull_request",
      number: 2,
      state: "merged",
      url: "https://github.com/Codertocat/Hello-World/pull/2",
      requestedReviewers: ["octocat"],
    });
  });
});
