// The checker the format tests rely on must itself catch what it claims to.
import { describe, expect, it } from "vitest";
import type { SlackMessage } from "../../src/format/slack-message.js";
import { slackProblems } from "./slack-safety.js";

function message(text: string): SlackMessage {
  return {
    text: "ok",
    blocks: [{ type: "section", text: { type: "mrkdwn", text, verbatim: true } }],
  };
}

describe("slackProblems", () => {
  it("accepts escaped text, our links and quote markers", () => {
    expect(
      slackProblems(message(">quote &lt;!here&gt; <https://github.com/a?b=1&amp;c=2|x &amp; y>")),
    ).toEqual([]);
  });

  it.each([
    ["<!channel>", 'unescaped "<"'],
    ["<@U123>", 'unescaped "<"'],
    ["<https://evil.test>", 'unescaped "<"'],
    ["<javascript:x|y>", 'unescaped "<"'],
    ["a > b", 'unescaped ">"'],
    ["AT&T", 'unescaped "&"'],
    ["x".repeat(3001), "limit 3000"],
    [" ", "empty text"],
  ])("rejects %j", (text, problem) => {
    expect(slackProblems(message(text)).join("\n")).toContain(problem);
  });

  it("rejects text that is not verbatim mrkdwn, too many blocks and a long fallback", () => {
    const plain: SlackMessage = {
      text: "ok",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "x" } }],
    };
    expect(slackProblems(plain)).toEqual(["blocks[0]: text is not verbatim mrkdwn"]);
    const many: SlackMessage = {
      text: "x".repeat(4001),
      blocks: Array.from({ length: 51 }, () => message("x").blocks[0]!),
    };
    expect(slackProblems(many)).toEqual([
      "text: 4001 characters, limit 4000",
      "51 blocks, limit 50",
    ]);
  });
});
