/**
 * Text an attacker (or an unlucky user) can put in a title, login, label, branch or body, and
 * generators of it for property tests.
 */
import fc from "fast-check";

/** Named hostile strings, for table-driven tests. */
export const HOSTILE_TEXTS = {
  "channel broadcast": "<!channel> deploy is broken",
  "here broadcast": "<!here>",
  "everyone broadcast": "<!everyone>",
  "user mention": "ping <@U123> and <@W456|boss>",
  "channel link": "<#C123|general>",
  "user-group mention": "<!subteam^S123|oncall>",
  "disguised link": "<https://evil.test|https://github.com/acme/api>",
  "bare link": "https://evil.test/login",
  "bare broadcast words": "@here @channel @everyone",
  "already escaped": "&lt;!channel&gt; &amp; &gt; quote",
  "unterminated entity": "AT&T & co &",
  "angle brackets": "Vec<Option<T>> -> a > b < c",
  "mrkdwn markers": "*bold* _italic_ ~strike~ `code` ```block``` >quote",
  pipes: "a|b||c <x|y>",
  "line breaks": "first line\nsecond\r\nthird\u2028fourth\u0000nul",
  "bidi override": "\u202eevil.exe\u202c and \u2066isolated\u2069",
  "zero-width": "a\u200bb\u200dc\ufeffd",
  emoji: "🚀 Ship it 👨‍👩‍👧‍👦 🏳️‍🌈 🇯🇵",
  "combining marks": "Zalgo: z\u0301\u0302\u0303a\u0304\u0305l\u0306g\u0307o\u0308",
  "huge title": "x".repeat(100 * 1024),
  "huge escapes": "<&>".repeat(40_000),
  "huge emoji": "😀".repeat(60_000),
  "emoji at every cut point": "a😀".repeat(3000),
  "huge single grapheme": `e${"\u0301".repeat(20_000)}`,
  "lone surrogate": "broken \ud83d text \ude00",
  empty: "",
  whitespace: " \t\n ",
} as const satisfies Record<string, string>;

/** Whether a string has no lone surrogates (so a cut that creates one can be caught). */
export function isWellFormed(value: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);
}

const pieces = Object.values(HOSTILE_TEXTS).filter((text) => text.length < 1000);

/** Hostile text of every size: known attacks, random unicode, and mixes of both. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...pieces), weight: 4 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 80 }), weight: 2 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 80 }), weight: 1 },
  {
    arbitrary: fc
      .array(
        fc.oneof(fc.constantFrom(...pieces), fc.constantFrom("<", ">", "&", "|", "😀", "\n")),
        {
          maxLength: 40,
        },
      )
      .map((parts) => parts.join("")),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom("<", "&", "😀", "x", "<!here>", "e\u0301"),
        fc.integer({ min: 100, max: 30_000 }),
      )
      .map(([unit, times]) => unit.repeat(times)),
    weight: 1,
  },
);
