/**
 * The first thing every request meets, before Probot: any request the webhooks middleware would
 * take as a delivery (its path read the way the middleware reads it) has its body read here,
 * bounded in size, time and, across requests, in bytes held; its HMAC-SHA256 signature is
 * checked on the raw bytes before anything is copied or decoded. Only a verified body goes on
 * to Probot, pre-read and decoded once, so Probot never reads a stranger's stream.
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

/**
 * Verified bodies by delivery id, decoded once, from the guard to the receiver's store call.
 * The receiver takes its entry out as it stores it; the guard drops any left when the answer
 * is sent (a request Probot refused before the receiver ran).
 */
export type RawBodies = Map<string, string>;

/**
 * Decodes exactly as Probot's webhooks middleware decodes a pre-read body (`TextDecoder`:
 * invalid sequences become U+FFFD, a leading byte-order mark is dropped), so the text Probot
 * verifies and parses is the text stored. A body that does not survive this unchanged (invalid
 * UTF-8, a BOM) no longer matches its signature there and is refused with 400, never stored.
 */
const utf8 = new TextDecoder("utf-8", { fatal: false });

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
      text = utf8.decode(
        result.chunks.length === 1 && only ? only : Buffer.concat(result.chunks, result.size),
      );
    } finally {
      lease.release();
    }
    // Probot's middleware takes a pre-read string body as it is (no second decode, no Buffer
    // kept for it); the receiver stores the same string.
    req.body = text;
    if (deliveryId) rawBodies.set(deliveryId, text);
    return false;
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
