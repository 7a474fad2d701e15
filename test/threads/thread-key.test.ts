import { describe, expect, it } from "vitest";
import type { ActivityKind } from "../../src/normalize/activity-event.js";
import { ACTIVITY_KINDS } from "../../src/normalize/activity-event.js";
import { threadKey } from "../../src/threads/thread-key.js";
import { exampleEvent } from "../format/example-events.js";

const WITHOUT_ITEM: ActivityKind[] = ["star.created", "fork", "watch.started", "release.published"];

describe("threadKey", () => {
  it.each(ACTIVITY_KINDS.filter((kind) => !WITHOUT_ITEM.includes(kind)))(
    "%s threads on its repository and number",
    (kind) => {
      const number = kind.startsWith("issues.") ? 1 : 2;
      expect(threadKey(exampleEvent(kind))).toEqual({
        repository: "Codertocat/Hello-World",
        number,
      });
    },
  );

  it.each(WITHOUT_ITEM)("%s has no thread", (kind) => {
    expect(threadKey(exampleEvent(kind))).toBeNull();
  });

  it("a review threads with its pull request, not on its own link", () => {
    const review = exampleEvent("pull_request_review.approved");
    expect(threadKey(review)).toEqual(threadKey(exampleEvent("pull_request.opened")));
  });

  it("an event queued before items existed has no thread", () => {
    const { item: _, ...old } = exampleEvent("pull_request.opened");
    expect(threadKey(old as never)).toBeNull();
  });
});
