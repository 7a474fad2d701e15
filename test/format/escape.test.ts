import { describe, expect, it } from "vitest";
import {
  escapeText,
  escapeWithin,
  fitMarkup,
  link,
  safeUrl,
  singleLine,
  truncate,
} from "../../src/format/escape.js";
import { isWellFormed } from "./hostile-text.js";

describe("escapeText", () => {
  it.each([
    [
      "<!channel> <@U123> <https://evil|x>",
      "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|x&gt;",
    ],
    ["AT&T", "AT&amp;T"],
    ["&lt; is already escaped", "&amp;lt; is already escaped"],
    ["*bold* _it_ ~s~ `c`", "*bold* _it_ ~s~ `c`"],
    ["", ""],
  ])("%j -> %j", (input, escaped) => {
    expect(escapeText(input)).toBe(escaped);
  });
});

describe("truncate", () => {
  it("leaves text within the limit alone", () => {
    expect(truncate("Fix the build", 13)).toBe("Fix the build");
  });

  it("cuts longer text and marks the cut, counting the ellipsis", () => {
    expect(truncate("Fix the flaky test", 8)).toBe("Fix the…");
    expect(truncate("Fix the flaky test", 8)).toHaveLength(8);
    expect(truncate("abc", 1)).toBe("…");
    expect(truncate("abc", 0)).toBe("");
  });

  it("never splits a surrogate pair at the cut point", () => {
    // "a😀" is three code units; a cut at 4 or 5 would land inside the second emoji.
    for (let max = 1; max <= 12; max += 1) {
      const cut = truncate("a😀".repeat(10), max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(isWellFormed(cut)).toBe(true);
    }
  });

  it("never splits a combined emoji or a flag", () => {
    const family = "👨‍👩‍👧‍👦";
    expect(truncate(`${family}${family}`, family.length + 3)).toBe(`${family}…`);
    expect(truncate("🇯🇵🇯🇵", 5)).toBe("🇯🇵…");
    expect(truncate("🇯🇵🇯🇵", 4)).toBe("…");
  });
});

describe("escapeWithin", () => {
  it("escapes text that fits", () => {
    expect(escapeWithin("a < b", 100)).toBe("a &lt; b");
  });

  it("cuts the raw text so that its escaped form fits, never inside an entity", () => {
    expect(escapeWithin("a < b < c", 8)).toBe("a &lt; …");
    for (let max = 1; max <= 30; max += 1) {
      const escaped = escapeWithin("<&>".repeat(20), max);
      expect(escaped.length).toBeLessThanOrEqual(max);
      expect(escaped).toMatch(/^(&lt;|&amp;|&gt;)*…?$/);
    }
  });

  it("holds a 100 KB string of escapes to the limit", () => {
    const escaped = escapeWithin("<".repeat(100_000), 3000);
    expect(escaped.length).toBeLessThanOrEqual(3000);
    expect(escaped.endsWith("&lt;…")).toBe(true);
  });
});

describe("singleLine", () => {
  it("folds breaks and control characters into spaces and drops bidi overrides", () => {
    expect(singleLine(" Fix\r\n\tthe\u0000build\u2028now \u202eexe\u202c ")).toBe(
      "Fix the build now exe",
    );
  });
});

describe("safeUrl and link", () => {
  it.each([
    ["https://github.com/acme/api/pull/1", "https://github.com/acme/api/pull/1"],
    ["http://ghe.example.test/a/b", "http://ghe.example.test/a/b"],
    ["https://github.com/a?x=1&y=2", "https://github.com/a?x=1&amp;y=2"],
    ["https://github.com/a|<!channel>", "https://github.com/a%7C%3C!channel%3E"],
    ["https://github.com/a b>c", "https://github.com/a%20b%3Ec"],
  ])("%s is linked as %s", (url, safe) => {
    expect(safeUrl(url)).toBe(safe);
  });

  it.each([
    ["javascript:alert(1)"],
    ["data:text/html,<b>x</b>"],
    ["not a url"],
    [""],
    [`https://github.com/${"a".repeat(600)}`],
    [null],
    [undefined],
  ])("%j is not linked", (url) => {
    expect(safeUrl(url)).toBeNull();
  });

  it("escapes the label and links only our URL", () => {
    expect(link({ url: "https://github.com/octocat", label: "<!here> & co" })).toBe(
      "<https://github.com/octocat|&lt;!here&gt; &amp; co>",
    );
    expect(link({ url: "javascript:alert(1)", label: "<@U1>" })).toBe("&lt;@U1&gt;");
    expect(link({ url: "https://github.com/a", label: "x".repeat(50), maxLabel: 10 })).toBe(
      "<https://github.com/a|xxxxxxxxx…>",
    );
  });
});

describe("fitMarkup", () => {
  it("leaves markup within the limit alone", () => {
    expect(fitMarkup("see <https://x.test|this>", 100)).toBe("see <https://x.test|this>");
  });

  it("never leaves half a link or half an entity", () => {
    expect(fitMarkup("see <https://x.test|this> &amp; that", 12)).toBe("see …");
    expect(fitMarkup("a &amp; b", 5)).toBe("a …");
    expect(fitMarkup("ab😀cd", 4)).toBe("ab…");
  });
});
