import { describe, expect, it } from "vitest";
import { isSlackUserId, slackMention } from "../../src/format/mention.js";

describe("isSlackUserId", () => {
  it.each(["U0123ABCD", "W012A3CDE", "U1"])("%s is a user id", (id) => {
    expect(isSlackUserId(id)).toBe(true);
  });

  it.each([
    "C0123ABCD",
    "u0123abcd",
    "U0123ABCD|name",
    "<@U0123ABCD>",
    "U",
    "",
    " U0123ABCD",
    `U${"A".repeat(31)}`,
    null,
    42,
  ])("%j is not", (id) => {
    expect(isSlackUserId(id)).toBe(false);
  });
});

describe("slackMention", () => {
  const options = { slackIdOf: (login: string) => (login === "octocat" ? "U0123ABCD" : null) };

  it("mentions a mapped login", () => {
    expect(slackMention({ login: "octocat", options })).toBe("<@U0123ABCD>");
  });

  it("is null for an unmapped or missing login, or without a people file", () => {
    expect(slackMention({ login: "hubot", options })).toBeNull();
    expect(slackMention({ login: null, options })).toBeNull();
    expect(slackMention({ login: undefined, options })).toBeNull();
    expect(slackMention({ login: "octocat" })).toBeNull();
    expect(slackMention({ login: "octocat", options: {} })).toBeNull();
  });

  it("is null when the answer is not a Slack user id, however it is shaped", () => {
    const answering = (id: string) => ({ slackIdOf: () => id });
    expect(slackMention({ login: "octocat", options: answering("U1> <!channel") })).toBeNull();
    expect(slackMention({ login: "octocat", options: answering("C0123ABCD") })).toBeNull();
  });
});
