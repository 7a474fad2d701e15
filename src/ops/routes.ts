/** `GET /healthz` and `GET /metrics`, added to Probot's server through `addHandler`. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../store/types.js";
import type { Metrics } from "./metrics.js";
import { requestPath } from "../receive/request-path.js";
import { withDeadline } from "../shared/deadline.js";

/**
 * Routes for operators: health answers 200 when the store does, 503 otherwise.
 *
 * @example
 * const routes = createOpsRoutes({ store, metrics });
 */
export function createOpsRoutes(params: { store: Store; metrics: Metrics }) {
  const { store, metrics } = params;
  return [
    async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
      if (req.method !== "GET" || requestPath(req.url) !== "/healthz") return false;
      try {
        await withDeadline(store.ping(), 2_000, "store did not answer within 2 s");
        send(res, 200, "application/json", JSON.stringify({ status: "ok", store: store.kind }));
      } catch (error) {
        send(
          res,
          503,
          "application/json",
          JSON.stringify({ status: "unavailable", store: store.kind, error: (error as Error).message }),
        );
      }
      return true;
    },
    async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
      if (req.method !== "GET" || requestPath(req.url) !== "/metrics") return false;
      try {
        send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
      } catch (error) {
        send(res, 503, "text/plain", `metrics unavailable: ${(error as Error).message}\n`);
      }
      return true;
    },
  ];
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body).toString() });
  res.end(body);
}
