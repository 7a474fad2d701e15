import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextItemState, type ItemState } from "../../src/threads/item-state.js";
import { formatParent } from "../../src/threads/parent-message.js";
import { exampleEvent } from "../format/example-events.js";
import { HOSTILE_TEXTS, hostileText } from "../format/hostile-text.js";
import { slackProblems } from "../format/slack-safety.js";
import { pullRequestLife } from "./pull-request-life.js";

const slackIdOf = (login: string) => (login.toLowerCase() === "octocat" ? "U0OCTOCAT" : null);

/** The state after the life's events up to `last`. */
function lifeUntil(last: keyof ReturnType<typeof pullRequestLife>): ItemState {
  let state: ItemState | null = null;
  for (const [step, event] of Object.entries(pullRequestLife())) {
    state = nextItemState(state, event);
    if (step === last) break;
  }
  return state!;
}

describe("formatParent", () => {
  it("shows the CI state of a pull request: failing, fixed, passing", () => {
    const approved = lifeUntil("approved");
    const failing = formatParent({ state: { ...approved, ci: "failing" } });
    expect(failing.blocks[1]).toMatchInlineSnapshot(`
      {
        "text": {
          "text": ":large_green_circle: *Open*
      :rotating_light: CI failing
      :white_check_mark: Approved by octocat",
          "type": "mrkdwn",
          "verbatim": true,
        },
        "type": "section",
      }
    `);
    expect(failing.text).toMatchInlineSnapshot(
      `"Pull request #2 Update the README with new information. in Codertocat/Hello-World by Codertocat: Open, CI failing"`,
    );
    const lines = (ci: ItemState["ci"]) => {
      const block = formatParent({ state: { ...approved, ci } }).blocks[1];
      return block?.type === "section" ? block.text?.text.split("\n")[1] : undefined;
    };
    expect(lines("fixed")).toMatchInlineSnapshot(`":green_heart: CI fixed, back to green"`);
    expect(lines("passing")).toMatchInlineSnapshot(`":heavy_check_mark: CI passing"`);
    expect(lines(undefined)).toMatchInlineSnapshot(`":white_check_mark: Approved by octocat"`);
    expect(slackProblems(failing)).toEqual([]);
  });

  it("a CI event moves the parent's CI line", () => {
    const event = exampleEvent("workflow_run.failed");
    const state = lifeUntil("opened");
    const failed = nextItemState(state, {
      ...event,
      repository: { ...event.repository, fullName: state.repository },
    });
    expect(formatParent({ state: failed! }).text).toContain(": Open, CI failing");
  });

  it("a pull request waiting for a mapped reviewer", () => {
    const message = formatParent({ state: lifeUntil("reviewRequested"), options: { slackIdOf } });
    expect(message).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":inbox_tray: *<https://github.com/Codertocat/Hello-World/pull/2|#2 Update the README with new information.>* in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World> by <https://github.com/Codertocat|Codertocat>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ":large_green_circle: *Open*
      :eyes: Review requested from <@U0OCTOCAT>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
        ],
        "text": "Pull request #2 Update the README with new information. in Codertocat/Hello-World by Codertocat: Open",
      }
    `);
    expect(slackProblems(message, { mentions: ["U0OCTOCAT"] })).toEqual([]);
  });

  it("the merged pull request, approved and labelled", () => {
    const message = formatParent({ state: lifeUntil("merged"), options: { slackIdOf } });
    expect(message).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":inbox_tray: *<https://github.com/Codertocat/Hello-World/pull/2|#2 Update the README with new information.>* in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World> by <https://github.com/Codertocat|Codertocat>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ":large_purple_circle: *Merged*
      :label: bug
      :white_check_mark: Approved by octocat",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
        ],
        "text": "Pull request #2 Update the README with new information. in Codertocat/Hello-World by Codertocat: Merged",
      }
    `);
  });

  it("every line at once: draft, labels, users and teams asked, verdicts, assignees", () => {
    const state: ItemState = {
      ...lifeUntil("reviewRequested"),
      state: "draft",
      labels: ["bug", "docs"],
      requestedReviewers: ["octocat", "hubot"],
      requestedTeams: ["Docs"],
      assignees: ["Codertocat"],
      reviews: { monalisa: "approved", hubot: "changes_requested", defunkt: "approved" },
    };
    expect(formatParent({ state, options: { slackIdOf } }).blocks[1]).toMatchInlineSnapshot(`
      {
        "text": {
          "text": ":white_circle: *Draft*
      :label: bug, docs
      :eyes: Review requested from <@U0OCTOCAT>, hubot, Docs (team)
      :white_check_mark: Approved by monalisa, defunkt
      :warning: Changes requested by hubot
      :bust_in_silhouette: Assigned to Codertocat",
          "type": "mrkdwn",
          "verbatim": true,
        },
        "type": "section",
      }
    `);
  });

  it("without a people file, reviewers are plain logins", () => {
    const message = formatParent({ state: lifeUntil("reviewRequested") });
    expect(JSON.stringify(message)).not.toContain("<@");
    expect(JSON.stringify(message.blocks[1])).toContain("Review requested from octocat");
  });

  it("an issue, closed", () => {
    const state = nextItemState(null, exampleEvent("issues.closed"))!;
    const message = formatParent({ state });
    expect(message.text).toMatchInlineSnapshot(
      `"Issue #1 Spelling error in the README file in Codertocat/Hello-World by Codertocat: Closed"`,
    );
    expect(message.blocks[0]).toMatchObject({
      text: {
        text: expect.stringMatching(
          /^:memo: \*<https:\/\/github.com\/Codertocat\/Hello-World\/issues\/1\|/,
        ),
      },
    });
  });

  it("links the repository and author on the item's own site (GitHub Enterprise)", () => {
    const state = { ...lifeUntil("opened"), url: "https://ghe.example.com/acme/api/pull/2" };
    const headline = JSON.stringify(formatParent({ state }).blocks[0]);
    expect(headline).toContain("<https://ghe.example.com/Codertocat/Hello-World|");
    expect(headline).toContain("<https://ghe.example.com/Codertocat|Codertocat>");
  });

  it("lists ten names of a kind, then says how many more", () => {
    const labels = Array.from({ length: 14 }, (_, index) => `label${index}`);
    const state = { ...lifeUntil("opened"), labels };
    expect(JSON.stringify(formatParent({ state }).blocks[1])).toContain(
      ":label: label0, label1, label2, label3, label4, label5, label6, label7, label8, label9 and 4 more",
    );
  });

  it.each(Object.entries(HOSTILE_TEXTS))(
    "%s everywhere stays escaped and within limits",
    (_, text) => {
      const state: ItemState = {
        type: "pull_request",
        number: 7,
        title: text,
        url: `https://github.com/${text}`,
        author: text,
        state: "open",
        labels: [text, text],
        requestedReviewers: [text, "octocat"],
        requestedTeams: [text],
        assignees: [text],
        repository: text,
        reviews: { [text]: "approved", hubot: "changes_requested" },
      };
      const message = formatParent({ state, options: { slackIdOf } });
      const wellFormedInput = !text.includes("\ud83d");
      expect(slackProblems(message, { wellFormedInput, mentions: ["U0OCTOCAT"] })).toEqual([]);
      expect(JSON.stringify(message).replaceAll("<@U0OCTOCAT>", "")).not.toMatch(/<[@!#]/);
    },
  );

  it("never throws and stays safe on arbitrary states", () => {
    const names = fc.array(hostileText, { maxLength: 50 });
    const state: fc.Arbitrary<ItemState> = fc.record({
      type: fc.constantFrom("issue" as const, "pull_request" as const),
      number: fc.integer({ min: 1 }),
      title: hostileText,
      url: fc.oneof(fc.webUrl(), hostileText),
      author: fc.option(hostileText, { nil: null }),
      state: fc.constantFrom(
        "open" as const,
        "draft" as const,
        "merged" as const,
        "closed" as const,
      ),
      labels: names,
      requestedReviewers: names,
      requestedTeams: names,
      assignees: names,
      repository: hostileText,
      reviews: fc.dictionary(
        hostileText,
        fc.constantFrom("approved" as const, "changes_requested" as const),
      ),
      ci: fc.constantFrom("failing" as const, "fixed" as const, "passing" as const, undefined),
    });
    fc.assert(
      fc.property(state, (item) => {
        const message = formatParent({ state: item, options: { slackIdOf: () => "U0ANY" } });
        expect(slackProblems(message, { mentions: ["U0ANY"] })).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
