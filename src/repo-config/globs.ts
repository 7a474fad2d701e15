/**
 * The two kinds of glob repository config uses, compiled once and matched in time bounded by
 * the value's length times the glob's (both bounded): a glob from a stranger's repository
 * must not become a backtracking regular expression on the main thread.
 *
 * - Name globs (logins, labels): `*` is any run of characters (across `/` too), `?` is one
 *   character, everything else is literal (`[bot]` too), and case does not matter, as on GitHub.
 * - Path globs (branches, `on` kinds): `*` and `?` stay within one `/` segment, a `**` segment
 *   crosses segments, `[abc]`/`[!abc]` are character classes, `{a,b}` are alternatives and `\`
 *   escapes. They compile to RE2 (re2js), which matches in linear time.
 */
import { RE2JS } from "re2js";
import { ACTIVITY_KINDS, type ActivityKind } from "../normalize/activity-event.js";
import { quoteValue } from "./config-error.js";
import { CONFIG_LIMITS } from "./config-limits.js";

/** A compiled glob. */
export type GlobMatcher = (value: string) => boolean;

/**
 * Compiles a glob over GitHub logins or label names.
 *
 * @example nameGlob("*[bot]")("Dependabot[bot]") // true
 */
export function nameGlob(glob: string): GlobMatcher {
  const pattern = glob.toLowerCase();
  return (value) => wildcardMatch(pattern, value.toLowerCase());
}

/**
 * Compiles a glob over branch names (`*` stays within one `/` segment, `**` crosses them).
 *
 * @example branchGlob("release/*")("release/1.2") // true
 */
export function branchGlob(glob: string): GlobMatcher {
  const compiled = RE2JS.compile(pathGlobSource(glob));
  return (value) => compiled.matches(value);
}

/**
 * Events whose kinds are opt-in: an `on` glob selects them only when it starts with the event's
 * name (`dependabot_alert.*`, `secret_scanning_alert.created`), so `*` or `*.created` never post
 * a security alert to a channel nobody chose for it.
 */
export const OPT_IN_EVENTS = [
  "dependabot_alert",
  "code_scanning_alert",
  "secret_scanning_alert",
] as const;

/**
 * The opt-in event a kind belongs to (see {@link OPT_IN_EVENTS}), or null for every other kind.
 *
 * @example optInEventOf("dependabot_alert.created") // "dependabot_alert"
 * @example optInEventOf("issues.opened") // null
 */
export function optInEventOf(kind: string): (typeof OPT_IN_EVENTS)[number] | null {
  const event = kind.slice(0, kind.indexOf("."));
  return OPT_IN_EVENTS.find((name) => name === event) ?? null;
}

/**
 * Compiles an `on` glob over activity kinds (same rules as branches), except that a security
 * alert kind is matched only by a glob that starts with its event's name ({@link OPT_IN_EVENTS}).
 *
 * @example kindGlob("pull_request.*")("pull_request.merged") // true
 * @example kindGlob("*")("dependabot_alert.created") // false: security alerts are opt-in
 * @example kindGlob("dependabot_alert.*")("dependabot_alert.created") // true
 */
export function kindGlob(glob: string): GlobMatcher {
  const matches = branchGlob(glob);
  return (kind) => {
    const optIn = optInEventOf(kind);
    return (optIn === null || glob.startsWith(optIn)) && matches(kind);
  };
}

/**
 * The activity kinds an `on` glob selects, in their canonical order (security alerts only when
 * the glob names their event, see {@link kindGlob}).
 *
 * @example kindsMatching("pull_request_review.*") // ["pull_request_review.approved", ...]
 */
export function kindsMatching(glob: string): ActivityKind[] {
  if (globProblem({ glob, compile: kindGlob }) !== null) return [];
  const matches = kindGlob(glob);
  return ACTIVITY_KINDS.filter((kind) => matches(kind));
}

/** A glob with its compiled matcher, so routing compiles each glob once per config. */
export interface CompiledGlob {
  glob: string;
  matches: GlobMatcher;
}

/** @example compileGlobs({ globs: ["*[bot]"], compile: nameGlob }) // [{ glob: "*[bot]", matches }] */
export function compileGlobs(params: {
  globs: readonly string[] | undefined;
  compile: (glob: string) => GlobMatcher;
}): CompiledGlob[] {
  return (params.globs ?? []).map((glob) => ({ glob, matches: params.compile(glob) }));
}

/** The first of `globs` that matches `value`, or null. */
export function firstMatch(globs: readonly CompiledGlob[], value: string): string | null {
  for (const { glob, matches } of globs) {
    if (matches(value)) return glob;
  }
  return null;
}

const EXTGLOB = /[@!+*?]\(/;
const ASCII_PUNCTUATION = /^[!-/:-@[-`{-~]$/;

/**
 * Why a glob cannot be used, or null: too long, too many wildcards, or syntax it does not support.
 *
 * @example globProblem({ glob: "*".repeat(12), compile: nameGlob }) // "has 12 wildcards; ..."
 */
export function globProblem(params: {
  glob: string;
  compile: (glob: string) => GlobMatcher;
}): string | null {
  const { glob, compile } = params;
  const quoted = quoteValue(glob);
  if (glob.length > CONFIG_LIMITS.globChars) {
    return `is ${glob.length} characters long; a glob may have at most ${CONFIG_LIMITS.globChars} (got ${quoted})`;
  }
  let wildcards = 0;
  for (const char of glob) if (char === "*" || char === "?") wildcards++;
  if (wildcards > CONFIG_LIMITS.globWildcards) {
    return `has ${wildcards} wildcards; a glob may have at most ${CONFIG_LIMITS.globWildcards} \`*\` or \`?\` (got ${quoted})`;
  }
  if (compile !== nameGlob && EXTGLOB.test(glob)) {
    return `uses extglob syntax like @(a|b), which is not supported; list the alternatives or use {a,b} (got ${quoted})`;
  }
  try {
    compile(glob);
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `is not a usable glob (${reason.slice(0, 120)}; got ${quoted})`;
  }
}

/**
 * Classic wildcard matching: on a mismatch, go back to the last `*` and let it take one more
 * character. At most `value.length * pattern.length` steps, never exponential.
 */
function wildcardMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let starValue = 0;
  while (v < value.length) {
    const token = pattern[p];
    if (token === "*") {
      star = p++;
      starValue = v;
    } else if (token !== undefined && (token === "?" || token === value[v])) {
      p++;
      v++;
    } else if (star !== -1) {
      p = star + 1;
      v = ++starValue;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Translates a path glob into an anchored RE2 pattern. */
function pathGlobSource(glob: string): string {
  const pieces: string[] = [];
  let i = 0;
  while (i < glob.length) {
    const char = glob[i] ?? "";
    if (char === "\\" && i + 1 < glob.length) {
      pieces.push(RE2JS.quote(glob[i + 1] ?? ""));
      i += 2;
    } else if (char === "*") {
      let end = i;
      while (glob[end] === "*") end++;
      const wholeSegment =
        (i === 0 || glob[i - 1] === "/") && (end === glob.length || glob[end] === "/");
      if (end - i === 2 && wholeSegment) {
        if (glob[end] === "/") {
          pieces.push("(?:.*/)?"); // `**/`: zero or more whole segments
          i = end + 1;
        } else if (pieces.at(-1) === "/") {
          pieces[pieces.length - 1] = "(?:/.*)?"; // trailing `/**`: the parent itself too
          i = end;
        } else {
          pieces.push(".*");
          i = end;
        }
      } else {
        pieces.push("[^/]*");
        i = end;
      }
    } else if (char === "?") {
      pieces.push("[^/]");
      i++;
    } else if (char === "[") {
      const parsed = characterClass(glob, i);
      pieces.push(parsed?.source ?? "\\[");
      i = parsed?.end ?? i + 1;
    } else if (char === "{") {
      const parsed = braces(glob, i);
      pieces.push(parsed?.source ?? "\\{");
      i = parsed?.end ?? i + 1;
    } else {
      pieces.push(RE2JS.quote(char));
      i++;
    }
  }
  return `(?s:${pieces.join("")})`;
}

/** `[abc]`, `[a-z]`, `[!abc]` or `[^abc]` at `start`; null when unclosed (then `[` is literal). */
function characterClass(glob: string, start: number): { source: string; end: number } | null {
  let i = start + 1;
  let negate = false;
  if (glob[i] === "!" || glob[i] === "^") {
    negate = true;
    i++;
  }
  const close = glob.indexOf("]", i + 1);
  if (close === -1 || glob[i] === undefined) return null;
  const body = [...glob.slice(i, close)]
    .map((char) => (char !== "-" && ASCII_PUNCTUATION.test(char) ? `\\${char}` : char))
    .join("");
  return { source: `[${negate ? "^/" : ""}${body}]`, end: close + 1 };
}

/** `{a,b}` at `start` (nesting allowed), or null when it is not one (then `{` is literal). */
function braces(glob: string, start: number): { source: string; end: number } | null {
  let depth = 0;
  const commas: number[] = [];
  for (let i = start; i < glob.length; i++) {
    const char = glob[i];
    if (char === "\\") i++;
    else if (char === "{") depth++;
    else if (char === "," && depth === 1) commas.push(i);
    else if (char === "}" && --depth === 0) {
      if (commas.length === 0) return null;
      const bounds = [start, ...commas, i];
      const alternatives = bounds
        .slice(1)
        .map((end, k) => pathGlobSource(glob.slice((bounds[k] ?? start) + 1, end)));
      return { source: `(?:${alternatives.join("|")})`, end: i + 1 };
    }
  }
  return null;
}
