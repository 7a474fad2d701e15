/**
 * `title` patterns from repository config, compiled with RE2 semantics (re2js) so that
 * matching takes time linear in the title whatever the pattern: `^(a+)+$` cannot freeze the
 * process the way it does on JavaScript's backtracking `RegExp`. RE2 has no backreferences
 * and no lookaround; those are refused at validation with a message that says so.
 */
import { RE2JS } from "re2js";
import { cutText, quoteValue } from "./config-error.js";
import { CONFIG_LIMITS } from "./config-limits.js";

/** A compiled `title` pattern. */
export interface TitlePattern {
  /** Whether the pattern matches anywhere in `title` (like `RegExp.prototype.test`). */
  test: (title: string) => boolean;
  /** RE2 instructions the pattern compiled to: what one match costs per character of title. */
  size: number;
}

export type TitlePatternResult =
  { ok: true; pattern: TitlePattern } | { ok: false; problem: string };

// RE2 refuses these with a bare "invalid escape" or "invalid named capture"; say what they are.
const UNSUPPORTED: readonly { re: RegExp; what: string }[] = [
  { re: /\(\?<?[=!]/, what: "lookaround like (?=...), (?!...), (?<=...) or (?<!...)" },
  { re: /\\[1-9]|\\k</, what: "backreferences like \\1 or \\k<name>" },
  { re: /\\u[\da-fA-F{]/, what: "\\u escapes (write \\x{e9} instead of \\u00e9)" },
];

/**
 * Compiles a `title` pattern with RE2 semantics, or says why it cannot be used.
 *
 * @example compileTitle("^\\[urgent\\]") // { ok: true, pattern: { test, size: 11 } }
 * @example compileTitle("(?=x)") // { ok: false, problem: "uses lookaround like ..." }
 */
export function compileTitle(source: string): TitlePatternResult {
  const quoted = quoteValue(source);
  if (source.length > CONFIG_LIMITS.patternChars) {
    return {
      ok: false,
      problem: `is ${source.length} characters long; a title pattern may have at most ${CONFIG_LIMITS.patternChars} (got ${quoted})`,
    };
  }
  const unsupported = UNSUPPORTED.find(({ re }) => re.test(source));
  if (unsupported !== undefined) {
    return {
      ok: false,
      problem: `uses ${unsupported.what}, which RE2 syntax does not support (got ${quoted}); see the README's "Pattern syntax"`,
    };
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problem: `is not a valid RE2 regular expression (${cutText(reason, 120)}; got ${quoted}); escape special characters like \\[ and \\(`,
    };
  }
  const size = programSize(compiled);
  if (size > CONFIG_LIMITS.patternProgram) {
    return {
      ok: false,
      problem: `is too costly to match: it compiles to ${size} RE2 instructions, at most ${CONFIG_LIMITS.patternProgram} are allowed; use smaller repeat counts than {1000} (got ${quoted})`,
    };
  }
  return { ok: true, pattern: { test: (title) => compiled.test(title), size } };
}

/**
 * Compiles a `title` pattern already validated by {@link compileTitle}; throws on one that is not.
 *
 * @example compileTitlePattern("^\\[urgent\\]").test("[urgent] fix") // true
 */
export function compileTitlePattern(source: string): TitlePattern {
  const result = compileTitle(source);
  if (!result.ok) throw new Error(`title pattern ${result.problem}`);
  return result.pattern;
}

/** @example titlePatternProblem("[unclosed") // "is not a valid RE2 regular expression ..." */
export function titlePatternProblem(source: string): string | null {
  const result = compileTitle(source);
  return result.ok ? null : result.problem;
}

// re2js exposes its compiled program; its instruction count bounds the cost of a match. A
// test (title-pattern.test.ts) fails if a re2js upgrade hides it, rather than this guessing.
function programSize(compiled: RE2JS): number {
  const prog: unknown = compiled.re2Input.prog;
  const numInst =
    typeof prog === "object" && prog !== null && "numInst" in prog ? prog.numInst : undefined;
  if (typeof numInst !== "function") throw new Error("re2js no longer exposes prog.numInst()");
  return Number(numInst.call(prog));
}
