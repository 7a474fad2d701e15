/**
 * Request paths, read two ways. `requestPath` is this app's own route matching; `deliveryPath`
 * is how `@octokit/webhooks`' Node middleware (inside Probot) reads the path when it decides a
 * request is a delivery. The body guard must use the second, or a path the middleware accepts
 * (`/api/github/./webhooks`, `/api/github/webhooks#x`, an absolute-form URL) slips past it.
 */

/** The path of a request URL without query string or trailing slashes, for route matching. */
export function requestPath(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] ?? "/";
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/**
 * The pathname the webhooks middleware compares with its path, computed exactly as it does
 * (`@octokit/webhooks` 14, `middleware/create-middleware.js`): trailing slashes trimmed, then
 * WHATWG URL parsing against `http://localhost`, which resolves dot segments (also `%2e`),
 * turns `\` into `/`, drops the fragment and query, and takes the path of an absolute URL.
 * `null` when the URL does not parse (the middleware answers 422 without reading the body).
 *
 * @example
 * deliveryPath("/api/github/./webhooks#x") // => "/api/github/webhooks"
 */
export function deliveryPath(url: string | undefined): string | null {
  try {
    return new URL(trimTrailingSlashes(url ?? ""), "http://localhost").pathname;
  } catch {
    return null;
  }
}

/** `@octokit/webhooks`' `normalizeTrailingSlashes`: "" and "///" become "/". */
function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47) end -= 1;
  return end === 0 ? "/" : path.slice(0, end);
}
