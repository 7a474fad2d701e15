/**
 * Making untrusted text safe for Slack mrkdwn. Slack treats `<...>` as a mention, a broadcast
 * (`<!channel>`) or a link, and `&` starts an entity, so user text must have all three escaped;
 * and every text field has a length limit that escaping (up to 5x) must not push it past.
 */
import { escapeText, safeUrl } from "../shared/slack-text.js";

export { escapeText, safeUrl };

const ELLIPSIS = "…";
/** Default room for a link label. */
const DEFAULT_LABEL_LENGTH = 200;

// Graphemes, not code units, so a cut never splits a surrogate pair, a flag or a ZWJ emoji.
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * `value` cut to at most `max` UTF-16 code units (what Slack counts), ending in `…` when cut.
 * Cuts between graphemes, so never inside a surrogate pair or a combined emoji.
 *
 * @example
 * truncate("Fix the flaky test", 8) // "Fix the…"
 */
export function truncate(value: string, max: number): string {
  return cutByGraphemes({ value, max, measure: (segment) => segment });
}

/**
 * `value` escaped and, when the escaped form would pass `max`, truncated first so that it fits:
 * the raw text is cut (never an entity) and only then escaped.
 *
 * @example
 * escapeWithin("a < b < c", 8) // "a &lt; …"
 */
export function escapeWithin(value: string, max: number): string {
  return cutByGraphemes({ value, max, measure: escapeText });
}

/**
 * One line of user text: line breaks, tabs and control characters become single spaces, so a
 * title cannot break the layout of the line it sits in; bidi overrides, which can make text
 * read backwards, are dropped.
 *
 * @example
 * singleLine("Fix\r\n\tthe build") // "Fix the build"
 */
export function singleLine(value: string): string {
  return value
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, " ")
    .trim();
}

/**
 * A Slack link `<url|label>`: the URL made safe with {@link safeUrl}, the label being user text
 * escaped within `maxLabel`. Without a usable URL, just the escaped label.
 *
 * @example
 * link({ url: "https://github.com/octocat", label: "<!here>" })
 * // "<https://github.com/octocat|&lt;!here&gt;>"
 */
export function link(params: { url: string | null; label: string; maxLabel?: number }): string {
  const label = escapeWithin(singleLine(params.label), params.maxLabel ?? DEFAULT_LABEL_LENGTH);
  const url = safeUrl(params.url);
  if (url === null) return label;
  return `<${url}|${label === "" ? url : label}>`;
}

/**
 * Assembled mrkdwn (escaped text and our own links) cut to `max` without leaving half a link or
 * half an entity behind. A last guard: the parts are budgeted to fit, so it rarely cuts.
 *
 * @example
 * fitMarkup("see <https://x.test|this> &amp; that", 12) // "see …"
 */
export function fitMarkup(markup: string, max: number): string {
  if (markup.length <= max) return markup;
  let cut = markup.slice(0, Math.max(0, max - ELLIPSIS.length));
  // Every `<` left in assembled markup opens one of our links (user `<` is escaped).
  if (cut.lastIndexOf("<") > cut.lastIndexOf(">")) cut = cut.slice(0, cut.lastIndexOf("<"));
  cut = cut.replace(/&[a-z]*$/, "").replace(/[\ud800-\udbff]$/, "");
  return `${cut}${ELLIPSIS}`;
}

/** Keep whole graphemes of `value` while their measured length plus `…` fits in `max`. */
function cutByGraphemes(params: {
  value: string;
  max: number;
  measure: (segment: string) => string;
}): string {
  const { value, max, measure } = params;
  // Measuring never shrinks text, so only text within `max` can fit whole.
  if (value.length <= max) {
    const whole = measure(value);
    if (whole.length <= max) return whole;
  }
  const budget = max - ELLIPSIS.length;
  if (budget < 0) return "";
  let kept = "";
  for (const { segment } of graphemes.segment(value)) {
    const measured = measure(segment);
    if (kept.length + measured.length > budget) break;
    kept += measured;
  }
  return `${kept}${ELLIPSIS}`;
}
