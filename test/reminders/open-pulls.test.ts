// Reading GitHub's open pull requests and reviews for reminders, with GitHub mocked at the HTTP
// layer and list items built from the pull request of GitHub's own `pull_request.opened` example.
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { approvalsOf, GitHubRefusedError, listOpenPulls } from "../../src/reminders/open-pulls.js";
import { RetryLaterError } from "../../src/shared/retry-later.js";
import { exampleOf } from "../helpers/examples.js";

const API = "https://api.github.com";
const OWNER = "Codertocat";
const REPO = "Hello-World";
const PULLS = `/repos/${OWNER}/${REPO}/pulls`;
const NOW = new Date("2024-01-15T09:30:00Z");

const TestOctokit = ProbotOctokit.defaults((options: object) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));
const octokit = new TestOctokit({ auth: { token: "ghs_installation_token" } });

type ListItem = Record<string, unknown>;

/** The example's pull request as GitHub's list shows it, renumbered. */
function listItem(number: number, changes: ListItem = {}): ListItem {
  const pull = exampleOf("pull_request", "opened").pull_request as unknown as ListItem;
  return {
    ...pull,
    number,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${number}`,
    title: `Change ${number}`,
    ...changes,
  };
}

function items(from: number, count: number): ListItem[] {
  return Array.from({ length: count }, (_, index) => listItem(from + index));
}

/** The query of page `page` of the open list, as the reminder asks for it. */
function pageQuery(page: number) {
  return {
    state: "open",
    sort: "created",
    direction: "asc",
    per_page: "100",
    page: String(page),
  };
}

/**
 * GitHub's `Link` header on page `page` of `last` pages of the open list: `prev` and `first`
 * after the first page, `next` and `last` before the last (GitHub sends none for one page).
 */
function links(page: number, last: number): { link: string } {
  const to = (target: number) =>
    `<${API}/repositories/1296269/pulls?state=open&sort=created&direction=asc&per_page=100&page=${target}>`;
  const rels: string[] = [];
  if (page > 1) rels.push(`${to(page - 1)}; rel="prev"`);
  if (page < last) rels.push(`${to(page + 1)}; rel="next"`, `${to(last)}; rel="last"`);
  if (page > 1) rels.push(`${to(1)}; rel="first"`);
  return { link: rels.join(", ") };
}

/** The example review by `login` with verdict `state`, as the reviews API lists it. */
function review(login: string, state: string): ListItem {
  const example = exampleOf("pull_request_review", "submitted").review as unknown as ListItem;
  return { ...example, user: { ...(example.user as object), login }, state };
}

const list = (maxPulls = 1000) =>
  listOpenPulls({ octokit, owner: OWNER, repo: REPO, maxPulls, timeoutMs: 5_000, now: () => NOW });

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, "every mocked GitHub call was made").toEqual([]);
});

describe("listOpenPulls", () => {
  it("reads GitHub's list item into an OpenPull, with the installation's token", async () => {
    const scope = nock(API, { reqheaders: { authorization: "token ghs_installation_token" } })
      .get(PULLS)
      .query(pageQuery(1))
      .reply(200, [listItem(2, { title: "Update the README with new information." })]);

    const listed = await list();

    expect(listed).toEqual({
      kind: "listed",
      truncated: false,
      pulls: [
        {
          repository: "Codertocat/Hello-World",
          number: 2,
          title: "Update the README with new information.",
          url: "https://github.com/Codertocat/Hello-World/pull/2",
          author: "Codertocat",
          draft: false,
          labels: [],
          requestedUsers: [],
          requestedTeams: [],
          baseBranch: "master",
          defaultBranch: "master",
          createdAt: new Date("2019-05-15T15:20:33Z"),
        },
      ],
    });
    expect(scope.isDone()).toBe(true);
  });

  it("reads requested users and teams (also teams listed among reviewers), labels and drafts", async () => {
    const example = listItem(7);
    const user = example.user as object;
    const scope = nock(API)
      .get(PULLS)
      .query(pageQuery(1))
      .reply(200, [
        {
          ...example,
          draft: true,
          labels: [{ name: "needs-review" }, { name: "" }, { color: "fff" }],
          requested_reviewers: [
            { ...user, login: "hubot" },
            { name: "Justice League", slug: "justice-league" },
            { ...user, login: "x".repeat(101) },
          ],
          requested_teams: [{ name: "Platform", slug: "platform" }],
        },
      ]);

    const listed = await list();

    expect(listed.kind === "listed" && listed.pulls[0]).toMatchObject({
      number: 7,
      draft: true,
      labels: ["needs-review"],
      requestedUsers: ["hubot"],
      requestedTeams: ["platform", "justice-league"],
    });
    expect(scope.isDone()).toBe(true);
  });

  it("skips items it cannot use, cuts absurd titles and bounds every list to 50", async () => {
    const many = (prefix: string) =>
      Array.from({ length: 80 }, (_, index) => ({
        login: `${prefix}${index}`,
        name: `${prefix}${index}`,
      }));
    const scope = nock(API)
      .get(PULLS)
      .query(pageQuery(1))
      .reply(200, [
        "not an object",
        { ...listItem(1), number: undefined },
        { ...listItem(2), number: "2" },
        { ...listItem(3), number: -3 },
        { ...listItem(4), html_url: null },
        { ...listItem(5), created_at: "yesterday" },
        {
          ...listItem(6),
          title: "x".repeat(5000),
          labels: many("label"),
          requested_reviewers: many("user"),
        },
        { ...listItem(8), title: "   ", user: null },
      ]);

    const listed = await list();

    if (listed.kind !== "listed") throw new Error("expected a list");
    expect(listed.pulls.map((pull) => pull.number)).toEqual([6, 8]);
    const [long, untitled] = listed.pulls;
    expect(long?.title).toBe(`${"x".repeat(1000)}…`);
    expect(long?.labels).toHaveLength(50);
    expect(long?.requestedUsers).toHaveLength(50);
    expect(untitled).toMatchObject({ title: "(untitled)", author: null });
    expect(scope.isDone()).toBe(true);
  });

  it("reads one page per 100 open pull requests: 250 take three calls", async () => {
    const scope = nock(API)
      .get(PULLS)
      .query(pageQuery(1))
      .reply(200, items(1, 100), links(1, 3))
      .get(PULLS)
      .query(pageQuery(2))
      .reply(200, items(101, 100), links(2, 3))
      .get(PULLS)
      .query(pageQuery(3))
      .reply(200, items(201, 50), links(3, 3));

    const listed = await list();

    if (listed.kind !== "listed") throw new Error("expected a list");
    expect(listed.pulls).toHaveLength(250);
    expect(listed.pulls.at(-1)?.number).toBe(250);
    expect(listed.truncated).toBe(false);
    expect(scope.isDone()).toBe(true);
  });

  it("reads exactly 100 open pull requests in one call: GitHub sends no Link header for one page", async () => {
    // A second call would find no mock: the test fails on it.
    const scope = nock(API).get(PULLS).query(pageQuery(1)).reply(200, items(1, 100));

    const listed = await list();

    expect(listed).toMatchObject({ kind: "listed", truncated: false });
    expect(listed.kind === "listed" && listed.pulls.length).toBe(100);
    expect(scope.isDone()).toBe(true);
  });

  it("reads exactly 200 in two calls: the second page's Link names no next page", async () => {
    const scope = nock(API)
      .get(PULLS)
      .query(pageQuery(1))
      .reply(200, items(1, 100), links(1, 2))
      .get(PULLS)
      .query(pageQuery(2))
      .reply(200, items(101, 100), links(2, 2));

    const listed = await list();

    expect(listed).toMatchObject({ kind: "listed", truncated: false });
    expect(listed.kind === "listed" && listed.pulls.at(-1)?.number).toBe(200);
    expect(scope.isDone()).toBe(true);
  });

  it("reads exactly 200 with a maxPulls of 200 as complete, not cut", async () => {
    const scope = nock(API)
      .get(PULLS)
      .query(pageQuery(1))
      .reply(200, items(1, 100), links(1, 2))
      .get(PULLS)
      .query(pageQuery(2))
      .reply(200, items(101, 100), links(2, 2));

    expect(await list(200)).toMatchObject({ kind: "listed", truncated: false });
    expect(scope.isDone()).toBe(true);
  });

  it("falls back to the short page when a later page has no Link header (a server sending none)", async () => {
    const scope = nock(API)
      .get(PULLS)
      .query(pageQuery(1))
      .reply(200, items(1, 100), links(1, 2))
      .get(PULLS)
      .query(pageQuery(2))
      .reply(200, items(101, 100))
      .get(PULLS)
      .query(pageQuery(3))
      .reply(200, []);

    const listed = await list();

    expect(listed.kind === "listed" && listed.pulls.length).toBe(200);
    expect(scope.isDone()).toBe(true);
  });

  it("stops at maxPulls, oldest kept, and says the list was cut", async () => {
    const scope = nock(API)
      .get(PULLS)
      .query(pageQuery(1))
      .reply(200, items(1, 100), links(1, 3))
      .get(PULLS)
      .query(pageQuery(2))
      .reply(200, items(101, 100), links(2, 3));

    const listed = await list(150);

    if (listed.kind !== "listed") throw new Error("expected a list");
    expect(listed.pulls.map((pull) => pull.number)).toEqual(
      Array.from({ length: 150 }, (_, index) => index + 1),
    );
    expect(listed.truncated).toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it.each([404, 410, 451])(
    "says the repository is gone on HTTP %i, so the run skips it",
    async (status) => {
      const scope = nock(API)
        .get(PULLS)
        .query(pageQuery(1))
        .reply(status, { message: "Not Found" });

      const listed = await list();

      expect(listed).toEqual({
        kind: "gone",
        reason: `HTTP ${status}: Not Found`,
      });
      expect(scope.isDone()).toBe(true);
    },
  );

  it.each([
    ["a server error", 502, {}, null],
    [
      "a rate limit with Retry-After",
      429,
      { "retry-after": "30" },
      new Date(NOW.getTime() + 30_000),
    ],
    [
      "a 403 that is a rate limit",
      403,
      { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1705311000" },
      new Date(1705311000 * 1000),
    ],
  ])("asks to retry later on %s", async (_, status, headers, retryAt) => {
    const scope = nock(API)
      .get(PULLS)
      .query(pageQuery(1))
      .reply(status, { message: "try later" }, headers);

    const error = await list().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error).toMatchObject({ retryAt });
    expect((error as Error).message).toContain(
      "cannot list the open pull requests of Codertocat/Hello-World from GitHub now",
    );
    expect(scope.isDone()).toBe(true);
  });

  it("asks to retry later when GitHub does not answer in time, or the network fails", async () => {
    const scope = nock(API)
      .get(PULLS)
      .query(pageQuery(1))
      .reply(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return [200, []];
      })
      .get(PULLS)
      .query(pageQuery(1))
      .replyWithError("socket hang up");

    const slow = await listOpenPulls({
      octokit,
      owner: OWNER,
      repo: REPO,
      maxPulls: 100,
      timeoutMs: 50,
    }).catch((caught: unknown) => caught);
    const broken = await list().catch((caught: unknown) => caught);

    expect(slow).toBeInstanceOf(RetryLaterError);
    expect((slow as Error).message).toContain("aborted");
    expect(broken).toBeInstanceOf(RetryLaterError);
    expect((broken as Error).message).toContain("socket hang up");
    expect(scope.isDone()).toBe(true);
  });

  it("asks to retry later when the answer is not a list", async () => {
    const scope = nock(API).get(PULLS).query(pageQuery(1)).reply(200, { message: "maintenance" });

    const error = await list().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as Error).message).toContain("the answer was not a JSON list");
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    [401, "the installation's token was not accepted"],
    [403, 'give the app read access to pull requests (permission "Pull requests: Read-only")'],
  ])(
    "fails with a clear error on HTTP %i, which a retry would not change",
    async (status, advice) => {
      const scope = nock(API)
        .get(PULLS)
        .query(pageQuery(1))
        .reply(status, { message: "Resource not accessible by integration" });

      const error = await list().catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(GitHubRefusedError);
      expect(error).not.toBeInstanceOf(RetryLaterError);
      expect(error).toMatchObject({ status, repository: "Codertocat/Hello-World" });
      expect((error as Error).message).toContain(
        `GitHub refused to list the open pull requests of Codertocat/Hello-World (HTTP ${status}: Resource not accessible by integration`,
      );
      expect((error as Error).message).toContain(advice);
      expect(scope.isDone()).toBe(true);
    },
  );
});

describe("approvalsOf", () => {
  const REVIEWS = `${PULLS}/2/reviews`;
  const read = () =>
    approvalsOf({ octokit, owner: OWNER, repo: REPO, number: 2, timeoutMs: 5_000, now: () => NOW });

  it.each([
    ["nobody reviewed", [], []],
    ["a comment is no approval", [review("alice", "COMMENTED")], []],
    [
      "a comment after an approval leaves it",
      [review("alice", "APPROVED"), review("alice", "COMMENTED")],
      ["alice"],
    ],
    [
      "changes requested after an approval take it back",
      [review("alice", "APPROVED"), review("alice", "CHANGES_REQUESTED")],
      [],
    ],
    [
      "a dismissed approval (GitHub rewrites its state) is none",
      [review("alice", "DISMISSED"), review("bob", "APPROVED")],
      ["bob"],
    ],
    [
      "an approval after changes requested counts, in the order of approval",
      [
        review("alice", "CHANGES_REQUESTED"),
        review("bob", "APPROVED"),
        review("alice", "APPROVED"),
        review("carol", "PENDING"),
      ],
      ["bob", "alice"],
    ],
    [
      "logins match case-insensitively",
      [
        review("Alice", "APPROVED"),
        review("alice", "CHANGES_REQUESTED"),
        review("bob", "approved"),
      ],
      ["bob"],
    ],
  ])("%s", async (_, reviews, approvals) => {
    const scope = nock(API).get(REVIEWS).query({ per_page: "100" }).reply(200, reviews);

    expect(await read()).toEqual(approvals);
    expect(scope.isDone()).toBe(true);
  });

  it("reads no approvals when the pull request is gone since it was listed", async () => {
    const scope = nock(API)
      .get(REVIEWS)
      .query({ per_page: "100" })
      .reply(404, { message: "Not Found" });

    expect(await read()).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it("asks to retry later on a server error, naming the pull request", async () => {
    const scope = nock(API).get(REVIEWS).query({ per_page: "100" }).reply(503, {});

    const error = await read().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as Error).message).toMatchInlineSnapshot(
      `"cannot read the reviews of pull request #2 of Codertocat/Hello-World from GitHub now (HTTP 503); the reminder should be retried later"`,
    );
    expect(scope.isDone()).toBe(true);
  });
});
