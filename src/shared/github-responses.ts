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
