import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";
import {
  decodeItemState,
  encodeItemState,
  nextItemState,
  type ItemState,
} from "../../src/threads/item-state.js";
import { exampleEvent } from "../format/example-events.js";
import { hostileText } from "../format/hostile-text.js";
import { pullRequestLife } from "./pull-request-life.js";

/** The states after each event in turn, from none. */
function replay(events: ActivityEvent[]): (ItemState | null)[] {
  const states: (ItemState | null)[] = [];
  let state: ItemState | null = null;
  for (const event of events) {
    state = nextItemState(state, event);
    states.push(state);
  }
  return states;
}

/** What a parent shows of a state: the parts that change. */
function live(state: ItemState | null) {
  if (state === null) return null;
  const { state: shown, labels, requestedReviewers, reviews } = state;
  return { state: shown, labels, requestedReviewers, reviews };
}

/** `event` as if `login` did it. */
function by(event: ActivityEvent, login: string): ActivityEvent {
  return { ...event, actor: { ...event.actor, login } };
}

describe("nextItemState over a pull request's life", () => {
  it("opened -> review requested -> approved -> labeled -> merged", () => {
    const life = pullRequestLife();
    const states = replay([
      life.opened,
      life.reviewRequested,
      life.approved,
      life.labeled,
      life.merged,
    ]);
    expect(states.map(live)).toEqual([
      { state: "open", labels: [], requestedReviewers: [], reviews: {} },
      { state: "open", labels: [], requestedReviewers: ["octocat"], reviews: {} },
      { state: "open", labels: [], requestedReviewers: [], reviews: { octocat: "approved" } },
      { state: "open", labels: ["bug"], requestedReviewers: [], reviews: { octocat: "approved" } },
      {
        state: "merged",
        labels: ["bug"],
        requestedReviewers: [],
        reviews: { octocat: "approved" },
      },
    ]);
    expect(states.at(-1)).toMatchInlineSnapshot(`
      {
        "assignees": [],
        "author": "Codertocat",
        "labels": [
          "bug",
        ],
        "number": 2,
        "repository": "Codertocat/Hello-World",
        "requestedReviewers": [],
        "requestedTeams": [],
        "reviews": {
          "octocat": "approved",
        },
        "state": "merged",
        "title": "Update the README with new information.",
        "type": "pull_request",
        "url": "https://github.com/Codertocat/Hello-World/pull/2",
      }
    `);
  });

  it("keeps the latest verdict per reviewer; a comment leaves it", () => {
    const approved = exampleEvent("pull_request_review.approved");
    const changes = exampleEvent("pull_request_review.changes_requested");
    const commented = exampleEvent("pull_request_review.commented");
    const states = replay([
      by(changes, "hubot"),
      by(approved, "octocat"),
      by(commented, "hubot"),
      by(approved, "hubot"),
      by(commented, "octocat"),
    ]);
    expect(states.map((state) => state?.reviews)).toEqual([
      { hubot: "changes_requested" },
      { hubot: "changes_requested", octocat: "approved" },
      { hubot: "changes_requested", octocat: "approved" },
      { octocat: "approved", hubot: "approved" },
      { octocat: "approved", hubot: "approved" },
    ]);
  });

  it("a new review request drops the user's verdict, whatever the case of their login", () => {
    const approved = by(exampleEvent("pull_request_review.approved"), "Octocat");
    const asked = exampleEvent("pull_request.review_requested");
    expect(asked.detail.requestedReviewer).toBe("octocat");
    const [, again] = replay([approved, asked]);
    expect(again?.reviews).toEqual({});
  });

  it("a team's review request leaves every verdict alone", () => {
    const approved = by(exampleEvent("pull_request_review.approved"), "octocat");
    const asked = exampleEvent("pull_request.review_requested");
    const team = {
      ...asked,
      detail: { requestedReviewer: "octocat", requestedReviewerIsTeam: true },
    };
    expect(replay([approved, team])[1]?.reviews).toEqual({ octocat: "approved" });
  });

  it("takes the snapshot's state, title, labels, reviewers and assignees from each event", () => {
    const first = nextItemState(null, exampleEvent("pull_request.opened"));
    const later = exampleEvent("pull_request.labeled");
    const item = {
      ...later.item!,
      title: "Renamed",
      assignees: ["hubot"],
      state: "draft" as const,
    };
    expect(nextItemState(first, { ...later, item })).toMatchObject({
      title: "Renamed",
      assignees: ["hubot"],
      state: "draft",
      labels: ["bug"],
      requestedReviewers: ["octocat"],
    });
  });

  it("keeps the author a later snapshot does not know", () => {
    const first = nextItemState(null, exampleEvent("pull_request.opened"));
    const review = exampleEvent("pull_request_review.approved");
    const next = nextItemState(first, { ...review, item: { ...review.item!, author: null } });
    expect(next?.author).toBe("Codertocat");
  });

  it("starts afresh when the previous state is another item's", () => {
    const approved = nextItemState(null, by(exampleEvent("pull_request_review.approved"), "hubot"));
    const issue = nextItemState(approved, exampleEvent("issues.opened"));
    expect(issue).toMatchObject({ type: "issue", number: 1, reviews: {} });
    const elsewhere = exampleEvent("pull_request.labeled");
    const moved = { ...elsewhere, repository: { ...elsewhere.repository, fullName: "acme/api" } };
    expect(nextItemState(approved, moved)?.reviews).toEqual({});
  });

  it.each([
    "star.created",
    "fork",
    "watch.started",
    "release.published",
    "deployment_status.failure",
    "discussion.created",
    "discussion_comment.created",
    "push.default_branch",
    "dependabot_alert.created",
    "code_scanning_alert.created",
    "secret_scanning_alert.created",
  ] as const)("%s has no item state", (kind) => {
    expect(nextItemState(null, exampleEvent(kind))).toBeNull();
  });

  it("keeps at most 50 verdicts, forgetting the oldest, and none of absurdly long logins", () => {
    const approved = exampleEvent("pull_request_review.approved");
    let state: ItemState | null = null;
    for (let index = 0; index < 60; index += 1) {
      state = nextItemState(state, by(approved, `reviewer${index}`));
    }
    state = nextItemState(state, by(approved, "x".repeat(101)));
    const reviewers = Object.keys(state?.reviews ?? {});
    expect(reviewers).toHaveLength(50);
    expect(reviewers[0]).toBe("reviewer10");
    expect(reviewers.at(-1)).toBe("reviewer59");
  });

  it("a reviewer called __proto__ is an ordinary entry", () => {
    const state = nextItemState(
      null,
      by(exampleEvent("pull_request_review.approved"), "__proto__"),
    );
    expect(Object.entries(state?.reviews ?? {})).toEqual([["__proto__", "approved"]]);
    expect(decodeItemState(encodeItemState(state!))?.reviews).toEqual(state?.reviews);
  });

  it("leaves the event alone", () => {
    const event = exampleEvent("pull_request_review.approved");
    const before = structuredClone(event);
    const state = nextItemState(null, event);
    state?.labels.push("changed");
    expect(event).toEqual(before);
  });
});

describe("nextItemState and CI", () => {
  /** Pull request #2 of Codertocat/Hello-World, opened; the CI examples name it. */
  const opened = () => nextItemState(null, exampleEvent("pull_request.opened"))!;
  /** A CI event of `kind` in the pull request's repository, naming `numbers`. */
  function ci(
    kind:
      | "workflow_run.failed"
      | "workflow_run.fixed"
      | "workflow_run.succeeded"
      | "check_suite.failed",
    numbers: number[] = [2],
  ): ActivityEvent {
    const event = exampleEvent(kind);
    return {
      ...event,
      repository: exampleEvent("pull_request.opened").repository,
      detail: { ...event.detail, pullRequestNumbers: numbers },
    };
  }

  it.each([
    ["workflow_run.failed", "failing"],
    ["check_suite.failed", "failing"],
    ["workflow_run.fixed", "fixed"],
    ["workflow_run.succeeded", "passing"],
  ] as const)("%s leaves the pull request %s, and nothing else changed", (kind, shown) => {
    const before = opened();
    const after = nextItemState(before, ci(kind));
    expect(after).toEqual({ ...before, ci: shown });
    expect(before.ci).toBeUndefined();
  });

  it.each(["workflow_run.failed", "check_suite.failed", "workflow_run.succeeded"] as const)(
    "%s without a previous state has none: CI events have no item",
    (kind) => {
      expect(exampleEvent(kind).item).toBeNull();
      expect(nextItemState(null, ci(kind))).toBeNull();
    },
  );

  it("failing, then fixed, then passing, and item events keep it", () => {
    const life = pullRequestLife();
    const states = replay([
      life.opened,
      ci("workflow_run.failed"),
      life.reviewRequested,
      ci("workflow_run.fixed"),
      life.approved,
      ci("workflow_run.succeeded"),
      life.merged,
    ]);
    expect(states.map((state) => state?.ci)).toEqual([
      undefined,
      "failing",
      "failing",
      "fixed",
      "fixed",
      "passing",
      "passing",
    ]);
    expect(decodeItemState(encodeItemState(states.at(-1)!))).toEqual(states.at(-1));
  });

  it("CI naming other pull requests, another repository's, or an issue leaves the state alone", () => {
    const before = opened();
    expect(nextItemState(before, ci("workflow_run.failed", [3, 4]))).toEqual(before);
    const elsewhere = ci("workflow_run.failed");
    const moved = { ...elsewhere, repository: { ...elsewhere.repository, fullName: "acme/api" } };
    expect(nextItemState(before, moved)).toEqual(before);
    const issue = nextItemState(null, exampleEvent("issues.opened"))!;
    expect(nextItemState(issue, ci("workflow_run.failed", []))).toEqual(issue);
  });

  it("CI naming no pull request updates the state its caller matched by the head commit", () => {
    expect(nextItemState(opened(), ci("check_suite.failed", []))?.ci).toBe("failing");
  });

  it("another item's event starts afresh, without the CI state", () => {
    const failing = nextItemState(opened(), ci("workflow_run.failed"));
    expect(nextItemState(failing, exampleEvent("issues.opened"))?.ci).toBeUndefined();
  });
});

describe("nextItemState and comments", () => {
  it("a comment on an issue updates the issue's snapshot", () => {
    const opened = nextItemState(null, exampleEvent("issues.opened"));
    const comment = exampleEvent("issue_comment.created");
    const labelled = { ...comment, item: { ...comment.item!, labels: ["bug", "docs"] } };
    expect(nextItemState(opened, labelled)).toMatchObject({
      type: "issue",
      number: 1,
      labels: ["bug", "docs"],
    });
  });

  it("a diff comment updates the pull request's snapshot and keeps its verdicts", () => {
    const approved = nextItemState(
      nextItemState(null, exampleEvent("pull_request.opened")),
      by(exampleEvent("pull_request_review.approved"), "hubot"),
    );
    const next = nextItemState(approved, exampleEvent("pull_request_review_comment.created"));
    expect(next).toMatchObject({ type: "pull_request", number: 2, reviews: { hubot: "approved" } });
  });

  it("a conversation comment keeps the reviewers and draft its issue payload cannot show", () => {
    const life = pullRequestLife();
    const asked = nextItemState(nextItemState(null, life.opened), life.reviewRequested)!;
    const draft: ItemState = { ...asked, state: "draft", requestedTeams: ["docs"] };
    const comment = exampleEvent("pull_request.commented");
    const onTwo = { ...comment, item: { ...comment.item!, number: 2, labels: ["bug"] } };
    expect(onTwo.item.requestedReviewers).toEqual([]);
    expect(nextItemState(draft, onTwo)).toMatchObject({
      state: "draft",
      requestedReviewers: ["octocat"],
      requestedTeams: ["docs"],
      labels: ["bug"],
    });
    const closed = { ...onTwo, item: { ...onTwo.item, state: "closed" as const } };
    expect(nextItemState(draft, closed)?.state).toBe("closed");
    expect(nextItemState(null, onTwo)).toMatchObject({ state: "open", requestedReviewers: [] });
  });
});

describe("encodeItemState and decodeItemState", () => {
  it("round-trips every state of the life", () => {
    const life = pullRequestLife();
    for (const state of replay(Object.values(life))) {
      expect(decodeItemState(encodeItemState(state!))).toEqual(state);
    }
  });

  it("round-trips any state nextItemState makes, hostile text and all", () => {
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, (title, name, url) => {
        const event = exampleEvent("pull_request.review_requested");
        const item = {
          ...event.item!,
          title,
          url,
          author: name,
          labels: [name, "bug"],
          assignees: [name],
          requestedTeams: Array<string>(60).fill(name),
        };
        const state = nextItemState(null, by({ ...event, item }, name));
        expect(decodeItemState(encodeItemState(state!))).toEqual(state);
      }),
      { numRuns: 150 },
    );
  });

  const valid = encodeItemState(nextItemState(null, exampleEvent("pull_request.labeled"))!);
  const stored = JSON.parse(valid) as Record<string, unknown>;

  it.each([
    ["not JSON", "{"],
    ["JSON null", "null"],
    ["an array", "[]"],
    ["a number", "42"],
    ["another version", JSON.stringify({ ...stored, v: 2 })],
    ["no version", JSON.stringify({ ...stored, v: undefined })],
    ["an unknown type", JSON.stringify({ ...stored, type: "discussion" })],
    ["an unknown state", JSON.stringify({ ...stored, state: "locked" })],
    ["a string number", JSON.stringify({ ...stored, number: "2" })],
    ["a fractional number", JSON.stringify({ ...stored, number: 2.5 })],
    ["a zero number", JSON.stringify({ ...stored, number: 0 })],
    ["a missing title", JSON.stringify({ ...stored, title: undefined })],
    ["a numeric author", JSON.stringify({ ...stored, author: 7 })],
    ["labels that are a string", JSON.stringify({ ...stored, labels: "bug" })],
    ["a label that is not a string", JSON.stringify({ ...stored, labels: ["bug", 1] })],
    ["51 assignees", JSON.stringify({ ...stored, assignees: Array(51).fill("a") })],
    ["reviews as an object", JSON.stringify({ ...stored, reviews: { octocat: "approved" } })],
    ["an unknown verdict", JSON.stringify({ ...stored, reviews: [["octocat", "commented"]] })],
    ["a broken review pair", JSON.stringify({ ...stored, reviews: [["octocat"]] })],
    ["an unknown CI state", JSON.stringify({ ...stored, ci: "flaky" })],
    ["a null CI state", JSON.stringify({ ...stored, ci: null })],
    ["a huge text", `${valid}${" ".repeat(70_000)}`],
  ])("%s decodes to null", (_, text) => {
    expect(decodeItemState(text)).toBeNull();
  });

  it("never throws on garbage", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((value) => JSON.stringify(value)),
        ),
        (text) => {
          expect(() => decodeItemState(text)).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
    expect(decodeItemState(undefined as never)).toBeNull();
  });

  it("reads a stored state without a CI state (stored before CI was shown) and with one", () => {
    expect(stored).not.toHaveProperty("ci");
    expect(decodeItemState(valid)).not.toHaveProperty("ci");
    expect(decodeItemState(JSON.stringify({ ...stored, ci: "fixed" }))?.ci).toBe("fixed");
  });

  it("reads a stored state with a null author", () => {
    const text = JSON.stringify({ ...stored, author: null });
    expect(decodeItemState(text)?.author).toBeNull();
  });
});
