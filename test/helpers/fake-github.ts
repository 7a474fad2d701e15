/**
 * A loopback stand-in for the parts of GitHub's REST API the running app calls: installation
 * tokens, `.github/notifier.yml` from the contents API, the App's webhook delivery log
 * (listing, and redelivery that really sends the delivery again), and the lists reminders read
 * (installations, their repositories, open pull requests, reviews: `fake-github-pulls.ts`).
 * Counts every request by route; anything it does not know is a 404; any route can be made to
 * fail for its next requests. Serve it as GitHub Enterprise: `GHE_HOST=<host>`,
 * `GHE_PROTOCOL=http`, so the app's base URL is `<url>/api/v3`.
 */
import { createHash } from "node:crypto";
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  createHookDeliveryLog,
  type AppWebhook,
  type DeliverParams,
  type HookDeliveryEntry,
} from "./fake-hook-deliveries.js";
import {
  createPullsData,
  pullsRouteOf,
  type FakeInstallation,
  type FakePull,
  type FakeRepositoryInput,
  type FakeReview,
  type PullsRoute,
} from "./fake-github-pulls.js";

export type {
  FakeInstallation,
  FakePull,
  FakeRepositoryInput,
  FakeReview,
} from "./fake-github-pulls.js";
export type {
  AppWebhook,
  AttemptOutcome,
  DeliverParams,
  HookDeliveryEntry,
} from "./fake-hook-deliveries.js";

const PREFIX = "/api/v3";
const TOKEN_ROUTE = /^\/app\/installations\/(\d+)\/access_tokens$/;
const CONTENTS_ROUTE = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/;
const DELIVERIES_ROUTE = /^\/app\/hook\/deliveries$/;
const ATTEMPTS_ROUTE = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/;

/** A route as Octokit names it, or `<METHOD> <path>` for requests the fake answers 404. */
export type FakeGitHubRoute =
  | "POST /app/installations/{installation_id}/access_tokens"
  | "GET /repos/{owner}/{repo}/contents/{path}"
  | "GET /app/hook/deliveries"
  | "POST /app/hook/deliveries/{delivery_id}/attempts"
  | PullsRoute
  | `${string} /${string}`;

export interface RedeliveryRequest {
  /** The delivery-log id asked for. */
  id: number;
  /** 202, or 404 for an id the log does not have. */
  status: number;
  at: number;
}

export interface FakeGitHubOptions {
  /** The App id the App's JWT must be issued by (`iss`); any when unset. */
  appId?: string;
  /**
   * The largest page a list route (the delivery log, installations, repositories, pull
   * requests, reviews) serves whatever `per_page` asks (GitHub's is 100); a smaller one makes a
   * short list span several pages.
   */
  maxPerPage?: number;
}

export interface FakeGitHubRequest {
  route: FakeGitHubRoute;
  /** Path without `/api/v3`, query included. */
  path: string;
  authorization: string | undefined;
  status: number;
}

export interface FakeGitHub {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, for `GHE_HOST`. */
  host: string;
  requests: FakeGitHubRequest[];
  /** Requests made to `route`. */
  count(route: FakeGitHubRoute): number;
  /** Requests per route, for messages. */
  counts(): Record<string, number>;
  /** Tokens handed out, in order. */
  tokens: string[];
  /**
   * Files served by the contents API, keyed `owner/repo:path` (case-insensitive). A file not
   * set is a 404, as for a repository without one.
   */
  setFile(params: {
    owner: string;
    repo: string;
    path: string;
    text: string | null;
    /**
     * Installations whose tokens may read the file, as for a private repository: any other
     * installation's token gets a 404, as GitHub answers. Unset: every installation may (public).
     */
    readableBy?: readonly number[];
  }): void;
  /**
   * Makes every contents request for repositories of `owner` answer `status` (a GitHub outage
   * for one tenant); `null` serves files again.
   */
  failContentsFor(owner: string, status: number | null): void;
  /** The installation each handed-out token belongs to. */
  installationOf(token: string): number | undefined;
  /**
   * The App's installations, listed by `GET /app/installations` (App JWT). Once set, tokens are
   * issued only for these, as on GitHub: another id is a 404, a suspended one a 403. Replaces
   * the list set before, so a test can add or remove an installation while the app runs.
   */
  setInstallations(installations: readonly FakeInstallation[]): void;
  /**
   * The repositories (`owner/name`, or with `defaultBranch`, `private`, `archived`, `id`) the
   * tokens of `installationId` list (`GET /installation/repositories`) and may read the pull
   * requests and reviews of; any other repository is a 404 to them. Replaces those set before.
   */
  setRepositories(installationId: number, repositories: readonly FakeRepositoryInput[]): void;
  /**
   * The pull requests of `owner/repo` (`GET /repos/{owner}/{repo}/pulls`), built from GitHub's
   * `pull_request.opened` example with the fields given. Replaces those set before: set them
   * again without one to close it.
   */
  setPulls(repository: string, pulls: readonly FakePull[]): void;
  /** The reviews of pull request `pullNumber` of `owner/repo`, oldest first. */
  setReviews(repository: string, pullNumber: number, reviews: readonly FakeReview[]): void;
  /**
   * Answers the next `times` (default 1) requests to `route` with `status` before anything
   * else is checked (an outage of that endpoint); then the route answers as before.
   */
  failNext(params: { route: FakeGitHubRoute; status: number; times?: number }): void;
  /**
   * The App's webhook URL and secret, where {@link FakeGitHub.deliver} and redeliveries send.
   * Unset (or null), every attempt is logged `failed to connect to host`.
   */
  setAppWebhook(webhook: AppWebhook | null): void;
  /**
   * Sends one delivery to the App's webhook as GitHub does, signed, and logs the attempt in the
   * delivery log; resolves with the log entry once the attempt is over. Never throws: an app
   * that is down is a logged failure.
   */
  deliver(params: DeliverParams): Promise<HookDeliveryEntry>;
  /** The App's delivery log, in the order attempts ended (the API lists it newest first). */
  deliveryLog: HookDeliveryEntry[];
  /** Every `POST /app/hook/deliveries/{id}/attempts`, in order, with what the fake answered and when. */
  redeliveryRequests: RedeliveryRequest[];
  /** Resolves once every delivery and redelivery started so far has been attempted and logged. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * @example
 * const github = await startFakeGitHub();
 * github.setFile({ owner: "Codertocat", repo: "Hello-World", path: ".github/notifier.yml", text: "channel: eng\n" });
 * const app = await startApp({ env: { GHE_HOST: github.host, GHE_PROTOCOL: "http", ... } });
 * // GitHub's delivery log: a delivery the app missed, which the app may ask to redeliver.
 * github.setAppWebhook({ url: `${app.baseUrl}/api/github/webhooks`, secret: TEST_SECRET });
 * await github.deliver({ event: "issues", payload }); // { status: "OK", status_code: 200, ... }
 */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const files = new Map<string, string>();
  const readers = new Map<string, readonly number[]>();
  const failingOwners = new Map<string, number>();
  const tokenInstallations = new Map<string, number>();
  const requests: FakeGitHubRequest[] = [];
  const tokens: string[] = [];
  const sockets = new Set<Socket>();
  const hookLog = createHookDeliveryLog({ appId: options.appId ?? "1" });
  const redeliveryRequests: RedeliveryRequest[] = [];
  const maxPerPage = options.maxPerPage ?? 100;
  const lists = createPullsData({ appId: Number(options.appId ?? 1), maxPerPage });
  const failures = new Map<FakeGitHubRoute, { status: number; left: number }>();
  let baseUrl = "";
  const fileKey = (owner: string, repo: string, path: string) =>
    `${owner}/${repo}:${path}`.toLowerCase();

  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
  ): { route: FakeGitHubRoute; status: number } => {
    const url = new URL(req.url ?? "/", "http://fake-github");
    const method = req.method ?? "GET";
    const path = url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : url.pathname;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res
        .writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers })
        .end(JSON.stringify(body));
      return status;
    };
    const notFound = () =>
      json(404, {
        message: "Not Found",
        documentation_url: "https://docs.github.com/rest",
        status: "404",
      });

    const failing = knownRoute(method, path);
    const failure = failing === null ? undefined : failures.get(failing);
    if (failing !== null && failure !== undefined) {
      failure.left -= 1;
      if (failure.left <= 0) failures.delete(failing);
      const message = STATUS_CODES[failure.status] ?? "Error";
      const body = {
        message,
        documentation_url: "https://docs.github.com/rest",
        status: String(failure.status),
      };
      return { route: failing, status: json(failure.status, body) };
    }

    const tokenRequest = method === "POST" ? TOKEN_ROUTE.exec(path) : null;
    if (tokenRequest) {
      const route = "POST /app/installations/{installation_id}/access_tokens" as const;
      if (!/^bearer \S+\.\S+\.\S+$/i.test(req.headers.authorization ?? "")) {
        return { route, status: json(401, { message: "A JSON web token could not be decoded" }) };
      }
      const refusal = lists.tokenRefusal(Number(tokenRequest[1]));
      if (refusal !== null) {
        return { route, status: json(refusal.status, { message: refusal.message }) };
      }
      const token = `ghs_fake${String(tokens.length + 1).padStart(4, "0")}`;
      tokens.push(token);
      tokenInstallations.set(token, Number(tokenRequest[1]));
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      return {
        route,
        status: json(201, {
          token,
          expires_at: expiresAt,
          permissions: { contents: "read", checks: "write" },
          repository_selection: "all",
        }),
      };
    }

    const contents = method === "GET" ? CONTENTS_ROUTE.exec(path) : null;
    if (contents) {
      const route = "GET /repos/{owner}/{repo}/contents/{path}" as const;
      const [, owner = "", repo = "", encodedPath = ""] = contents;
      const key = fileKey(
        decodeURIComponent(owner),
        decodeURIComponent(repo),
        decodeURIComponent(encodedPath),
      );
      const text = files.get(key);
      if (!req.headers.authorization?.startsWith("token ghs_fake")) {
        return { route, status: json(401, { message: "Bad credentials" }) };
      }
      const failure = failingOwners.get(decodeURIComponent(owner).toLowerCase());
      if (failure !== undefined) {
        return { route, status: json(failure, { message: "Server Error" }) };
      }
      const installation = tokenInstallations.get(req.headers.authorization.slice("token ".length));
      const allowed = readers.get(key);
      if (text === undefined || (allowed !== undefined && !allowed.includes(installation ?? -1))) {
        return { route, status: notFound() };
      }
      const etag = `"${createHash("sha1").update(text).digest("hex")}"`;
      if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, { etag }).end();
        return { route, status: 304 };
      }
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", etag }).end(text);
      return { route, status: 200 };
    }

    if (DELIVERIES_ROUTE.test(path) || ATTEMPTS_ROUTE.test(path)) {
      return answerHookDeliveries({ req, method, path, url, json, notFound });
    }

    if (method === "GET" && pullsRouteOf(path) !== null) {
      return lists.answer({
        path,
        url,
        authorization: req.headers.authorization,
        json,
        notFound,
        isAppJwt: (authorization) => isAppJwt(authorization, options.appId),
        installationOf: (token) => tokenInstallations.get(token),
        apiUrl: `${baseUrl}${PREFIX}`,
      });
    }

    return { route: `${method} ${path}` as FakeGitHubRoute, status: notFound() };
  };

  /** The App's delivery log: App (JWT) authentication only, as on GitHub. */
  const answerHookDeliveries = (params: {
    req: IncomingMessage;
    method: string;
    path: string;
    url: URL;
    json: (status: number, body: unknown, headers?: Record<string, string>) => number;
    notFound: () => number;
  }): { route: FakeGitHubRoute; status: number } => {
    const { req, method, path, url, json, notFound } = params;
    const attempts = method === "POST" ? ATTEMPTS_ROUTE.exec(path) : null;
    const route: FakeGitHubRoute = attempts
      ? "POST /app/hook/deliveries/{delivery_id}/attempts"
      : "GET /app/hook/deliveries";
    if (!attempts && method !== "GET")
      return { route: `${method} ${path}` as FakeGitHubRoute, status: notFound() };
    if (!isAppJwt(req.headers.authorization, options.appId)) {
      return { route, status: json(401, { message: "A JSON web token could not be decoded" }) };
    }

    if (attempts) {
      const id = Number(attempts[1]);
      const status = hookLog.redeliver(id) ? json(202, {}) : notFound();
      redeliveryRequests.push({ id, status, at: Date.now() });
      return { route, status };
    }

    const perPage = Math.min(
      Math.max(Number(url.searchParams.get("per_page") ?? 30) || 30, 1),
      maxPerPage,
    );
    const page = hookLog.page({ perPage, cursor: url.searchParams.get("cursor") });
    if (page === null) return { route, status: json(400, { message: "Invalid cursor" }) };
    const headers: Record<string, string> = {};
    if (page.nextCursor !== null) {
      headers.link = `<${baseUrl}${PREFIX}/app/hook/deliveries?per_page=${perPage}&cursor=${page.nextCursor}>; rel="next"`;
    }
    return { route, status: json(200, page.entries, headers) };
  };

  const server = createServer((req, res) => {
    // Drain the body; none of the routes reads it.
    req.resume();
    req.on("end", () => {
      const { route, status } = answer(req, res);
      const url = req.url ?? "/";
      requests.push({
        route,
        path: url.startsWith(PREFIX) ? url.slice(PREFIX.length) : url,
        authorization: req.headers.authorization,
        status,
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    host: `127.0.0.1:${port}`,
    requests,
    tokens,
    count: (route) => requests.filter((request) => request.route === route).length,
    counts() {
      const counts: Record<string, number> = {};
      for (const { route } of requests) counts[route] = (counts[route] ?? 0) + 1;
      return counts;
    },
    setFile({ owner, repo, path, text, readableBy }) {
      const key = fileKey(owner, repo, path);
      if (text === null) files.delete(key);
      else files.set(key, text);
      if (readableBy === undefined) readers.delete(key);
      else readers.set(key, readableBy);
    },
    failContentsFor(owner, status) {
      if (status === null) failingOwners.delete(owner.toLowerCase());
      else failingOwners.set(owner.toLowerCase(), status);
    },
    installationOf: (token) => tokenInstallations.get(token),
    setInstallations: (installations) => lists.setInstallations(installations),
    setRepositories: (installationId, repositories) =>
      lists.setRepositories(installationId, repositories),
    setPulls: (repository, pulls) => lists.setPulls(repository, pulls),
    setReviews: (repository, pullNumber, reviews) =>
      lists.setReviews(repository, pullNumber, reviews),
    failNext({ route, status, times = 1 }) {
      if (times > 0) failures.set(route, { status, left: times });
      else failures.delete(route);
    },
    setAppWebhook: (webhook) => hookLog.setWebhook(webhook),
    deliver: (params) => hookLog.deliver(params),
    deliveryLog: hookLog.entries,
    redeliveryRequests,
    settled: () => hookLog.settled(),
    async close() {
      hookLog.close();
      await hookLog.settled();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The route a request names when the fake knows it (what `failNext` takes), else null. */
function knownRoute(method: string, path: string): FakeGitHubRoute | null {
  if (method === "POST" && TOKEN_ROUTE.test(path)) {
    return "POST /app/installations/{installation_id}/access_tokens";
  }
  if (method === "POST" && ATTEMPTS_ROUTE.test(path)) {
    return "POST /app/hook/deliveries/{delivery_id}/attempts";
  }
  if (method !== "GET") return null;
  if (CONTENTS_ROUTE.test(path)) return "GET /repos/{owner}/{repo}/contents/{path}";
  if (DELIVERIES_ROUTE.test(path)) return "GET /app/hook/deliveries";
  return pullsRouteOf(path);
}

/** Whether `authorization` carries an unexpired App JWT (issued by `appId`, when given). */
function isAppJwt(authorization: string | undefined, appId: string | undefined): boolean {
  const match = /^bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(authorization ?? "");
  if (!match?.[2]) return false;
  try {
    const claims = JSON.parse(Buffer.from(match[2], "base64url").toString("utf8")) as {
      iss?: unknown;
      exp?: unknown;
    };
    const unexpired = typeof claims.exp === "number" && claims.exp * 1000 > Date.now();
    return unexpired && (appId === undefined || String(claims.iss) === appId);
  } catch {
    return false;
  }
}
