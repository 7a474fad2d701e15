/**
 * Reads a webhook request body before Probot's middleware does, so a body over GitHub's cap is
 * refused with 413 before it is buffered whole, every byte held counts against the shared
 * budget for unverified bodies, and a sender too slow to be GitHub is cut off.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BudgetLease } from "./byte-budget.js";

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/** GitHub gives up on a delivery after 10 s; a body still arriving after that is not GitHub's. */
const BODY_DEADLINE_MS = 10_000;

/** Why a request is refused, as the client is told. */
export interface Refusal {
  status: 400 | 408 | 413 | 415 | 500 | 503;
  error: string;
  /** Sent as `Retry-After` (503). */
  retryAfterSeconds?: number;
  /** The body was not read to its end: the rest is dropped, and the connection cut after {@link LINGER_MS}. */
  unread?: boolean;
}

/** The body as it arrived, in chunks: nothing is copied before the signature is checked. */
export type BodyReadResult =
  { ok: true; chunks: Buffer[]; size: number } | ({ ok: false } & Refusal);

/**
 * Reads the whole body, stopping at `maxBytes`, at `deadlineMs`, or when `lease` cannot hold
 * more. A declared `Content-Length` is taken from the lease up front, so a body that cannot fit
 * is refused before a byte of it is read. `onChunk` sees each chunk as it arrives (to hash it).
 *
 * @example
 * const result = await readBody({ req, maxBytes: MAX_WEBHOOK_BYTES, lease: budget.lease() });
 */
export function readBody(params: {
  req: IncomingMessage;
  maxBytes: number;
  lease: BudgetLease;
  onChunk?: (chunk: Buffer) => void;
  deadlineMs?: number;
}): Promise<BodyReadResult> {
  const { req, maxBytes, lease } = params;
  const declaredHeader = req.headers["content-length"];
  const declared = declaredHeader === undefined ? null : Number(declaredHeader);
  if (declared !== null && Number.isFinite(declared) && declared > maxBytes) {
    return Promise.resolve({ ok: false, ...tooLarge(maxBytes) });
  }
  const reservedUpFront = declared !== null && Number.isSafeInteger(declared) && declared >= 0;
  if (reservedUpFront && !lease.take(declared))
    return Promise.resolve({ ok: false, ...overBudget() });

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyReadResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Whatever still arrives is dropped, not kept.
      if (!result.ok) chunks.length = 0;
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          status: 408,
          error: `request body not received within ${Math.round((params.deadlineMs ?? BODY_DEADLINE_MS) / 1000)} s`,
          unread: true,
        }),
      params.deadlineMs ?? BODY_DEADLINE_MS,
    );
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) return finish({ ok: false, ...tooLarge(maxBytes) });
      if (!reservedUpFront && !lease.take(chunk.length))
        return finish({ ok: false, ...overBudget() });
      params.onChunk?.(chunk);
      chunks.push(chunk);
    });
    req.on("end", () => finish({ ok: true, chunks, size }));
    req.on("error", (error) =>
      finish({
        ok: false,
        status: 400,
        error: `request body could not be read: ${error.message}`,
        unread: true,
      }),
    );
  });
}

function tooLarge(maxBytes: number): Refusal {
  return {
    status: 413,
    error: `payload larger than ${Math.round(maxBytes / 1024 / 1024)} MB, GitHub's cap for webhooks`,
    unread: true,
  };
}

function overBudget(): Refusal {
  return {
    status: 503,
    error: "too many webhook bodies are being received at once; retry shortly",
    retryAfterSeconds: 1,
    unread: true,
  };
}

/**
 * How long the rest of a refused body is read and dropped before the connection is cut.
 * Closing at once, with the sender's bytes unread, makes the kernel reset the connection, and
 * the sender may then lose the answer that says why; a sender still writing after this is cut.
 */
const LINGER_MS = 1_000;

/**
 * Answers a JSON error. When the body was not read to its end, the rest is read and dropped
 * (never kept) for at most {@link LINGER_MS}, then the connection is cut.
 *
 * @example
 * rejectRequest(res, { status: 400, error: "payload must be a JSON object" });
 */
export function rejectRequest(res: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ error: refusal.error });
  res.writeHead(refusal.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body).toString(),
    ...(refusal.retryAfterSeconds === undefined
      ? {}
      : { "retry-after": String(refusal.retryAfterSeconds) }),
  });
  res.end(body);
  const req = res.req;
  if (!refusal.unread || req.complete) return;
  // Node drops an unconsumed body on its own once the answer is sent; a guard that was
  // reading keeps dropping what arrives. Either way nothing is kept; this only bounds the time.
  const cut = setTimeout(() => req.socket.destroy(), LINGER_MS);
  cut.unref();
  req.once("end", () => clearTimeout(cut));
  req.socket.once("close", () => clearTimeout(cut));
}
