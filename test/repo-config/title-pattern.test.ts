/**
 * `title` patterns run on RE2 (linear time): the pattern that froze the process on a
 * backtracking engine answers at once, random adversarial patterns stay fast on long titles,
 * and RE2 agrees with JavaScript's RegExp on small inputs where both accept the pattern.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileTitle, compileTitlePattern } from "../../src/repo-config/title-pattern.js";

function timed(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

const problem = (source: string) => {
  const result = compileTitle(source);
  return result.ok ? null : result.problem;
};

describe("title patterns", () => {
  it('answers "^(a+)+$" against 40 a\'s and a "!" at once (a backtracking RegExp took minutes)', () => {
    const pattern = compileTitlePattern("^(a+)+$");
    expect(timed(() => expect(pattern.test(`${"a".repeat(40)}!`)).toBe(false))).toBeLessThan(100);
    expect(timed(() => expect(pattern.test(`${"a".repeat(10_000)}!`)).toBe(false))).toBeLessThan(
      100,
    );
    expect(pattern.test("aaaa")).toBe(true);
  });

  it("matches anywhere in the title, with (?i) for case", () => {
    expect(compileTitlePattern("^\\[urgent\\]").test("[urgent] fix")).toBe(true);
    expect(compileTitlePattern("urgent").test("this is URGENT")).toBe(false);
    expect(compileTitlePattern("(?i)urgent").test("this is URGENT")).toBe(true);
    expect(compileTitlePattern("(?i:fix|feat)\\(api\\)").test("FEAT(api): x")).toBe(true);
    expect(compileTitlePattern("\\p{Greek}").test("λ")).toBe(true);
  });

  it("refuses what RE2 does not support, saying what it is and quoting the value", () => {
    expect(problem("^(?=.*urgent)")).toBe(
      'uses lookaround like (?=...), (?!...), (?<=...) or (?<!...), which RE2 syntax does not support (got "^(?=.*urgent)"); see the README\'s "Pattern syntax"',
    );
    expect(problem("(?<!re)open")).toMatch(/^uses lookaround/);
    expect(problem("(a)\\1")).toMatch(/^uses backreferences like \\1 or \\k<name>/);
    expect(problem("\\u00e9")).toMatch(/write \\x\{e9\} instead of \\u00e9/);
    expect(problem("[unclosed")).toBe(
      'is not a valid RE2 regular expression (error parsing regexp: missing closing ]: `[unclosed`; got "[unclosed"); escape special characters like \\[ and \\(',
    );
  });

  it("refuses patterns past the length limit, and ones too costly to match", () => {
    expect(problem(`${"a".repeat(300)}`)).toBe(
      `is 300 characters long; a title pattern may have at most 256 (got "${"a".repeat(60)}…" (300 characters))`,
    );
    expect(problem("(?i)(\\pL{0,1000})\\pL{0,1000}q")).toMatch(
      /^is too costly to match: it compiles to \d+ RE2 instructions, at most 500 are allowed/,
    );
  });

  it("never echoes a huge invalid pattern: the message stays short", () => {
    const huge = `(${"[".repeat(1024 * 1024)}`;
    const message = problem(huge) ?? "";
    expect(message.length).toBeLessThan(200);
    expect(message).toMatch(/at most 256/);
  });

  const regexAlphabet = ["a", "b", "(", ")", "+", "*", "?", "|", "{2}", "{1,3}", ".", "^", "$"];
  const source = fc
    .array(fc.constantFrom(...regexAlphabet), { maxLength: 20 })
    .map((parts) => parts.join(""));

  it("matches 10,000-character titles within 50 ms whatever the pattern", () => {
    fc.assert(
      fc.property(
        source,
        fc.constantFrom("a", "ab", "b"),
        fc.constantFrom("", "!"),
        (text, unit, tail) => {
          const result = compileTitle(text);
          fc.pre(result.ok);
          if (!result.ok) return;
          const title = unit.repeat(10_000 / unit.length) + tail;
          expect(timed(() => result.pattern.test(title))).toBeLessThan(50);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("agrees with JavaScript's RegExp on short titles when both accept the pattern", () => {
    fc.assert(
      fc.property(
        source,
        fc.string({ unit: fc.constantFrom("a", "b", "c"), maxLength: 8 }),
        (text, title) => {
          let reference: RegExp;
          try {
            reference = new RegExp(text);
          } catch {
            return;
          }
          const result = compileTitle(text);
          fc.pre(result.ok);
          if (!result.ok) return;
          expect(result.pattern.test(title)).toBe(reference.test(title));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
