/** Reading Octokit's answers and errors, the same way wherever the app calls GitHub. */

/**
 * The HTTP status an Octokit error carries, or null when there is none (network failure).
 *
 * @example
 * statusOf(error) === 404
 */
export function statusOf(error: unknown): number | null {
  if (typeof error !== "object" || error === null || !("status" in error)) return null;
  return typeof error.status === "number" ? error.status : null;
}

/**
 * A file's text from a contents response: the raw media type arrives as text or bytes
 * depending on GitHub's content type; the JSON form is base64. Null for a directory or link.
 *
 * @example
 * decodeContent(response.data) // "routes: ..."
 */
export function decodeContent(data: unknown): string | null {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (typeof data === "object" && data !== null && !Array.isArray(data)) {
    const { type, content, encoding } = data as {
      type?: unknown;
      content?: unknown;
      encoding?: unknown;
    };
    if (type === "file" && typeof content === "string" && encoding === "base64") {
      return Buffer.from(content, "base64").toString("utf8");
    }
  }
  return null;
}

/**
 * The response headers an Octokit error carries, or null when GitHub never answered: Octokit
 * reports timeouts and network failures with a status but no response.
 *
 * @example
 * errorHeadersOf(error)?.["retry-after"] // "30"
 */
export function errorHeadersOf(error: unknown): Record<string, string | undefined> | null {
  if (typeof error !== "object" || error === null || !("response" in error)) return null;
  const response = error.response as { headers?: Record<string, string | undefined> } | undefined;
  return response === undefined ? null : (response.headers ?? {});
}

/**
 * Whether an error answer is a rate limit: a 429, or a 403 that GitHub marks as one (no
 * requests left, a `Retry-After`, or a message saying so). Any other 403 is a refusal.
 *
 * @example
 * isRateLimited({ status: 403, headers: { "x-ratelimit-remaining": "0" }, message: "" }) // true
 */
export function isRateLimited(params: {
  status: number | null;
  headers: Record<string, string | undefined> | null;
  message: string;
}): boolean {
  const { status, headers, message } = params;
  return (
    status === 429 ||
    (status === 403 &&
      (headers?.["x-ratelimit-remaining"] === "0" ||
        headers?.["retry-after"] !== undefined ||
        /rate limit/i.test(message)))
  );
}

/**
 * When GitHub said to come back: `Retry-After` seconds from `now`, else the rate limit's reset;
 * null when it said neither.
 *
 * @example
 * retryAtOf({ headers: { "retry-after": "30" }, now }) // now + 30s
 */
export function retryAtOf(params: {
  headers: Record<string, string | undefined>;
  now: Date;
}): Date | null {
  const { headers, now } = params;
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && headers["retry-after"] !== undefined) {
    return new Date(now.getTime() + retryAfter * 1000);
  }
  const reset = Number(headers["x-ratelimit-reset"]);
  return headers["x-ratelimit-reset"] !== undefined && Number.isFinite(reset)
    ? new Date(reset * 1000)
    : null;
}
