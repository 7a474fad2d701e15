/**
 * The first thing every request meets, before Probot: any request the webhooks middleware would
 * take as a delivery (its path read the way the middleware reads it) has its body read here,
 * bounded in size, time and, across requests, in bytes held; its HMAC-SHA256 signature is
 * checked on the raw bytes before anything is copied or decoded. A verified delivery is parsed
 * once and handed to `accept` (which stores it), and answered here as Probot's middleware
 * answers one (`200 ok`, the same refusals): Probot's webhook machinery would verify the
 * signature a second time, parse the body again and build an Octokit and a logger per event,
 * none of which storing a delivery needs (issue 12's profile: a fifth of the receive CPU).
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

/** A delivery whose signature matched: what `accept` stores. */
export interface VerifiedDelivery {
  /** `X-GitHub-Delivery`. */
  id: string;
  /** `X-GitHub-Event`. */
  event: string;
  /** The signed body, decoded once as UTF-8: the text stored. */
  text: string;
  /** The body parsed (a JSON object). */
  payload: Record<string, unknown>;
  /** The verified signature's digest (hex): the body's fingerprint for replay protection. */
  signature?: string;
}

/**
 * Decodes strictly: a body that is not valid UTF-8 (or starts with a byte-order mark, which
 * GitHub never sends) would not be stored as the bytes GitHub signed, so it is refused with 400.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The content types Probot's middleware accepts as JSON. */
const JSON_CONTENT_TYPE = /^\s*(application\/json)\s*(?:;|$)/i;

/** Answers the request and returns `true`, or returns `false` to let the next handler answer. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface WebhookGuardParams {
  /** The webhook secret GitHub signs with (`WEBHOOK_SECRET`). */
  secret: string;
  /**
   * Stores a verified delivery; the request is answered `200 ok` once it resolves (the row is
   * durable), `500` when it rejects (GitHub then shows the delivery failed, and redelivery
   * recovers it).
   */
  accept: (delivery: VerifiedDelivery) => Promise<unknown>;
  metrics: Pick<Metrics, "rejected">;
  log: Pick<Log, "warn" | "error">;
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
 * const guard = createWebhookGuard({ secret, accept, metrics, log });
 * createServer(async (req, res) => { if (!(await guard(req, res))) void middleware(req, res); });
 */
export function createWebhookGuard(params: WebhookGuardParams): HttpHandler {
  const { secret, metrics, log } = params;
  const maxBytes = params.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  const budget = params.budget ?? createByteBudget({ limitBytes: DEFAULT_UNVERIFIED_BUDGET_BYTES });

  return async (req, res) => {
    if (req.method !== "POST" || deliveryPath(req.url) !== WEBHOOK_PATH) return false;
    const deliveryId = header(req, "x-github-delivery");
    const event = header(req, "x-github-event");
    res.on("finish", () => {
      if (res.statusCode >= 400) metrics.rejected.inc({ status: String(res.statusCode) });
    });
    // Refused before a byte of the body is read, as Probot's middleware refuses them.
    if (!JSON_CONTENT_TYPE.test(header(req, "content-type") ?? "")) {
      rejectRequest(res, {
        status: 415,
        error: 'Unsupported "Content-Type" header value. Must be "application/json"',
        unread: true,
      });
      return true;
    }
    const missing = [
      ...(event ? [] : ["x-github-event"]),
      ...(deliveryId ? [] : ["x-github-delivery"]),
    ];
    if (missing.length > 0) {
      rejectRequest(res, {
        status: 400,
        error: `Required headers missing: ${missing.join(", ")}`,
        unread: true,
      });
      return true;
    }
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
    let text: string;
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
      // GitHub only ever sends an object; anything else (null, a number, an array) is refused
      // here, before Probot's handlers would fail on it with a 500.
      if (!looksLikeJsonObject(result.chunks)) {
        rejectRequest(res, { status: 400, error: "payload must be a JSON object" });
        return true;
      }
      // One copy of the body from here on: the text. A body in one chunk (most, at 12 KB) is
      // decoded where it lies; the chunks are garbage as soon as this returns.
      const [only] = result.chunks;
      try {
        text = utf8.decode(
          result.chunks.length === 1 && only ? only : Buffer.concat(result.chunks, result.size),
        );
      } catch {
        rejectRequest(res, { status: 400, error: "payload is not valid UTF-8" });
        return true;
      }
    } finally {
      lease.release();
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      rejectRequest(res, { status: 400, error: "payload is not valid JSON" });
      return true;
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      rejectRequest(res, { status: 400, error: "payload must be a JSON object" });
      return true;
    }
    try {
      await params.accept({
        id: deliveryId as string,
        event: event as string,
        text,
        payload: payload as Record<string, unknown>,
        signature: expected,
      });
    } catch (error) {
      log.error({ deliveryId, err: error }, "could not store a delivery; answered 500");
      if (!res.headersSent) {
        rejectRequest(res, {
          status: 500,
          error: "the delivery could not be stored; redeliver it",
        });
      }
      return true;
    }
    res.writeHead(200, { "content-type": "text/plain", "content-length": "3" }).end("ok\n");
    return true;
  };
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
}

/** The first non-blank byte is `{` (or the body is empty, which Probot refuses as not JSON). */
function looksLikeJsonObject(chunks: readonly Buffer[]): boolean {
  for (const chunk of chunks) {
    const found = firstNonBlank(chunk);
    if (found !== null) return found === 0x7b;
  }
  return true;
}

/** The first byte of `chunk` that is not blank, or `null` when all are. */
function firstNonBlank(chunk: Buffer): number | null {
  for (const byte of chunk) {
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
    return byte;
  }
  return null;
}
