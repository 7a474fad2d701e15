import { describe, expect, it } from "vitest";
import { normalize } from "../../src/normalize/normalize.js";
import { exampleOf } from "../helpers/examples.js";

describe("discussion and discussion_comment", () => {
  it("discussion.created: the discussion's title, number, link, text and category", () => {
    const event = normalize("discussion", exampleOf("discussion", "created"));
    expect(event).toMatchObject({
      kind: "discussion.created",
      number: 90,
      url: "https://github.com/octo-org/octo-repo/discussions/90",
      item: null,
    });
    expect(event?.detail).toEqual({ category: "General" });
  });

  it("discussion.answered: the answer's link and text, and who wrote it", () => {
    const event = normalize("discussion", exampleOf("discussion", "answered"));
    expect(event).toMatchObject({
      kind: "discussion.answered",
      title: "TEST edit",
      number: 4,
      url: "https://github.com/Codertocat/Hello-World/discussions/4#discussioncomment-550561",
      body: "Poggers",
      item: null,
    });
    expect(event?.detail).toEqual({ category: "Q&A", answerAuthor: "dan2wik" });
  });

  it("discussion_comment.created: the discussion's title, the comment's link and text", () => {
    const event = normalize("discussion_comment", exampleOf("discussion_comment", "created"));
    expect(event).toMatchObject({
      kind: "discussion_comment.created",
      title: "Welcome to discussions!",
      number: 90,
      url: "https://github.com/octo-org/octo-repo/discussions/90#discussioncomment-544078",
      body: "I have so many questions to ask you!",
      detail: { category: "General" },
      item: null,
    });
  });

  it.each(["edited", "labeled", "locked", "unanswered"] as const)(
    "discussion.%s is not announced",
    (action) => {
      expect(normalize("discussion", exampleOf("discussion", action))).toBeNull();
    },
  );

  it("falls back to the discussion's link and leaves out bad names", () => {
    const payload = exampleOf("discussion", "answered");
    const event = normalize("discussion", {
      ...payload,
      discussion: { ...payload.discussion, html_url: null, category: { name: ["Q&A"] } },
      answer: { ...payload.answer, html_url: 3, user: { login: "x".repeat(101) } },
    });
    expect(event?.url).toBe("https://github.com/Codertocat/Hello-World/discussions/4");
    expect(event?.detail).toEqual({});
  });

  it.each([
    ["discussion", "answered", "answer", "discussion.answered payload has no answer"],
    ["discussion", "created", "discussion", "discussion.created payload has no discussion"],
    [
      "discussion_comment",
      "created",
      "comment",
      "discussion_comment.created payload has no comment",
    ],
  ] as const)("%s.%s without %s: %s", (event, action, field, message) => {
    const payload: Record<string, unknown> = { ...exampleOf(event, action as never) };
    delete payload[field];
    expect(() => normalize(event, payload)).toThrow(message);
  });
});
