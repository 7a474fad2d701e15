/**
 * A loopback stand-in for the parts of GitHub's REST API the running app calls: installation
 * tokens and `.github/notifier.yml` from the contents API. Counts every request by route;
 * anything it does not know is a 404. Serve it as GitHub Enterprise:
 * `GHE_HOST=<host>`, `GHE_PROTOCOL=http`, so the app's base URL is `<url>/api/v3`.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

const PREFIX = "/api/v3";
const TOKEN_ROUTE = /^\/app\/installations\/(\d+)\/access_tokens$/;
const CONTENTS_ROUTE = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/;

/** A route as Octokit names it, or `<METHOD> <path>` for requests the fake answers 404. */
export type FakeGitHubRoute =
  | "POST /app/installations/{installation_id}/access_tokens"
  | "GET /repos/{owner}/{repo}/contents/{path}"
  | `${string} /${string}`;

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
  setFile(params: { owner: string; repo: string; path: string; text: string | null }): void;
  close(): Promise<void>;
}

/**
 * @example
 * const github = await startFakeGitHub();
 * github.setFile({ owner: "Codertocat", repo: "Hello-World", path: ".github/notifier.yml", text: "channel: eng\n" });
 * const app = await startApp({ env: { GHE_HOST: github.host, GHE_PROTOCOL: "http", ... } });
 */
export async function startFakeGitHub(): Promise<FakeGitHub> {
  const files = new Map<string, string>();
  const requests: FakeGitHubRequest[] = [];
  const tokens: string[] = [];
  const sockets = new Set<Socket>();
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

    if (method === "POST" && TOKEN_ROUTE.test(path)) {
      const route = "POST /app/installations/{installation_id}/access_tokens" as const;
      if (!/^bearer \S+\.\S+\.\S+$/i.test(req.headers.authorization ?? "")) {
        return { route, status: json(401, { message: "A JSON web token could not be decoded" }) };
      }
      const token = `ghs_fake${String(tokens.length + 1).padStart(4, "0")}`;
      tokens.push(token);
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
      const text = files.get(
        fileKey(
          decodeURIComponent(owner),
          decodeURIComponent(repo),
          decodeURIComponent(encodedPath),
        ),
      );
      if (!req.headers.authorization?.startsWith("token ghs_fake")) {
        return { route, status: json(401, { message: "Bad credentials" }) };
      }
      if (text === undefined) return { route, status: notFound() };
      const etag = `"${createHash("sha1").update(text).digest("hex")}"`;
      if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, { etag }).end();
        return { route, status: 304 };
      }
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", etag }).end(text);
      return { route, status: 200 };
    }

    return { route: `${method} ${path}` as FakeGitHubRoute, status: notFound() };
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

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    tokens,
    count: (route) => requests.filter((request) => request.route === route).length,
    counts() {
      const counts: Record<string, number> = {};
      for (const { route } of requests) counts[route] = (counts[route] ?? 0) + 1;
      return counts;
    },
    setFile({ owner, repo, path, text }) {
      if (text === null) files.delete(fileKey(owner, repo, path));
      else files.set(fileKey(owner, repo, path), text);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
