import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";
import { ACTIVITY_KINDS } from "../../src/normalize/activity-event.js";
import type { DmKind, PeopleDirectory, Person } from "../../src/settings/people.js";
import { directMessageFor } from "../../src/threads/direct-messages.js";
import { exampleEvent } from "../format/example-events.js";

/** A people file's directory, looked up case-insensitively as the real one is; nobody has a reminder. */
function directory(entries: Omit<Person, "remind">[]): PeopleDirectory {
  const people: Person[] = entries.map((entry) => ({ ...entry, remind: null }));
  return {
    lookup: (login) => people.find((person) => person.login.toLowerCase() === login.toLowerCase()),
    all: () => people,
  };
}

const ALL_DMS: DmKind[] = ["review_requested", "assigned", "review_submitted"];

/** `event` as if `login` did it. */
function by(event: ActivityEvent, login: string): ActivityEvent {
  return { ...event, actor: { ...event.actor, login } };
}

describe("directMessageFor", () => {
  const people = directory([
    { login: "Octocat", slackId: "U0OCTOCAT", dm: ALL_DMS },
    { login: "codertocat", slackId: "W0CODER", dm: ALL_DMS },
  ]);

  it("messages the requested reviewer", () => {
    expect(
      directMessageFor({ event: exampleEvent("pull_request.review_requested"), people }),
    ).toEqual({
      login: "octocat",
      slackId: "U0OCTOCAT",
      dmKind: "review_requested",
    });
  });

  it("never messages a team, even one named like a person", () => {
    const event = exampleEvent("pull_request.review_requested");
    const team = {
      ...event,
      detail: { requestedReviewer: "octocat", requestedReviewerIsTeam: true },
    };
    expect(directMessageFor({ event: team, people })).toBeNull();
  });

  it.each(["issues.assigned", "pull_request.assigned"] as const)(
    "%s messages the assignee",
    (kind) => {
      // The examples' Codertocat assigns themselves: someone else does it here.
      const event = by(exampleEvent(kind), "hubot");
      expect(directMessageFor({ event, people })).toEqual({
        login: "Codertocat",
        slackId: "W0CODER",
        dmKind: "assigned",
      });
    },
  );

  it.each([
    "pull_request_review.approved",
    "pull_request_review.changes_requested",
    "pull_request_review.commented",
  ] as const)("%s messages the pull request's author", (kind) => {
    const event = by(exampleEvent(kind), "octocat");
    expect(directMessageFor({ event, people })).toEqual({
      login: "Codertocat",
      slackId: "W0CODER",
      dmKind: "review_submitted",
    });
  });

  it("never messages someone about their own action, whatever the case of the login", () => {
    expect(directMessageFor({ event: exampleEvent("issues.assigned"), people })).toBeNull();
    const ownReview = by(exampleEvent("pull_request_review.approved"), "CODERTOCAT");
    expect(directMessageFor({ event: ownReview, people })).toBeNull();
    const askedThemselves = by(exampleEvent("pull_request.review_requested"), "octocat");
    expect(directMessageFor({ event: askedThemselves, people })).toBeNull();
  });

  it("only for the kinds the person's entry lists", () => {
    const onlyAssigned = directory([
      { login: "octocat", slackId: "U0OCTOCAT", dm: ["assigned"] },
      { login: "Codertocat", slackId: "W0CODER", dm: [] },
    ]);
    expect(
      directMessageFor({
        event: exampleEvent("pull_request.review_requested"),
        people: onlyAssigned,
      }),
    ).toBeNull();
    const review = by(exampleEvent("pull_request_review.approved"), "octocat");
    expect(directMessageFor({ event: review, people: onlyAssigned })).toBeNull();
  });

  it("nobody unlisted, and nobody without a usable Slack id", () => {
    const event = exampleEvent("pull_request.review_requested");
    expect(directMessageFor({ event, people: directory([]) })).toBeNull();
    const broken = directory([{ login: "octocat", slackId: "<!channel>", dm: ALL_DMS }]);
    expect(directMessageFor({ event, people: broken })).toBeNull();
  });

  it("nothing for a review whose pull request's author is unknown, or a request naming nobody", () => {
    const review = by(exampleEvent("pull_request_review.approved"), "octocat");
    expect(
      directMessageFor({ event: { ...review, item: { ...review.item!, author: null } }, people }),
    ).toBeNull();
    expect(directMessageFor({ event: { ...review, item: null }, people })).toBeNull();
    const asked = exampleEvent("pull_request.review_requested");
    expect(directMessageFor({ event: { ...asked, detail: {} }, people })).toBeNull();
  });

  it("nothing for any other kind", () => {
    const everyone = directory([
      { login: "Codertocat", slackId: "W0CODER", dm: ALL_DMS },
      { login: "octocat", slackId: "U0OCTOCAT", dm: ALL_DMS },
    ]);
    const messaging = new Set([
      "pull_request.review_requested",
      "issues.assigned",
      "pull_request.assigned",
      "pull_request_review.approved",
      "pull_request_review.changes_requested",
      "pull_request_review.commented",
    ]);
    for (const kind of ACTIVITY_KINDS.filter((kind) => !messaging.has(kind))) {
      expect(
        directMessageFor({ event: by(exampleEvent(kind), "hubot"), people: everyone }),
        kind,
      ).toBeNull();
    }
  });
});
