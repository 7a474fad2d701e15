/** Errors as one line of text, for logs and stored errors. */

/**
 * An error and its causes on one line, with the Node error code where the message lacks it:
 * `fetch` and axios hide the useful part (ECONNRESET, ETIMEDOUT...) in `cause`.
 *
 * @example
 * describeError(new TypeError("fetch failed", { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) }))
 * // "fetch failed: socket hang up (ECONNRESET)"
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && parts.length < 4) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(
        typeof code === "string" && !current.message.includes(code)
          ? `${current.message} (${code})`
          : current.message,
      );
      current = current.cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return (
    parts.filter((part, index) => part !== "" && parts.indexOf(part) === index).join(": ") ||
    "unknown error"
  );
}

/**
 * What a server answered, for an error line: white space folded to single spaces, cut to `max`
 * characters with `…`.
 *
 * @example
 * answerText("invalid_payload\n\n  (see docs)", 200) // "invalid_payload (see docs)"
 */
export function answerText(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
