/**
 * `GET /healthz` and `GET /metrics`, added to Probot's server through `addHandler`.
 * Health is open to anyone (load balancers probe it) and so says only up or down; metrics
 * name repositories' activity volumes and the store's state, so `METRICS_TOKEN` can close them.
 */
import type { Log } from "../shared/log.js";
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { StoreLifecycle } from "../store/types.js";
import type { Metrics } from "./metrics.js";
import { requestPath } from "../shared/request-path.js";
import { withDeadline } from "../shared/deadline.js";

/**
 * Routes for operators: health answers 200 `{"status":"ok"}` when the store does, 503
 * `{"status":"down"}` otherwise; metrics answer only `Authorization: Bearer <metricsToken>`
 * when a token is set.
 *
 * @example
 * const routes = createOpsRoutes({ store, metrics, metricsToken: settings.metricsToken, log });
 */
export function createOpsRoutes(params: {
  store: Pick<StoreLifecycle, "ping">;
  metrics: Metrics;
  /** `METRICS_TOKEN`; null leaves `/metrics` open. */
  metricsToken?: string | null;
  /** Where the reason for a failed health check goes, since the answer itself does not say. */
  log?: Pick<Log, "warn">;
}) {
  const { store, metrics, log } = params;
  const token = params.metricsToken ?? null;
  return [
    async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
      if (req.method !== "GET" || requestPath(req.url) !== "/healthz") return false;
      try {
        await withDeadline(store.ping(), 2_000, "store did not answer within 2 s");
        send(res, 200, { "content-type": "application/json" }, JSON.stringify({ status: "ok" }));
      } catch (error) {
        log?.warn({ err: error }, "health check failed: the store did not answer");
        send(res, 503, { "content-type": "application/json" }, JSON.stringify({ status: "down" }));
      }
      return true;
    },
    async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
      if (req.method !== "GET" || requestPath(req.url) !== "/metrics") return false;
      if (token !== null && !bearerMatches({ header: req.headers.authorization, token })) {
        send(
          res,
          401,
          { "content-type": "text/plain", "www-authenticate": "Bearer" },
          "metrics need Authorization: Bearer <METRICS_TOKEN>\n",
        );
        return true;
      }
      try {
        send(
          res,
          200,
          { "content-type": metrics.registry.contentType },
          await metrics.registry.metrics(),
        );
      } catch (error) {
        send(
          res,
          503,
          { "content-type": "text/plain" },
          `metrics unavailable: ${(error as Error).message}\n`,
        );
      }
      return true;
    },
  ];
}

/**
 * Whether an `Authorization` header carries `Bearer <token>`. Both sides are hashed first so
 * the comparison takes the same time whatever the length or the first differing byte.
 *
 * @example bearerMatches({ header: "Bearer s3cret-s3cret-s3cret", token: "s3cret-s3cret-s3cret" }) // true
 */
export function bearerMatches(params: { header: string | undefined; token: string }): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(params.header ?? "");
  const given = match?.[1] ?? "";
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(params.token)) && given !== "";
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body).toString() });
  res.end(body);
}
