/**
 * The receive stage: the Probot application function. Probot verifies the signature; this
 * stores each verified delivery and lets Probot acknowledge it only once the row is durable.
 * Nothing slow happens here: the worker picks the delivery up from the store.
 */
import type { ApplicationFunction, Probot } from "probot";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../store/types.js";
import type { Metrics } from "../ops/metrics.js";
import { deliveryMeta } from "../normalize/normalize.js";
import { MAX_WEBHOOK_BYTES, readBody, rejectRequest } from "./read-body.js";
import { requestPath } from "./request-path.js";

export const WEBHOOK_PATH = "/api/github/webhooks";

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface ReceiverParams {
  store: Store;
  metrics: Metrics;
  /** Extra HTTP routes (health, metrics), tried before the webhook path. */
  routes?: HttpHandler[];
  maxBodyBytes?: number;
  /** Called for each verified delivery after it is stored (the worker's wake-up in one process). */
  onStored?: () => void;
}

/**
 * Builds the Probot app function that stores every verified delivery before it is acknowledged.
 *
 * @example
 * const app = createReceiver({ store, metrics });
 * const middleware = await createNodeMiddleware(app, { probot });
 */
export function createReceiver(params: ReceiverParams): ApplicationFunction {
  const { store, metrics } = params;
  const maxBodyBytes = params.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  // Raw bodies by delivery id, kept from the body guard to the handler so the store gets the
  // signed bytes without serialising the parsed payload again.
  const rawBodies = new Map<string, string>();

  return (app: Probot, options) => {
    for (const route of params.routes ?? []) options.addHandler?.(route);

    options.addHandler?.(async (req, res) => {
      if (req.method !== "POST" || requestPath(req.url) !== WEBHOOK_PATH) return false;
      const deliveryId = header(req, "x-github-delivery");
      res.on("finish", () => {
        if (deliveryId) rawBodies.delete(deliveryId);
        if (res.statusCode >= 400) metrics.rejected.inc({ status: String(res.statusCode) });
      });
      const result = await readBody(req, maxBodyBytes);
      if (!result.ok) {
        app.log.warn({ deliveryId, status: result.status }, `webhook refused: ${result.error}`);
        rejectRequest(res, result.status, result.error);
        return true;
      }
      // GitHub only ever sends an object; anything else (null, a number, an array) is refused
      // here, before Probot's handlers would fail on it with a 500.
      if (!looksLikeJsonObject(result.body)) {
        rejectRequest(res, 400, "payload must be a JSON object");
        return true;
      }
      // Probot's middleware takes a pre-read body from here instead of the stream.
      req.body = {};
      req.rawBody = result.body;
      if (deliveryId) rawBodies.set(deliveryId, result.body.toString("utf8"));
      return false;
    });

    app.onAny(async (context) => {
      const payload = context.payload as unknown;
      const meta = deliveryMeta(context.name, payload);
      const outcome = await store.insertDelivery({
        id: context.id,
        event: context.name,
        action: meta.action,
        installationId: meta.installationId,
        repository: meta.repository,
        payload: rawBodies.get(context.id) ?? JSON.stringify(payload),
        receivedAt: new Date(),
      });
      if (outcome === "duplicate") {
        metrics.duplicates.inc();
        app.log.info({ deliveryId: context.id, event: context.name }, "duplicate delivery acknowledged, not stored again");
        return;
      }
      metrics.received.inc();
      app.log.debug({ deliveryId: context.id, event: context.name }, "delivery stored");
      params.onStored?.();
    });
  };
}


function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
}

/** The first non-blank byte is `{` (or the body is empty, which Probot refuses as not JSON). */
function looksLikeJsonObject(body: Buffer): boolean {
  for (const byte of body) {
    // space, tab, line feed, carriage return, and a UTF-8 byte-order mark's bytes
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
    return byte === 0x7b;
  }
  return true;
}
