/**
 * The fake GitHub's list routes (installations, repositories, pull requests, reviews) driven by
 * a real Probot Octokit, authenticating as the App and as its installations the way the app
 * does, so the fake answers what Octokit reads (Link pagination included) and an end-to-end test
 * of reminders built on it cannot pass for a fake that accepts anything.
 */
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { testAppKey } from "./app-key.js";
import { exampleOf } from "./examples.js";
import { startFakeGitHub, type FakeGitHub, type FakePull } from "./fake-github.js";

const TestOctokit = ProbotOctokit.defaults((options: object) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));
type Octokit = InstanceType<typeof TestOctokit>;

const APP_ID = 1;
const PULLS = "GET /repos/{owner}/{repo}/pulls" as const;
const REVIEWS = "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews" as const;

let fake: FakeGitHub | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function start(options: Parameters<typeof startFakeGitHub>[0] = {}): Promise<FakeGitHub> {
  fake = await startFakeGitHub({ appId: String(APP_ID), ...options });
  return fake;
}

/** Octokit as the App (JWT), or as `installationId` (a token the fake issues it). */
function octokitFor(github: FakeGitHub, installationId?: number): Octokit {
  return new TestOctokit({
    baseUrl: `${github.url}/api/v3`,
    auth: {
      appId: APP_ID,
      privateKey: testAppKey(),
      ...(installationId === undefined ? {} : { installationId }),
    },
  });
}

/** Octokit presenting `token` as is (Probot's auth takes it as `{ token }`). */
function octokitWithToken(github: FakeGitHub, token: string): Octokit {
  return new TestOctokit({ baseUrl: `${github.url}/api/v3`, auth: { token } });
}

/** Two tenants: installation 1 (octo-org, two repositories) and 2 (evil-org, one). */
function twoTenants(github: FakeGitHub): void {
  github.setInstallations([
    { id: 1, account: "octo-org" },
    { id: 2, account: "evil-org", accountType: "User" },
  ]);
  github.setRepositories(1, [
    { fullName: "octo-org/api", defaultBranch: "trunk", private: true },
    "octo-org/web",
  ]);
  github.setRepositories(2, ["evil-org/secrets"]);
}

const day = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000);

describe("GET /app/installations", () => {
  it("lists the installations set, as GitHub shapes them, over pages linked by rel=next", async () => {
    const github = await start();
    github.setInstallations([
      { id: 11, account: "octo-org" },
      { id: 12, account: "octocat", accountType: "User" },
      { id: 13, account: "gone-org", suspendedAt: "2024-01-02T00:00:00Z" },
    ]);
    const octokit = octokitFor(github);

    const first = await octokit.request("GET /app/installations", { per_page: 2 });
    expect(first.headers.link).toBe(
      `<${github.url}/api/v3/app/installations?per_page=2&page=2>; rel="next", ` +
        `<${github.url}/api/v3/app/installations?per_page=2&page=2>; rel="last"`,
    );
    const all = await octokit.paginate("GET /app/installations", { per_page: 2 });
    expect(
      all.map((installation) => ({
        id: installation.id,
        login:
          installation.account && "login" in installation.account && installation.account.login,
        type: installation.account && "type" in installation.account && installation.account.type,
        appId: installation.app_id,
        targetType: installation.target_type,
        suspendedAt: installation.suspended_at,
      })),
    ).toEqual([
      {
        id: 11,
        login: "octo-org",
        type: "Organization",
        appId: 1,
        targetType: "Organization",
        suspendedAt: null,
      },
      { id: 12, login: "octocat", type: "User", appId: 1, targetType: "User", suspendedAt: null },
      {
        id: 13,
        login: "gone-org",
        type: "Organization",
        appId: 1,
        targetType: "Organization",
        suspendedAt: "2024-01-02T00:00:00Z",
      },
    ]);
    // GitHub's REST shape, not the webhook's: times are ISO strings.
    expect(all[0]?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(all[0]?.html_url).toBe(
      "https://github.com/organizations/octo-org/settings/installations/11",
    );
    expect(github.count("GET /app/installations")).toBe(3);
  });

  it("wants the App's JWT, and once installations are set issues tokens only to live ones", async () => {
    const github = await start();
    github.setInstallations([
      { id: 1, account: "octo-org" },
      { id: 3, account: "gone-org", suspendedAt: "2024-01-02T00:00:00Z" },
    ]);
    github.setRepositories(1, ["octo-org/api"]);
    const installation = octokitFor(github, 1);
    await installation.request("GET /installation/repositories");
    const [token] = github.tokens;
    expect(github.installationOf(token ?? "")).toBe(1);

    const asInstallation = octokitWithToken(github, token ?? "");
    expect((await asInstallation.request("GET /installation/repositories")).status).toBe(200);
    await expect(asInstallation.request("GET /app/installations")).rejects.toMatchObject({
      status: 401,
    });
    expect(github.requests.at(-1)?.authorization).toBe(`token ${token}`);
    await expect(
      octokitFor(github, 2).request("GET /installation/repositories"),
    ).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      octokitFor(github, 3).request("GET /installation/repositories"),
    ).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining("suspended"),
    });
    expect(github.tokens).toHaveLength(1);
  });
});

describe("GET /installation/repositories", () => {
  it("lists only the token's installation's repositories, paged, with total_count", async () => {
    const github = await start();
    twoTenants(github);
    github.setRepositories(1, [
      { fullName: "octo-org/api", defaultBranch: "trunk", private: true },
      "octo-org/web",
      { fullName: "octo-org/old", archived: true },
    ]);
    const octokit = octokitFor(github, 1);

    const first = await octokit.request("GET /installation/repositories", { per_page: 2 });
    expect(first.data.total_count).toBe(3);
    expect(first.data.repositories).toHaveLength(2);
    expect(first.headers.link).toContain('page=2>; rel="next"');

    const all = await octokit.paginate("GET /installation/repositories", { per_page: 2 });
    expect(
      all.map((repository) => ({
        id: typeof repository.id,
        name: repository.name,
        fullName: repository.full_name,
        owner: repository.owner.login,
        private: repository.private,
        defaultBranch: repository.default_branch,
        archived: repository.archived,
      })),
    ).toEqual([
      {
        id: "number",
        name: "api",
        fullName: "octo-org/api",
        owner: "octo-org",
        private: true,
        defaultBranch: "trunk",
        archived: false,
      },
      {
        id: "number",
        name: "web",
        fullName: "octo-org/web",
        owner: "octo-org",
        private: false,
        defaultBranch: "main",
        archived: false,
      },
      {
        id: "number",
        name: "old",
        fullName: "octo-org/old",
        owner: "octo-org",
        private: false,
        defaultBranch: "main",
        archived: true,
      },
    ]);
    // The example's URLs, rewritten for the repository.
    expect(all[0]?.pulls_url).toBe("https://api.github.com/repos/octo-org/api/pulls{/number}");

    const other = await octokitFor(github, 2).paginate("GET /installation/repositories");
    expect(other.map((repository) => repository.full_name)).toEqual(["evil-org/secrets"]);
  });

  it("refuses a token the fake never issued", async () => {
    const github = await start();
    twoTenants(github);
    const forged = octokitWithToken(github, "ghs_fake9999");
    await expect(forged.request("GET /installation/repositories")).rejects.toMatchObject({
      status: 401,
    });
    expect(github.requests.at(-1)?.authorization).toBe("token ghs_fake9999");
  });
});

describe("GET /repos/{owner}/{repo}/pulls", () => {
  it("pages 250 open pull requests, oldest first, in three requests of 100", async () => {
    const github = await start();
    twoTenants(github);
    const pulls: FakePull[] = Array.from({ length: 250 }, (_, i) => ({
      number: 1000 - i, // numbers unlike creation order, so the order must come from created_at
      createdAt: day(i),
    }));
    github.setPulls("octo-org/api", pulls);
    const octokit = octokitFor(github, 1);

    const listed = await octokit.paginate("GET /repos/{owner}/{repo}/pulls", {
      owner: "octo-org",
      repo: "api",
      state: "open",
      sort: "created",
      direction: "asc",
      per_page: 100,
    });
    expect(listed).toHaveLength(250);
    expect(listed.map((pull) => pull.number)).toEqual(pulls.map((pull) => pull.number));
    expect(github.count(PULLS)).toBe(3);
    expect(
      github.requests
        .filter((r) => r.route === PULLS)
        .map((r) => new URL(r.path, "http://x").searchParams.get("page")),
    ).toEqual([null, "2", "3"]);

    // GitHub's default is newest first, 30 a page; per_page past 100 is 100.
    const newest = await octokit.request("GET /repos/{owner}/{repo}/pulls", {
      owner: "octo-org",
      repo: "api",
    });
    expect(newest.data).toHaveLength(30);
    expect(newest.data[0]?.number).toBe(pulls[249]?.number);
    const capped = await octokit.request("GET /repos/{owner}/{repo}/pulls", {
      owner: "octo-org",
      repo: "api",
      per_page: 500,
      page: 2,
    });
    expect(capped.data).toHaveLength(100);
    expect(capped.headers.link).toBe(
      [
        `<${github.url}/api/v3/repos/octo-org/api/pulls?per_page=500&page=1>; rel="prev"`,
        `<${github.url}/api/v3/repos/octo-org/api/pulls?per_page=500&page=3>; rel="next"`,
        `<${github.url}/api/v3/repos/octo-org/api/pulls?per_page=500&page=3>; rel="last"`,
        `<${github.url}/api/v3/repos/octo-org/api/pulls?per_page=500&page=1>; rel="first"`,
      ].join(", "),
    );
  });

  it("answers the list items GitHub's example pull request has, with the fields set", async () => {
    const github = await start();
    twoTenants(github);
    github.setPulls("octo-org/api", [
      {
        number: 7,
        title: "Fix <crash>",
        author: "hubot",
        requestedReviewers: ["alice", "bob"],
        requestedTeams: ["core", { slug: "docs-team", name: "Docs Team" }],
        draft: true,
        labels: ["needs-review", "bug"],
        createdAt: "2024-03-01T09:00:00Z",
        updatedAt: new Date("2024-03-02T10:00:00Z"),
        headRef: "fix-crash",
      },
      { number: 8, baseRef: "release", author: null, createdAt: "2024-03-05T09:00:00Z" },
    ]);
    const octokit = octokitFor(github, 1);
    const { data, headers } = await octokit.request("GET /repos/{owner}/{repo}/pulls", {
      owner: "octo-org",
      repo: "api",
      direction: "asc",
    });
    expect(headers.link).toBeUndefined();
    const [pull, other] = data;
    expect(pull).toMatchObject({
      number: 7,
      state: "open",
      title: "Fix <crash>",
      html_url: "https://github.com/octo-org/api/pull/7",
      url: "https://api.github.com/repos/octo-org/api/pulls/7",
      user: { login: "hubot", type: "User" },
      draft: true,
      labels: [{ name: "needs-review" }, { name: "bug" }],
      requested_reviewers: [{ login: "alice" }, { login: "bob" }],
      requested_teams: [
        { slug: "core", name: "core" },
        { slug: "docs-team", name: "Docs Team" },
      ],
      base: {
        ref: "trunk",
        repo: { full_name: "octo-org/api", default_branch: "trunk", private: true },
      },
      head: { ref: "fix-crash", sha: expect.stringMatching(/^[0-9a-f]{40}$/) },
      created_at: "2024-03-01T09:00:00Z",
      updated_at: "2024-03-02T10:00:00Z",
      closed_at: null,
      merged_at: null,
    });
    expect(other).toMatchObject({ number: 8, user: null, draft: false, base: { ref: "release" } });
    expect(pull?.id).not.toBe(other?.id);
    expect(pull?.head.sha).not.toBe(other?.head.sha);

    // Every field of the example's pull request but those GitHub's list leaves out.
    const example = exampleOf("pull_request", "opened").pull_request;
    const listOnly = ["active_lock_reason", "auto_merge"];
    const webhookOnly = Object.keys(example).filter((field) => !(field in (pull ?? {})));
    expect(webhookOnly.sort()).toEqual(
      ["additions", "changed_files", "comments", "commits", "deletions", "maintainer_can_modify"]
        .concat([
          "merged",
          "merged_by",
          "mergeable",
          "mergeable_state",
          "rebaseable",
          "review_comments",
        ])
        .sort(),
    );
    expect(
      Object.keys(pull ?? {})
        .filter((field) => !(field in example))
        .sort(),
    ).toEqual(listOnly);
  });

  it("lists closed pull requests for state=closed and all, and filters by base", async () => {
    const github = await start();
    twoTenants(github);
    github.setPulls("octo-org/web", [
      { number: 1, createdAt: day(1) },
      { number: 2, createdAt: day(2), state: "closed" },
      { number: 3, createdAt: day(3), baseRef: "release" },
    ]);
    const octokit = octokitFor(github, 1);
    const numbers = async (query: { state?: "open" | "closed" | "all"; base?: string }) =>
      (
        await octokit.request("GET /repos/{owner}/{repo}/pulls", {
          owner: "octo-org",
          repo: "web",
          ...query,
        })
      ).data.map((pull) => [pull.number, pull.state]);
    expect(await numbers({})).toEqual([
      [3, "open"],
      [1, "open"],
    ]);
    expect(await numbers({ state: "closed" })).toEqual([[2, "closed"]]);
    expect(await numbers({ state: "all" })).toEqual([
      [3, "open"],
      [2, "closed"],
      [1, "open"],
    ]);
    expect(await numbers({ base: "main" })).toEqual([[1, "open"]]);
  });

  it("answers what a test changes while the client runs", async () => {
    const github = await start();
    twoTenants(github);
    const octokit = octokitFor(github, 1);
    const list = async () =>
      (
        await octokit.request("GET /repos/{owner}/{repo}/pulls", { owner: "OCTO-ORG", repo: "Web" })
      ).data.map((pull) => pull.number);
    expect(await list()).toEqual([]);
    github.setPulls("octo-org/web", [{ number: 5 }, { number: 6 }]);
    expect(await list()).toEqual([6, 5]);
    github.setPulls("octo-org/web", [{ number: 6 }]);
    expect(await list()).toEqual([6]);
  });

  it("shows a repository only to the installation it belongs to", async () => {
    const github = await start();
    twoTenants(github);
    github.setPulls("evil-org/secrets", [{ number: 1, title: "evil's secret" }]);
    github.setReviews("evil-org/secrets", 1, [{ user: "mallory", state: "APPROVED" }]);
    github.setPulls("octo-org/api", [{ number: 2 }]);
    const octo = octokitFor(github, 1);
    const evil = octokitFor(github, 2);

    const read = { owner: "evil-org", repo: "secrets" };
    await expect(octo.request("GET /repos/{owner}/{repo}/pulls", read)).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      octo.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
        ...read,
        pull_number: 1,
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      evil.request("GET /repos/{owner}/{repo}/pulls", { owner: "octo-org", repo: "api" }),
    ).rejects.toMatchObject({ status: 404 });
    // The same requests with the owner's token are answered: the 404s came from the tenant check.
    expect(
      (await evil.request("GET /repos/{owner}/{repo}/pulls", read)).data.map((p) => p.title),
    ).toEqual(["evil's secret"]);
    expect(
      (await octo.request("GET /repos/{owner}/{repo}/pulls", { owner: "octo-org", repo: "api" }))
        .data,
    ).toHaveLength(1);
    // A repository no installation has is a 404 too, pull requests set or not.
    github.setPulls("nobody/else", [{ number: 1 }]);
    await expect(
      octo.request("GET /repos/{owner}/{repo}/pulls", { owner: "nobody", repo: "else" }),
    ).rejects.toMatchObject({
      status: 404,
    });
    // A token that was never issued is refused before any repository is looked at.
    const forged = octokitWithToken(github, "ghs_fake0042");
    await expect(forged.request("GET /repos/{owner}/{repo}/pulls", read)).rejects.toMatchObject({
      status: 401,
    });
    expect(github.requests.at(-1)?.authorization).toBe("token ghs_fake0042");
  });
});

describe("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", () => {
  it("lists a pull request's reviews in order, shaped like GitHub's, paged", async () => {
    const github = await start();
    twoTenants(github);
    github.setPulls("octo-org/api", [{ number: 7, headSha: "a".repeat(40) }]);
    github.setReviews("octo-org/api", 7, [
      { user: "alice", state: "CHANGES_REQUESTED", submittedAt: "2024-03-01T10:00:00Z" },
      { user: "alice", state: "APPROVED", submittedAt: new Date("2024-03-01T11:00:00Z") },
      { user: "bob", state: "COMMENTED", submittedAt: "2024-03-01T12:00:00Z", body: "nit" },
      { user: "carol", state: "DISMISSED", submittedAt: "2024-03-01T13:00:00Z", id: 99 },
    ]);
    const octokit = octokitFor(github, 1);
    const params = { owner: "octo-org", repo: "api", pull_number: 7 };

    const first = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
      ...params,
      per_page: 3,
    });
    expect(first.data).toHaveLength(3);
    expect(first.headers.link).toContain('rel="next"');
    const reviews = await octokit.paginate(
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
      {
        ...params,
        per_page: 3,
      },
    );
    expect(
      reviews.map((review) => [review.user?.login, review.state, review.submitted_at]),
    ).toEqual([
      ["alice", "CHANGES_REQUESTED", "2024-03-01T10:00:00Z"],
      ["alice", "APPROVED", "2024-03-01T11:00:00Z"],
      ["bob", "COMMENTED", "2024-03-01T12:00:00Z"],
      ["carol", "DISMISSED", "2024-03-01T13:00:00Z"],
    ]);
    expect(new Set(reviews.map((review) => review.id)).size).toBe(4);
    expect(reviews[3]).toMatchObject({
      id: 99,
      commit_id: "a".repeat(40),
      html_url: "https://github.com/octo-org/api/pull/7#pullrequestreview-99",
      pull_request_url: "https://api.github.com/repos/octo-org/api/pulls/7",
      author_association: exampleOf("pull_request_review", "submitted").review.author_association,
    });
    expect(reviews[2]?.body).toBe("nit");
    expect(github.count(REVIEWS)).toBe(3);

    // A pull request without reviews lists none; one the repository does not have is a 404.
    github.setPulls("octo-org/api", [{ number: 7 }, { number: 8 }]);
    expect(
      (
        await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
          ...params,
          pull_number: 8,
        })
      ).data,
    ).toEqual([]);
    await expect(
      octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
        ...params,
        pull_number: 9,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe("failNext", () => {
  it("fails the next requests to one route only, counted, then answers again", async () => {
    const github = await start();
    twoTenants(github);
    github.setPulls("octo-org/api", [{ number: 1 }]);
    const octokit = octokitFor(github, 1);
    const list = () =>
      octokit.request("GET /repos/{owner}/{repo}/pulls", { owner: "octo-org", repo: "api" });

    github.failNext({ route: PULLS, status: 500, times: 2 });
    await expect(list()).rejects.toMatchObject({
      status: 500,
      message: expect.stringContaining("Internal Server Error"),
    });
    // Another route is untouched by this route's failure.
    expect((await octokit.request("GET /installation/repositories")).status).toBe(200);
    await expect(list()).rejects.toMatchObject({ status: 500 });
    expect((await list()).data).toHaveLength(1);

    github.failNext({ route: "GET /installation/repositories", status: 404 });
    await expect(octokit.request("GET /installation/repositories")).rejects.toMatchObject({
      status: 404,
    });
    expect((await octokit.request("GET /installation/repositories")).status).toBe(200);

    expect(github.count(PULLS)).toBe(3);
    expect(github.requests.filter((r) => r.route === PULLS).map((r) => r.status)).toEqual([
      500, 500, 200,
    ]);
    expect(github.count("GET /installation/repositories")).toBe(3);
  });

  it("fails the routes the fake had before too, which answer as before without installations set", async () => {
    const github = await start();
    github.setFile({
      owner: "octo-org",
      repo: "api",
      path: ".github/notifier.yml",
      text: "channel: eng\n",
    });
    // No installations set: a token for any installation, as before reminders.
    const octokit = octokitFor(github, 42);
    const read = () =>
      octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
        owner: "octo-org",
        repo: "api",
        path: ".github/notifier.yml",
        headers: { accept: "application/vnd.github.raw" },
      });
    github.failNext({ route: "GET /repos/{owner}/{repo}/contents/{path}", status: 502 });
    await expect(read()).rejects.toMatchObject({ status: 502 });
    expect((await read()).data).toBe("channel: eng\n");
    expect(github.installationOf(github.tokens[0] ?? "")).toBe(42);
  });
});
