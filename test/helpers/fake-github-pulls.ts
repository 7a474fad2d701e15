/**
 * The fake GitHub's list routes the reminders read (issue 15): the App's installations, each
 * installation's repositories, a repository's pull requests and a pull request's reviews, paged
 * as GitHub pages them (`per_page`, `page`, a `Link` header). Tests set the data, and change it
 * while the app runs; every answer is built from GitHub's example payloads
 * (`fake-github-shapes.ts`).
 *
 * Every tenant is a stranger here as on GitHub: an installation token lists only its own
 * installation's repositories, and reads pull requests and reviews of those only (404 for any
 * other, as GitHub answers for a repository it will not show).
 */
import {
  installationObject,
  pullObject,
  repositoryObject,
  reviewObject,
  storedRepository,
  type FakeInstallation,
  type FakePull,
  type FakeRepositoryInput,
  type FakeReview,
  type StoredRepository,
} from "./fake-github-shapes.js";

export type {
  FakeInstallation,
  FakePull,
  FakeRepositoryInput,
  FakeReview,
} from "./fake-github-shapes.js";

/** The routes this file answers, named as Octokit names them. */
export type PullsRoute =
  | "GET /app/installations"
  | "GET /installation/repositories"
  | "GET /repos/{owner}/{repo}/pulls"
  | "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews";

const INSTALLATIONS_ROUTE = /^\/app\/installations$/;
const REPOSITORIES_ROUTE = /^\/installation\/repositories$/;
const PULLS_ROUTE = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/;
const REVIEWS_ROUTE = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/reviews$/;

/**
 * The route `GET path` names, when it is one of this file's.
 *
 * @example
 * pullsRouteOf("/repos/o/r/pulls") // "GET /repos/{owner}/{repo}/pulls"
 */
export function pullsRouteOf(path: string): PullsRoute | null {
  if (INSTALLATIONS_ROUTE.test(path)) return "GET /app/installations";
  if (REPOSITORIES_ROUTE.test(path)) return "GET /installation/repositories";
  if (PULLS_ROUTE.test(path)) return "GET /repos/{owner}/{repo}/pulls";
  if (REVIEWS_ROUTE.test(path)) return "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews";
  return null;
}

/** What a request carries and how to answer it, from the fake's request handler. */
export interface ListRequest {
  path: string;
  url: URL;
  authorization: string | undefined;
  json: (status: number, body: unknown, headers?: Record<string, string>) => number;
  notFound: () => number;
  /** Whether `authorization` is the App's JWT. */
  isAppJwt: (authorization: string | undefined) => boolean;
  /** The installation a token the fake issued belongs to. */
  installationOf: (token: string) => number | undefined;
  /** `http://127.0.0.1:<port>/api/v3`, for `Link` URLs. */
  apiUrl: string;
}

/** Why the fake refuses an installation a token, as GitHub does; null when it issues one. */
export type TokenRefusal = { status: 404 | 403; message: string } | null;

export interface PullsData {
  /** The App's installations, for `GET /app/installations`; replaces those set before. */
  setInstallations(installations: readonly FakeInstallation[]): void;
  /** The repositories `installationId`'s tokens may list and read; replaces those set before. */
  setRepositories(installationId: number, repositories: readonly FakeRepositoryInput[]): void;
  /** The pull requests of `owner/repo`; replaces those set before. */
  setPulls(repository: string, pulls: readonly FakePull[]): void;
  /** The reviews of one pull request, oldest first; replaces those set before. */
  setReviews(repository: string, pullNumber: number, reviews: readonly FakeReview[]): void;
  /** Once installations are set, a token only for one of them that is not suspended. */
  tokenRefusal(installationId: number): TokenRefusal;
  answer(request: ListRequest): { route: PullsRoute; status: number };
}

/**
 * @example
 * const data = createPullsData({ appId: 1, maxPerPage: 100 });
 * data.setInstallations([{ id: 1, account: "octo-org" }]);
 * data.setRepositories(1, ["octo-org/api"]);
 * data.setPulls("octo-org/api", [{ number: 7, requestedReviewers: ["hubot"] }]);
 */
export function createPullsData(params: { appId: number; maxPerPage: number }): PullsData {
  let installations: FakeInstallation[] | null = null;
  const repositoriesOf = new Map<number, StoredRepository[]>();
  const pullsOf = new Map<string, FakePull[]>();
  const reviewsOf = new Map<string, FakeReview[]>();
  const key = (repository: string) => repository.toLowerCase();
  const reviewKey = (repository: string, pullNumber: number) => `${key(repository)}#${pullNumber}`;

  /** The repository `owner/name` when installation `installationId` may read it. */
  const readable = (installationId: number, fullName: string): StoredRepository | undefined =>
    repositoriesOf.get(installationId)?.find((repo) => key(repo.fullName) === key(fullName));

  const paged = (
    request: ListRequest,
    total: number,
  ): { start: number; end: number; headers: Record<string, string> } => {
    const { url } = request;
    const asked = Number(url.searchParams.get("per_page") ?? 30);
    const perPage = Math.min(Number.isInteger(asked) && asked > 0 ? asked : 30, params.maxPerPage);
    const askedPage = Number(url.searchParams.get("page") ?? 1);
    const page = Number.isInteger(askedPage) && askedPage > 0 ? askedPage : 1;
    return {
      start: (page - 1) * perPage,
      end: page * perPage,
      headers: linkHeader({ request, page, lastPage: Math.max(Math.ceil(total / perPage), 1) }),
    };
  };

  /** The installation an issued installation token (`token …` or `Bearer …`) belongs to. */
  const installationOfRequest = (request: ListRequest): number | undefined => {
    const token = /^(?:token|bearer) (\S+)$/i.exec(request.authorization ?? "")?.[1];
    return token === undefined ? undefined : request.installationOf(token);
  };

  const badCredentials = (request: ListRequest) =>
    request.json(401, {
      message: "Bad credentials",
      documentation_url: "https://docs.github.com/rest",
      status: "401",
    });

  return {
    setInstallations(list) {
      installations = [...list];
    },
    setRepositories(installationId, repositories) {
      repositoriesOf.set(installationId, repositories.map(storedRepository));
    },
    setPulls(repository, pulls) {
      pullsOf.set(key(storedRepository(repository).fullName), [...pulls]);
    },
    setReviews(repository, pullNumber, reviews) {
      reviewsOf.set(reviewKey(repository, pullNumber), [...reviews]);
    },
    tokenRefusal(installationId) {
      if (installations === null) return null;
      const installation = installations.find((candidate) => candidate.id === installationId);
      if (installation === undefined) return { status: 404, message: "Not Found" };
      if (installation.suspendedAt) {
        return { status: 403, message: "This installation has been suspended" };
      }
      return null;
    },
    answer(request) {
      const route = pullsRouteOf(request.path);
      if (route === null) throw new Error(`not a list route: ${request.path}`);

      if (route === "GET /app/installations") {
        if (!request.isAppJwt(request.authorization)) {
          return {
            route,
            status: request.json(401, { message: "A JSON web token could not be decoded" }),
          };
        }
        const all = installations ?? [];
        const { start, end, headers } = paged(request, all.length);
        const body = all
          .slice(start, end)
          .map((installation) => installationObject({ installation, appId: params.appId }));
        return { route, status: request.json(200, body, headers) };
      }

      const installationId = installationOfRequest(request);
      if (installationId === undefined) return { route, status: badCredentials(request) };

      if (route === "GET /installation/repositories") {
        const all = repositoriesOf.get(installationId) ?? [];
        const { start, end, headers } = paged(request, all.length);
        const body = {
          total_count: all.length,
          repositories: all.slice(start, end).map(repositoryObject),
          repository_selection:
            installations?.find((candidate) => candidate.id === installationId)
              ?.repositorySelection ?? "all",
        };
        return { route, status: request.json(200, body, headers) };
      }

      const [, owner = "", repo = "", number] =
        (route === "GET /repos/{owner}/{repo}/pulls" ? PULLS_ROUTE : REVIEWS_ROUTE).exec(
          request.path,
        ) ?? [];
      const repository = readable(
        installationId,
        `${decodeURIComponent(owner)}/${decodeURIComponent(repo)}`,
      );
      if (repository === undefined) return { route, status: request.notFound() };
      const pulls = pullsOf.get(key(repository.fullName)) ?? [];

      if (route === "GET /repos/{owner}/{repo}/pulls") {
        const listed = listedPulls({ repository, pulls, query: request.url.searchParams });
        const { start, end, headers } = paged(request, listed.length);
        const body = listed.slice(start, end).map((pull) => pullObject({ repository, pull }));
        return { route, status: request.json(200, body, headers) };
      }

      const pullNumber = Number(number);
      const reviews = reviewsOf.get(reviewKey(repository.fullName, pullNumber));
      const pull = pulls.find((candidate) => candidate.number === pullNumber);
      if (pull === undefined && reviews === undefined) return { route, status: request.notFound() };
      const all = reviews ?? [];
      const { start, end, headers } = paged(request, all.length);
      const body = all.slice(start, end).map((review, index) =>
        reviewObject({
          repository,
          pull: pull ?? { number: pullNumber },
          review,
          position: start + index,
        }),
      );
      return { route, status: request.json(200, body, headers) };
    },
  };
}

/**
 * The pull requests `GET /repos/{owner}/{repo}/pulls` lists for `query`, as GitHub documents:
 * `state` open (default), closed or all; `base` a branch; `sort` created (default) or updated
 * (popularity and long-running are answered as created); `direction` desc by default for
 * created and updated.
 */
function listedPulls(params: {
  repository: StoredRepository;
  pulls: readonly FakePull[];
  query: URLSearchParams;
}): FakePull[] {
  const { repository, pulls, query } = params;
  const state = query.get("state") ?? "open";
  const base = query.get("base");
  const byUpdated = query.get("sort") === "updated";
  const ascending = query.get("direction") === "asc";
  const time = (pull: FakePull) => {
    const value = (byUpdated ? pull.updatedAt : undefined) ?? pull.createdAt;
    return value === undefined ? 0 : new Date(value).getTime();
  };
  return pulls
    .filter((pull) => state === "all" || (pull.state ?? "open") === state)
    .filter((pull) => base === null || (pull.baseRef ?? repository.defaultBranch) === base)
    .sort((a, b) => {
      const order = time(a) - time(b) || a.number - b.number;
      return ascending ? order : -order;
    });
}

/**
 * GitHub's `Link` header for page `page` of `lastPage`: `prev` and `first` after the first page,
 * `next` and `last` before the last, each the request's URL with its other parameters kept.
 * None when everything fits on one page, as GitHub omits it then.
 */
function linkHeader(params: {
  request: ListRequest;
  page: number;
  lastPage: number;
}): Record<string, string> {
  const { request, page, lastPage } = params;
  const to = (target: number) => {
    const url = new URL(`${request.apiUrl}${request.path}`);
    for (const [name, value] of request.url.searchParams) url.searchParams.append(name, value);
    url.searchParams.set("page", String(target));
    return `<${url.href}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${to(Math.min(page - 1, lastPage))}; rel="prev"`);
  if (page < lastPage) links.push(`${to(page + 1)}; rel="next"`, `${to(lastPage)}; rel="last"`);
  if (page > 1) links.push(`${to(1)}; rel="first"`);
  return links.length === 0 ? {} : { link: links.join(", ") };
}
