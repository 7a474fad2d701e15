/**
 * Reading a pull request's review state from a delivery: every `pull_request` action GitHub's
 * examples hold refreshes the snapshot, dated by the pull request's `updated_at`;
 * `review_requested` dates the request, a review gives its verdict dated by its `submitted_at`;
 * hostile and malformed payloads read as null or drop what is unusable, never throw.
 */
import { describe, expect, it } from "vitest";
import { reviewUpdateOf } from "../../src/reminders/review-update.js";
import type { ReviewUpdate } from "../../src/reminders/types.js";
import { exampleOf, untypedExamplesFor } from "../helpers/examples.js";

/** Example payloads changed field by field in place, hostile shapes included: loosely typed on purpose. */
type Payload = Record<string, any>;

const RECEIVED = new Date("2019-05-15T16:00:00Z");
/** The examples' pull request, Codertocat/Hello-World#2, as most actions leave it. */
const PULL = { repository: "Codertocat/Hello-World", number: 2, installationId: 1 };

function read(eventName: string, payload: unknown, installationId: number | null = 1) {
  return reviewUpdateOf({ eventName, payload, installationId, receivedAt: RECEIVED });
}

/** The first example of `event.action`, changed by `change`. */
function example(event: string, action: string, change?: (p: Payload) => void): Payload {
  const [first] = untypedExamplesFor(event, action);
  if (first === undefined) throw new Error(`no ${event}.${action} example`);
  const payload = structuredClone(first) as Payload;
  change?.(payload);
  return payload;
}

/** A submitted review of the examples' pull request whose state is `state`. */
function review(state: string, change?: (p: Payload) => void): Payload {
  return example("pull_request_review", "submitted", (p) => {
    p.review.state = state;
    change?.(p);
  });
}

describe("reviewUpdateOf", () => {
  describe("a pull_request delivery of any action refreshes the snapshot, dated by its updated_at", () => {
    const time = (iso: string) => ({ snapshotAt: new Date(iso) });
    const cases: [string, Partial<ReviewUpdate>][] = [
      ["opened", { requestedUsers: [], opened: true }],
      ["assigned", {}],
      ["closed", { open: false, ...time("2019-05-15T15:21:18Z") }],
      ["converted_to_draft", { draft: true, ...time("2019-05-15T15:21:18Z") }],
      ["edited", time("2019-05-15T15:20:35Z")],
      ["labeled", time("2019-05-15T15:20:35Z")],
      ["locked", time("2019-05-15T15:20:36Z")],
      ["ready_for_review", time("2019-05-15T15:21:18Z")],
      ["reopened", {}],
      ["review_request_removed", {}],
      ["synchronize", {}],
      ["unassigned", { requestedUsers: [], ...time("2019-05-15T15:20:35Z") }],
      ["unlabeled", { requestedUsers: [], ...time("2019-05-15T15:20:36Z") }],
      ["unlocked", { requestedUsers: [], ...time("2019-05-15T15:20:37Z") }],
    ];
    it.each(cases)("%s", (action, expected) => {
      // `edited` has no example: the labeled one, renamed.
      const payload =
        action === "edited"
          ? example("pull_request", "labeled", (p) => (p.action = "edited"))
          : example("pull_request", action);
      expect(read("pull_request", payload)).toEqual({
        ...PULL,
        snapshotAt: new Date("2019-05-15T15:20:33Z"),
        open: true,
        draft: false,
        requestedUsers: ["octocat"],
        requestedTeams: [],
        requestedAt: null,
        opened: false,
        verdict: null,
        ...expected,
      });
    });
  });

  it("review_requested dates the request at the pull request's update", () => {
    expect(read("pull_request", example("pull_request", "review_requested"))).toEqual({
      ...PULL,
      snapshotAt: new Date("2019-05-15T15:20:33Z"),
      open: true,
      draft: false,
      requestedUsers: ["octocat"],
      requestedTeams: [],
      requestedAt: new Date("2019-05-15T15:20:33Z"),
      opened: false,
      verdict: null,
    });
  });

  it.each([
    ["missing", undefined],
    ["not a time", "yesterday"],
    ["a number", 1_557_933_633],
    ["a date Date.parse takes but GitHub never writes", "1"],
    ["after the delivery was received", "2031-01-01T00:00:00Z"],
  ])("review_requested with an updated_at %s dates the request at receipt", (_, updatedAt) => {
    const payload = example("pull_request", "review_requested", (p) => {
      p.pull_request.updated_at = updatedAt;
    });
    expect(read("pull_request", payload)?.requestedAt).toEqual(RECEIVED);
  });

  it.each([
    ["missing", undefined, null],
    ["not a time", "yesterday", null],
    ["a number", 1_557_933_633, null],
    ["a date Date.parse takes but GitHub never writes", "1", null],
    // Held in the future, it would hold every later snapshot off: capped at the receipt.
    ["after the delivery was received", "2031-01-01T00:00:00Z", RECEIVED],
    ["with an offset", "2019-05-15T17:20:33+02:00", new Date("2019-05-15T15:20:33Z")],
  ])("a snapshot with an updated_at %s is dated %s", (_, updatedAt, expected) => {
    const payload = example("pull_request", "labeled", (p) => {
      p.pull_request.updated_at = updatedAt;
    });
    expect(read("pull_request", payload)?.snapshotAt).toEqual(expected);
  });

  it("reads requested teams by slug, and users only from the reviewers with a login", () => {
    const team = exampleOf("team", "created").team;
    const payload = example("pull_request", "review_requested", (p) => {
      p.pull_request.requested_teams = [team];
      // Teams may appear among the reviewers too: they are no user.
      p.pull_request.requested_reviewers.push(team);
    });
    expect(read("pull_request", payload)).toMatchObject({
      requestedUsers: ["octocat"],
      requestedTeams: [team.slug],
    });
  });

  describe("a pull_request_review delivery gives the reviewer's verdict, dated by the review", () => {
    /** The examples' review's `submitted_at`, and their pull request's `updated_at`. */
    const SUBMITTED = new Date("2019-05-15T15:20:38Z");
    it.each([
      ["approved", { login: "Codertocat", verdict: "approved", at: SUBMITTED }],
      ["APPROVED", { login: "Codertocat", verdict: "approved", at: SUBMITTED }],
      ["changes_requested", { login: "Codertocat", verdict: "changes_requested", at: SUBMITTED }],
      ["commented", null],
      ["pending", null],
      ["constructor", null],
    ])("submitted, %s", (state, verdict) => {
      expect(read("pull_request_review", review(state))).toEqual({
        ...PULL,
        snapshotAt: SUBMITTED,
        open: true,
        draft: false,
        requestedUsers: [],
        requestedTeams: [],
        requestedAt: null,
        opened: false,
        verdict,
      });
    });

    it("dismissed: dated by the dismissed review's submission, the review it undoes", () => {
      const payload = example("pull_request_review", "dismissed", (p) => {
        p.review.submitted_at = "2019-05-15T15:10:00Z";
      });
      expect(read("pull_request_review", payload)).toEqual({
        ...PULL,
        snapshotAt: SUBMITTED,
        open: true,
        draft: false,
        requestedUsers: ["octocat"],
        requestedTeams: [],
        requestedAt: null,
        opened: false,
        verdict: {
          login: "Codertocat",
          verdict: "dismissed",
          at: new Date("2019-05-15T15:10:00Z"),
        },
      });
    });

    it.each([
      ["missing", undefined, null],
      ["not a time", "soon", null],
      ["after the delivery was received", "2031-01-01T00:00:00Z", RECEIVED],
    ])("a review with a submitted_at %s is dated %s", (_, submittedAt, expected) => {
      const payload = review("approved", (p) => (p.review.submitted_at = submittedAt));
      expect(read("pull_request_review", payload)?.verdict?.at).toEqual(expected);
    });

    it.each(["approved", "changes_requested", "commented"])(
      "submitted (%s) by a requested reviewer answers the request, whatever the snapshot still lists",
      (state) => {
        const payload = review(state, (p) => {
          const octocat = example("pull_request", "review_requested").requested_reviewer;
          p.review.user.login = "OctoCat";
          p.pull_request.requested_reviewers = [octocat, { ...octocat, login: "hubot" }];
        });
        expect(read("pull_request_review", payload)?.requestedUsers).toEqual(["hubot"]);
      },
    );

    it("edited: the snapshot, no verdict", () => {
      const payload = review("approved", (p) => (p.action = "edited"));
      expect(read("pull_request_review", payload)).toMatchObject({ ...PULL, verdict: null });
    });

    it("a review without a usable reviewer: the snapshot, no verdict", () => {
      for (const user of [null, {}, { login: 7 }, { login: "a b" }, { login: "x".repeat(101) }]) {
        const payload = review("approved", (p) => (p.review.user = user));
        expect(read("pull_request_review", payload)).toMatchObject({ ...PULL, verdict: null });
      }
      const noReview = review("approved", (p) => delete p.review);
      expect(read("pull_request_review", noReview)).toMatchObject({ ...PULL, verdict: null });
    });
  });

  it("reads nothing from other events, even with a pull request in them", () => {
    expect(read("pull_request_review_comment", example("pull_request_review", "dismissed"))).toBe(
      null,
    );
    expect(read("issues", example("issues", "opened"))).toBeNull();
    expect(read("push", exampleOf("push"))).toBeNull();
  });

  it("keeps the installation only when it is one", () => {
    const payload = example("pull_request", "labeled");
    expect(read("pull_request", payload, null)?.installationId).toBeNull();
    expect(read("pull_request", payload, 0)?.installationId).toBeNull();
    expect(read("pull_request", payload, 2 ** 40)?.installationId).toBe(2 ** 40);
  });

  describe("hostile and malformed payloads read as null, never throw", () => {
    const broken: [string, unknown][] = [
      ["null", null],
      ["an array", [example("pull_request", "labeled")]],
      ["a string", "pull_request"],
      ["no action", example("pull_request", "labeled", (p) => delete p.action)],
      ["no pull request", example("pull_request", "labeled", (p) => delete p.pull_request)],
      [
        "a pull request that is a string",
        example("pull_request", "labeled", (p) => (p.pull_request = "2")),
      ],
      ["no repository", example("pull_request", "labeled", (p) => delete p.repository)],
      [
        "a repository without owner",
        example("pull_request", "labeled", (p) => (p.repository.full_name = "x")),
      ],
      [
        "a repository name of 201 characters",
        example(
          "pull_request",
          "labeled",
          (p) => (p.repository.full_name = `o/${"r".repeat(199)}`),
        ),
      ],
      ["number 0", example("pull_request", "labeled", (p) => (p.pull_request.number = 0))],
      [
        "a number past INTEGER",
        example("pull_request", "labeled", (p) => (p.pull_request.number = 2 ** 31)),
      ],
      [
        "a fractional number",
        example("pull_request", "labeled", (p) => (p.pull_request.number = 2.5)),
      ],
      [
        "a number in a string",
        example("pull_request", "labeled", (p) => (p.pull_request.number = "2")),
      ],
      ["no state", example("pull_request", "labeled", (p) => delete p.pull_request.state)],
      [
        "a state that is not text",
        example("pull_request", "labeled", (p) => (p.pull_request.state = true)),
      ],
    ];
    it.each(broken)("%s", (_, payload) => {
      expect(read("pull_request", payload)).toBeNull();
      expect(read("pull_request_review", payload)).toBeNull();
    });

    it("drops unusable reviewer names, repeats, and names past the 50th", () => {
      const payload = example("pull_request", "review_requested", (p) => {
        const [octocat] = p.pull_request.requested_reviewers;
        p.pull_request.requested_reviewers = [
          octocat,
          { ...octocat, login: "OCTOCAT" },
          { ...octocat, login: "<!channel> hi" },
          { ...octocat, login: "x".repeat(101) },
          { ...octocat, login: "" },
          { ...octocat, login: 42 },
          "hubot",
          null,
          ...Array.from({ length: 60 }, (_, i) => ({ ...octocat, login: `user-${i}` })),
        ];
        p.pull_request.requested_teams = { slug: "core" };
        p.pull_request.draft = "true";
      });
      const update = read("pull_request", payload);
      expect(update?.requestedUsers).toHaveLength(50);
      expect(update?.requestedUsers.slice(0, 2)).toEqual(["octocat", "user-0"]);
      expect(update?.requestedUsers.at(-1)).toBe("user-48");
      expect(update?.requestedTeams).toEqual([]);
      // Only `true` is a draft.
      expect(update?.draft).toBe(false);
    });

    it("an open state in another spelling is not open", () => {
      const payload = example("pull_request", "labeled", (p) => (p.pull_request.state = "OPEN"));
      expect(read("pull_request", payload)?.open).toBe(false);
    });
  });
});
