import { describe, expect, it } from "vitest";
import { formatSummary } from "../../src/format/format.js";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";
import { ACTIVITY_KINDS } from "../../src/normalize/activity-event.js";
import { exampleEvent } from "./example-events.js";
import { HOSTILE_TEXTS } from "./hostile-text.js";
import { slackProblems } from "./slack-safety.js";

/** A star from `login`, leaving the repository at `stars`. */
function star(login: string, stars: number): ActivityEvent {
  const event = exampleEvent("star.created");
  return {
    ...event,
    actor: { ...event.actor, login, url: `https://github.com/${login}` },
    repository: { ...event.repository, stars },
  };
}

function inRepository(event: ActivityEvent, fullName: string): ActivityEvent {
  const url = `https://github.com/${fullName}`;
  return { ...event, repository: { ...event.repository, fullName, url } };
}

function numbered(event: ActivityEvent, number: number): ActivityEvent {
  return {
    ...event,
    number,
    url: `${event.repository.url}/pull/${number}`,
    title: `Change ${number}`,
  };
}

describe("formatSummary", () => {
  it("leaves out the links of a group whose only labels are blanks, instead of an empty context block", () => {
    // Found by the property test: a fork named " \t\n " rendered to nothing, and Slack refuses a
    // context block without elements.
    const fork = exampleEvent("fork");
    const blankFork: ActivityEvent = {
      ...fork,
      url: "",
      detail: { ...fork.detail, forkFullName: " \t\n " },
    };
    const message = formatSummary({ channel: "eng", events: [blankFork, blankFork] });
    expect(slackProblems(message)).toEqual([]);
    expect(
      message.blocks?.filter((block) => block.type === "context" && block.elements.length === 0),
    ).toEqual([]);
  });

  it("counts per kind and repository, names the actors and links the first items", () => {
    const stars = Array.from({ length: 12 }, (_, index) => star(`user${index}`, 100 + index));
    const merged = [1, 2, 3, 4].map((number) =>
      numbered(inRepository(exampleEvent("pull_request.merged"), "acme/web"), number),
    );
    const message = formatSummary({
      channel: "eng",
      events: [merged[0]!, ...stars, ...merged.slice(1)],
    });
    expect(slackProblems(message)).toEqual([]);
    expect(message).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":newspaper: *16 GitHub updates* across 2 repositories",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ":star: *12 new stars* on <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World> from @user0, @user1 and 10 others (now 111 stars)",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ":tada: *4 pull requests merged* in <https://github.com/acme/web|acme/web> from @Codertocat",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": "<https://github.com/acme/web/pull/1|#1 Change 1>",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": "<https://github.com/acme/web/pull/2|#2 Change 2>",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": "<https://github.com/acme/web/pull/3|#3 Change 3>",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": "and 1 more",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
          {
            "elements": [
              {
                "text": "Summary for the “eng” channel",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "16 GitHub updates: 12 new stars on Codertocat/Hello-World from @user0, @user1 and 10 others (now 111 stars); 4 pull requests merged in acme/web from @Codertocat",
      }
    `);
  });

  it.each([
    [["a"], "from @a"],
    [["a", "b"], "from @a and @b"],
    [["a", "b", "c"], "from @a, @b and @c"],
    [["a", "b", "c", "d"], "from @a, @b and 2 others"],
    [["a", "a", "b"], "from @a and @b"],
  ])("names actors %j as %s", (logins, phrase) => {
    const message = formatSummary({
      channel: "eng",
      events: logins.map((login) => star(login, 5)),
    });
    expect(message.text).toContain(`${phrase} (now 5 stars)`);
  });

  it("says so when there is nothing to summarise", () => {
    const message = formatSummary({ channel: "eng", events: [] });
    expect(message.text).toBe("No new GitHub activity.");
    expect(slackProblems(message)).toEqual([]);
  });

  it("stays within 50 blocks and 4000 characters, saying how much it left out", () => {
    const events = Array.from({ length: 300 }, (_, index) =>
      numbered(inRepository(exampleEvent("pull_request.opened"), `acme/repo-${index}`), index + 1),
    );
    const message = formatSummary({ channel: "eng", events });
    expect(slackProblems(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(message.text.length).toBeLessThanOrEqual(4000);
    const note = message.blocks.at(-2);
    expect(note?.type === "context" ? note.elements[0] : undefined).toMatchObject({
      text: expect.stringMatching(/^…and \d+ more in \d+ other groups not shown$/),
    });
    const shownGroups = message.blocks.filter(
      (block) => block.type === "section" && block.text?.text.startsWith(":sparkles:"),
    ).length;
    expect(note?.type === "context" ? note.elements[0] : undefined).toMatchObject({
      text: `…and ${300 - shownGroups} more in ${300 - shownGroups} other groups not shown`,
    });
  });

  it("is safe with every kind and hostile text everywhere", () => {
    for (const [name, text] of Object.entries(HOSTILE_TEXTS)) {
      const events = ACTIVITY_KINDS.map((kind) => {
        const event = exampleEvent(kind);
        return {
          ...event,
          title: text,
          actor: { ...event.actor, login: text, url: text },
          repository: { ...event.repository, fullName: text },
          detail: { ...event.detail, forkFullName: text },
        };
      });
      const message = formatSummary({ channel: text, events });
      expect(slackProblems(message), name).toEqual([]);
      expect(JSON.stringify(message), name).not.toMatch(/<[!@#]/);
    }
  });
});
