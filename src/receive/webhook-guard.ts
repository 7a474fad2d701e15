/**
 * The first thing every request meets, before Probot: any request the webhooks middleware would
 * take as a delivery (its path read the way the middleware reads it) has its body read here,
 * bounded in size, time and, across requests, in bytes held; its HMAC-SHA256 signature is
 * checked on the raw bytes before anything is copied or decoded. Only a verified body goes on
 * to Probot, pre-read, so Probot never reads a stranger's stream.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Log } from "../shared/log.js";
import type { Metrics } from "../ops/metrics.js";
import {
  createByteBudget,
  DEFAULT_UNVERIFIED_BUDGET_BYTES,
  type ByteBudget,
} from "./byte-budget.js";
import { MAX_WEBHOOK_BYTES, readBody, rejectRequest } from "./read-body.js";
import { deliveryPath } from "../shared/request-path.js";

export const WEBHOOK_PATH = "/api/github/webhooks";

/** Verified raw bodies by delivery id, from the guard to the receiver's store call. */
export type RawBodies = Map<string, Buffer>;

/** Answers the request and returns `true`, or returns `false` to let the next handler answer. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface WebhookGuardParams {
  /** The webhook secret GitHub signs with (`WEBHOOK_SECRET`). */
  secret: string;
  /** Where verified bodies are left for the receiver. */
  rawBodies: RawBodies;
  metrics: Pick<Metrics, "rejected">;
  log: Pick<Log, "warn">;
  /** Largest body accepted; GitHub's cap by default. */
  maxBodyBytes?: number;
  /** Bytes all unverified bodies together may hold; 64 MiB by default. */
  budget?: ByteBudget;
  /** How long a body may take to arrive. */
  bodyDeadlineMs?: number;
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/**
 * Builds the guard; put it in the server's request handler before Probot's middleware.
 *
 * @example
 * const guard = createWebhookGuard({ secret, rawBodies, metrics, log });
 * createServer(async (req, res) => { if (!(await guard(req, res))) void middleware(req, res); });
 */
export function createWebhookGuard(params: WebhookGuardParams): HttpHandler {
  const { secret, rawBodies, metrics, log } = params;
  const maxBytes = params.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  const budget = params.budget ?? createByteBudget({ limitBytes: DEFAULT_UNVERIFIED_BUDGET_BYTES });

  return async (req, res) => {
    if (req.method !== "POST" || deliveryPath(req.url) !== WEBHOOK_PATH) return false;
    const deliveryId = header(req, "x-github-delivery");
    res.on("finish", () => {
      if (deliveryId) rawBodies.delete(deliveryId);
      if (res.statusCode >= 400) metrics.rejected.inc({ status: String(res.statusCode) });
    });
    const expected = SIGNATURE.exec(header(req, "x-hub-signature-256") ?? "")?.[1];
    if (expected === undefined) {
      // Nothing can verify without it: refused before a byte of the body is read.
      rejectRequest(res, {
        status: 400,
        error: "X-Hub-Signature-256 is missing or not sha256=<64 lower-case hex digits>",
        unread: true,
      });
      return true;
    }
    const hmac = createHmac("sha256", secret);
    const lease = budget.lease();
    let body: Buffer;
    try {
      const result = await readBody({
        req,
        maxBytes,
        lease,
        onChunk: (chunk) => hmac.update(chunk),
        ...(params.bodyDeadlineMs === undefined ? {} : { deadlineMs: params.bodyDeadlineMs }),
      });
      if (!result.ok) {
        log.warn(
          { deliveryId, status: result.status, url: req.url },
          `webhook refused: ${result.error}`,
        );
        rejectRequest(res, result);
        return true;
      }
      if (!timingSafeEqual(hmac.digest(), Buffer.from(expected, "hex"))) {
        rejectRequest(res, {
          status: 400,
          error: "signature does not match event payload and secret",
        });
        return true;
      }
      body = Buffer.concat(result.chunks, result.size);
    } finally {
      lease.release();
    }
    // GitHub only ever sends an object; anything else (null, a number, an array) is refused
    // here, before Probot's handlers would fail on it with a 500.
    if (!looksLikeJsonObject(body)) {
      rejectRequest(res, { status: 400, error: "payload must be a JSON object" });
      return true;
    }
    // Probot's middleware takes a pre-read body from here instead of the stream.
    req.body = {};
    req.rawBody = body;
    if (deliveryId) rawBodies.set(deliveryId, body);
    return false;
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
    if (
      byte === 0x20 ||
      byte === 0x09 ||
      byte === 0x0a ||
      byte === 0x0d ||
      byte === 0xef ||
      byte === 0xbb ||
      byte === 0xbf
    )
      continue;
    return byte === 0x7b;
  }
  return true;
}
