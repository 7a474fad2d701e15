/**
 * The glob compilers against adversarial globs and long values: every match finishes within a
 * generous bound, and on small safe inputs agrees with picomatch, which globs used before.
 */
import fc from "fast-check";
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { ACTIVITY_KINDS } from "../../src/normalize/activity-event.js";
import { branchGlob, globProblem, nameGlob } from "../../src/repo-config/globs.js";

// picomatch with the options name globs used to be compiled with: the reference.
const referenceName = (glob: string) =>
  picomatch(glob, {
    literalBrackets: true,
    nobrace: true,
    noextglob: true,
    nonegate: true,
    bash: true,
    dot: true,
    nocase: true,
  });
const referencePath = (glob: string) => picomatch(glob, { nonegate: true });

const chars = (alphabet: string[], maxLength: number) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength }).map((parts) => parts.join(""));

/** Milliseconds `run` takes. */
function timed(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

describe("name globs", () => {
  // Where picomatch differed, on purpose: its `?` never matched "/" (ours, like `*`, does:
  // labels are names, not paths). Brackets come whole, as in `[bot]`: picomatch read stray
  // ones as classes despite `literalBrackets`; ours are always literal.
  // Nor did we keep its globstar: in a name, `**/a` is `*` then "/a", it cannot match "a".
  const pickedDifferently = (glob: string, value: string) =>
    (glob.includes("?") && value.includes("/")) || /\*\*\/|\/\*\*/.test(glob);

  it("agree with picomatch on short logins and labels", () => {
    fc.assert(
      fc.property(
        chars(["a", "b", "A", "*", "?", "[bot]", "-", "/", ":"], 8).filter((g) => g !== ""),
        // picomatch also took one trailing "/"; no login or label ends with one.
        chars(["a", "b", "B", "[bot]", "[BOT]", "-", "/", ":"], 10).filter(
          (v) => v !== "" && !v.endsWith("/"),
        ),
        (glob, value) => {
          fc.pre(!pickedDifferently(glob, value));
          expect(nameGlob(glob)(value)).toBe(referenceName(glob)(value));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("match a 10,000-character value within 50 ms whatever the glob", () => {
    fc.assert(
      fc.property(
        chars(["*", "?", "a", "b"], 60),
        fc.constantFrom("a", "ab", "b"),
        fc.constantFrom("", "!", "b"),
        (glob, unit, tail) => {
          const value = unit.repeat(10_000 / unit.length) + tail;
          const matcher = nameGlob(glob);
          expect(timed(() => matcher(value))).toBeLessThan(50);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("path globs (branches, event kinds)", () => {
  // Values shaped like branch names: no empty segments, none starting with a dot (git refuses both).
  // Dots are left to the kinds test below: picomatch's dotfile rules made `*.*` refuse "a.".
  const segment = chars(["a", "b", "-"], 4).filter((s) => s !== "");
  const branch = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
  const globSegment = fc.oneof(
    chars(["a", "b", "-", "*", "?"], 4).filter((s) => s !== ""),
    fc.constant("**"),
  );
  const glob = fc.array(globSegment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));

  // Where picomatch differed, on purpose: `x/**` matches `x` itself whatever `x` is; picomatch
  // did so only when the segment before `/**` had no wildcard.
  // Also rare: picomatch let `x/**/***` match `x`; here a `***` segment is one `*`.
  const pickedDifferently = (pattern: string) =>
    /[*?][^/]*\/\*\*$/.test(pattern) || /\*\*\/\*{3,}$/.test(pattern);

  it("agree with picomatch on branch-shaped values", () => {
    fc.assert(
      fc.property(glob, branch, (pattern, value) => {
        fc.pre(!pickedDifferently(pattern));
        expect(branchGlob(pattern)(value)).toBe(referencePath(pattern)(value));
      }),
      { numRuns: 3000 },
    );
  });

  it("agree with picomatch on classes, braces and escapes", () => {
    const cases: [string, string[]][] = [
      ["release/[0-9]*", ["release/1.2", "release/x", "release/1/2"]],
      ["release/[^0-9]*", ["release/1.2", "release/x"]],
      ["{main,develop}", ["main", "develop", "mainx"]],
      ["release/{1,2}.*", ["release/1.x", "release/3.x"]],
      ["feat\\*", ["feat*", "featx"]],
      ["[unclosed", ["[unclosed", "u"]],
      ["**", ["a", "a/b/c"]],
      ["a/**/b", ["a/b", "a/x/b", "a/x/y/b", "a/xb"]],
      ["**/b", ["b", "x/b", "x/y/b", "xb"]],
      ["a/**", ["a", "a/x", "a/x/y", "ab"]],
      ["a**b", ["ab", "axxb", "a/b"]],
    ];
    for (const [pattern, values] of cases) {
      for (const value of values) {
        expect([pattern, value, branchGlob(pattern)(value)]).toEqual([
          pattern,
          value,
          referencePath(pattern)(value),
        ]);
      }
    }
  });

  it("select the same event kinds as picomatch did", () => {
    const globs = ["*", "*.*", "**", "issues.*", "*.opened", "pull_request*", "pull_request.*"];
    for (const pattern of [...globs, "pull_request_review.*", "fork", "?ork", "*_*.*ed"]) {
      const ours = ACTIVITY_KINDS.filter((kind) => branchGlob(pattern)(kind));
      expect([pattern, ours]).toEqual([
        pattern,
        ACTIVITY_KINDS.filter((kind) => referencePath(pattern)(kind)),
      ]);
    }
  });

  it("read [!...] as a negated class, as shells do (picomatch with nonegate read ! literally)", () => {
    expect(branchGlob("release/[!0-9]*")("release/x")).toBe(true);
    expect(branchGlob("release/[!0-9]*")("release/1.2")).toBe(false);
    expect(nameGlob("[bot]")("b")).toBe(false);
    expect(nameGlob("a?b")("a/b")).toBe(true);
  });

  it("match a 10,000-character branch within 50 ms whatever the glob", () => {
    fc.assert(
      fc.property(
        chars(["*", "?", "a", "/", "**", "{a,*}"], 40),
        fc.constantFrom("a", "a/", "ab/"),
        (pattern, unit) => {
          const value = `${unit.repeat(10_000 / unit.length)}!`;
          const matcher = branchGlob(pattern);
          expect(timed(() => matcher(value))).toBeLessThan(50);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("attacks", () => {
  it("a dozen-* glob against a 10,000-character login answers at once, and is refused at validation", () => {
    const glob = `${"*a".repeat(12)}b`;
    const login = "a".repeat(10_000);
    // picomatch took seconds on this; the old regex backtracked on every star.
    expect(timed(() => expect(nameGlob(glob)(login)).toBe(false))).toBeLessThan(100);
    expect(timed(() => expect(branchGlob(glob)(login)).toBe(false))).toBeLessThan(100);
    expect(globProblem({ glob, compile: nameGlob })).toBe(
      'has 12 wildcards; a glob may have at most 8 `*` or `?` (got "*a*a*a*a*a*a*a*a*a*a*a*ab")',
    );
  });

  it("refuses an overlong glob naming the limit, quoting it cut", () => {
    expect(globProblem({ glob: `${"x".repeat(200)}*`, compile: branchGlob })).toBe(
      `is 201 characters long; a glob may have at most 100 (got "${"x".repeat(60)}…" (201 characters))`,
    );
    expect(globProblem({ glob: "@(main|dev)", compile: branchGlob })).toMatch(
      /^uses extglob syntax like @\(a\|b\), which is not supported/,
    );
  });
});
