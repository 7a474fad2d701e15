/**
 * Reads a webhook request body ahead of Probot's middleware, so a body over GitHub's cap is
 * refused with 413 before it is buffered whole, and the raw bytes are kept for the store.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export type BodyReadResult = { ok: true; body: Buffer } | { ok: false; status: 413 | 400; error: string };

/**
 * Reads the whole body, stopping at `maxBytes`.
 *
 * @example
 * const result = await readBody(req, MAX_WEBHOOK_BYTES);
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyReadResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.resolve(tooLarge(maxBytes));
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        resolve(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve({ ok: true, body: Buffer.concat(chunks, size) });
    });
    req.on("error", (error) => {
      if (done) return;
      done = true;
      resolve({ ok: false, status: 400, error: `request body could not be read: ${error.message}` });
    });
  });
}

function tooLarge(maxBytes: number): BodyReadResult {
  return {
    ok: false,
    status: 413,
    error: `payload larger than ${Math.round(maxBytes / 1024 / 1024)} MB, GitHub's cap for webhooks`,
  };
}

/** Answers a JSON error and closes the connection when the body was not read to the end. */
export function rejectRequest(res: ServerResponse, status: number, error: string): void {
  const body = JSON.stringify({ error });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body).toString(),
    ...(status === 413 ? { connection: "close" } : {}),
  });
  res.end(body);
}
