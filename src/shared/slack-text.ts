/**
 * The two escapes of Slack mrkdwn that more than format needs: user text with `&`, `<` and `>`
 * as entities, and a URL fit to sit inside a link. Normalize asks `safeUrl` whether a link will
 * survive formatting (a deployment's target); format builds messages with both.
 */

/** Longest URL we will link to; a longer one is hostile or useless, and would eat the text budget. */
const MAX_URL_LENGTH = 500;

/**
 * `&`, `<` and `>` as Slack's entities, so user text can mention, broadcast and link nothing.
 *
 * @example
 * escapeText("<!channel> & <@U123>") // "&lt;!channel&gt; &amp; &lt;@U123&gt;"
 */
export function escapeText(value: string): string {
  return value.replace(/[&<>]/g, (character) => ENTITIES[character as "&" | "<" | ">"]);
}

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;" } as const;

/**
 * A URL fit to sit inside `<...|...>`: `http(s)` only, `|`, `<`, `>`, quotes and spaces
 * percent-encoded, `&` escaped, at most {@link MAX_URL_LENGTH}; `null` when unusable.
 *
 * @example
 * safeUrl("https://github.com/a/b/issues?q=x|y") // "https://github.com/a/b/issues?q=x%7Cy"
 * safeUrl("javascript:alert(1)") // null
 */
export function safeUrl(url: string | null | undefined): string | null {
  if (typeof url !== "string" || url.length > MAX_URL_LENGTH * 4) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  const encoded = escapeText(
    parsed.href.replace(/[|<>"'`\s]/g, (character) => encodeURIComponent(character)),
  );
  return encoded.length <= MAX_URL_LENGTH ? encoded : null;
}
