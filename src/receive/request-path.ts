/** The path of a request URL without query string or trailing slashes, for route matching. */
export function requestPath(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] ?? "/";
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}
