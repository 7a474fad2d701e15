import { describe, expect, it } from "vitest";
import type { ActivityEvent, ActivityKind } from "../../src/normalize/activity-event.js";
import { ACTIVITY_KINDS } from "../../src/normalize/activity-event.js";
import {
  ciPullRequest,
  CI_KINDS,
  headToLookUp,
  pullRequestHeadOf,
  threadKey,
} from "../../src/threads/thread-key.js";
import { untypedExamplesFor } from "../helpers/examples.js";
import { exampleEvent } from "../format/example-events.js";

const WITHOUT_ITEM: ActivityKind[] = [
  "star.created",
  "fork",
  "watch.started",
  "release.published",
  "deployment_status.success",
  "deployment_status.failure",
  "discussion.created",
  "discussion.answered",
  "discussion_comment.created",
  "push.default_branch",
  "dependabot_alert.created",
  "code_scanning_alert.created",
  "secret_scanning_alert.created",
];
const WITH_ITEM = ACTIVITY_KINDS.filter(
  (kind) => !WITHOUT_ITEM.includes(kind) && !CI_KINDS.has(kind),
);

/** `event` naming `numbers` as its pull requests. */
function naming(event: ActivityEvent, numbers: number[]): ActivityEvent {
  return { ...event, detail: { ...event.detail, pullRequestNumbers: numbers } };
}

describe("threadKey", () => {
  it.each(WITH_ITEM)("%s threads on its repository and number", (kind) => {
    const number =
      kind.startsWith("issues.") ||
      kind === "issue_comment.created" ||
      kind === "pull_request.commented"
        ? 1
        : 2;
    expect(threadKey(exampleEvent(kind))).toEqual({
      repository: "Codertocat/Hello-World",
      number,
    });
  });

  it.each(WITHOUT_ITEM)("%s has no thread", (kind) => {
    expect(threadKey(exampleEvent(kind))).toBeNull();
  });

  it.each([...CI_KINDS])("%s threads under the one pull request it names", (kind) => {
    const event = exampleEvent(kind);
    expect(event.detail.pullRequestNumbers).toEqual([2]);
    expect(threadKey(event)).toEqual({ repository: event.repository.fullName, number: 2 });
  });

  it.each([
    ["no pull request", []],
    ["two pull requests", [2, 3]],
    ["a number that is no pull request's", [0]],
  ])("CI naming %s has no thread", (_, numbers) => {
    const event = naming(exampleEvent("workflow_run.failed"), numbers);
    expect(ciPullRequest(event)).toBeNull();
    expect(threadKey(event)).toBeNull();
  });

  it("CI follows its pull request numbers, not an item", () => {
    const event = exampleEvent("check_suite.failed");
    expect(event.item).toBeNull();
    expect(
      threadKey({ ...event, detail: { ...event.detail, pullRequestNumbers: undefined } }),
    ).toBeNull();
  });

  it("a review and a comment thread with their pull request, not on their own link", () => {
    const opened = threadKey(exampleEvent("pull_request.opened"));
    expect(threadKey(exampleEvent("pull_request_review.approved"))).toEqual(opened);
    expect(threadKey(exampleEvent("pull_request_review_comment.created"))).toEqual(opened);
  });

  it("a comment on an issue threads with the issue", () => {
    expect(threadKey(exampleEvent("issue_comment.created"))).toEqual(
      threadKey(exampleEvent("issues.opened")),
    );
  });

  it("an event queued before items existed has no thread", () => {
    const { item: _, ...old } = exampleEvent("pull_request.opened");
    expect(threadKey(old as never)).toBeNull();
  });
});

describe("pull request heads", () => {
  /** The first `pull_request` example of `action`, with `change`. */
  const payloadOf = (action: string, change?: (p: Record<string, any>) => void) => {
    const payload = structuredClone(untypedExamplesFor("pull_request", "opened")[0]!) as Record<
      string,
      any
    >;
    payload.action = action;
    change?.(payload);
    return payload;
  };

  it.each(["opened", "reopened", "synchronize"])(
    "a pull request %s leaves its head at head.sha",
    (action) => {
      expect(pullRequestHeadOf({ eventName: "pull_request", payload: payloadOf(action) })).toEqual({
        repository: "Codertocat/Hello-World",
        sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        number: 2,
      });
    },
  );

  it("nothing for other actions, other events, and payloads without a usable head", () => {
    const head = (eventName: string, payload: unknown) => pullRequestHeadOf({ eventName, payload });
    expect(head("pull_request", payloadOf("labeled"))).toBeNull();
    expect(head("pull_request", payloadOf("closed"))).toBeNull();
    expect(head("issues", payloadOf("opened"))).toBeNull();
    expect(head("pull_request", null)).toBeNull();
    expect(
      head(
        "pull_request",
        payloadOf("opened", (p) => (p.pull_request.head.sha = "<!here>")),
      ),
    ).toBeNull();
    expect(
      head(
        "pull_request",
        payloadOf("opened", (p) => (p.pull_request.number = 0)),
      ),
    ).toBeNull();
    expect(
      head(
        "pull_request",
        payloadOf("opened", (p) => (p.pull_request.number = 2 ** 31)),
      ),
    ).toBeNull();
    expect(
      head(
        "pull_request",
        payloadOf("opened", (p) => (p.repository.full_name = "x")),
      ),
    ).toBeNull();
    expect(
      head(
        "pull_request",
        payloadOf("opened", (p) => delete p.pull_request.head),
      ),
    ).toBeNull();
  });

  it("CI naming no pull request is looked up by its head commit; CI naming one, or other kinds, is not", () => {
    const run = exampleEvent("workflow_run.failed");
    const sha = run.detail.headSha!;
    expect(headToLookUp(naming(run, []))).toEqual({ repository: run.repository.fullName, sha });
    expect(headToLookUp(naming(exampleEvent("check_suite.failed"), []))?.sha).toMatch(
      /^[0-9a-f]{40}$/,
    );
    expect(headToLookUp(run)).toBeNull();
    expect(headToLookUp(naming(run, [2, 3]))).toBeNull();
    expect(headToLookUp({ ...naming(run, []), detail: { pullRequestNumbers: [] } })).toBeNull();
    expect(headToLookUp(exampleEvent("push.default_branch"))).toBeNull();
  });
});
