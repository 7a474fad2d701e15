import { describe, expect, it } from "vitest";
import { format } from "../../src/format/format.js";
import type { ActivityEvent, ActivityKind } from "../../src/normalize/activity-event.js";
import { ACTIVITY_KINDS } from "../../src/normalize/activity-event.js";
import { exampleEvent } from "./example-events.js";
import { HOSTILE_TEXTS } from "./hostile-text.js";
import { slackProblems } from "./slack-safety.js";

describe("format: one look per kind", () => {
  it("gives every kind its own emoji", () => {
    const emojis = ACTIVITY_KINDS.map((kind) => {
      const text = format(exampleEvent(kind)).blocks[0];
      return text?.type === "section" ? text.text?.text.split(" ")[0] : undefined;
    });
    // Reopening, labelling, assigning and commenting look the same on an issue and a pull request.
    expect(new Set(emojis).size).toBe(ACTIVITY_KINDS.length - 4);
  });

  it.each(ACTIVITY_KINDS)("%s is a safe message", (kind) => {
    expect(slackProblems(format(exampleEvent(kind)), { wellFormedInput: true })).toEqual([]);
  });

  it("issues.opened", () => {
    expect(format(exampleEvent("issues.opened"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":large_green_circle: <https://github.com/Codertocat|Codertocat> opened issue <https://github.com/Codertocat/Hello-World/issues/1|#1 Spelling error in the README file> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">It looks like you accidently spelled 'commit' with two 't's.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat opened issue #1 Spelling error in the README file in Codertocat/Hello-World",
      }
    `);
  });

  it("issues.closed, as not planned", () => {
    const event = exampleEvent("issues.closed");
    expect(format(event).text).toMatchInlineSnapshot(
      `"Codertocat closed issue #1 Spelling error in the README file in Codertocat/Hello-World"`,
    );
    event.detail.stateReason = "not_planned";
    expect(format(event).text).toMatchInlineSnapshot(
      `"Codertocat closed issue #1 Spelling error in the README file in Codertocat/Hello-World as not planned"`,
    );
  });

  it("issues.reopened", () => {
    expect(format(exampleEvent("issues.reopened"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":arrows_counterclockwise: <https://github.com/Codertocat|Codertocat> reopened issue <https://github.com/Codertocat/Hello-World/issues/1|#1 Spelling error in the README file> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat reopened issue #1 Spelling error in the README file in Codertocat/Hello-World",
      }
    `);
  });

  it("issues.labeled", () => {
    expect(format(exampleEvent("issues.labeled"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":label: <https://github.com/Codertocat|Codertocat> added the label “bug” to issue <https://github.com/Codertocat/Hello-World/issues/1|#1 Spelling error in the README file> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">It looks like you accidently spelled 'commit' with two 't's.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat added the label “bug” to issue #1 Spelling error in the README file in Codertocat/Hello-World",
      }
    `);
  });

  it("issues.assigned", () => {
    expect(format(exampleEvent("issues.assigned"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":bust_in_silhouette: <https://github.com/Codertocat|Codertocat> assigned Codertocat to issue <https://github.com/Codertocat/Hello-World/issues/1|#1 Spelling error in the README file> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">It looks like you accidently spelled 'commit' with two 't's.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat assigned Codertocat to issue #1 Spelling error in the README file in Codertocat/Hello-World",
      }
    `);
  });

  it("pull_request.opened, and as a draft", () => {
    const event = exampleEvent("pull_request.opened");
    expect(format(event)).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":sparkles: <https://github.com/Codertocat|Codertocat> opened pull request <https://github.com/Codertocat/Hello-World/pull/2|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">This is a pretty simple change that we need to pull into master.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat opened pull request #2 Update the README with new information. in Codertocat/Hello-World",
      }
    `);
    expect(format({ ...event, draft: true }).text).toMatchInlineSnapshot(
      `"Codertocat opened draft pull request #2 Update the README with new information. in Codertocat/Hello-World"`,
    );
  });

  it("pull_request.reopened", () => {
    expect(format(exampleEvent("pull_request.reopened"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":arrows_counterclockwise: <https://github.com/Codertocat|Codertocat> reopened pull request <https://github.com/Codertocat/Hello-World/pull/2|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">This is a pretty simple change that we need to pull into master.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat reopened pull request #2 Update the README with new information. in Codertocat/Hello-World",
      }
    `);
  });

  it("pull_request.ready_for_review", () => {
    expect(format(exampleEvent("pull_request.ready_for_review"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":mag: <https://github.com/Codertocat|Codertocat> marked pull request <https://github.com/Codertocat/Hello-World/pull/2|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World> ready for review",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">This is a pretty simple change that we need to pull into master.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat marked pull request #2 Update the README with new information. in Codertocat/Hello-World ready for review",
      }
    `);
  });

  it("pull_request.review_requested", () => {
    expect(format(exampleEvent("pull_request.review_requested"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":raising_hand: <https://github.com/Codertocat|Codertocat> asked octocat to review pull request <https://github.com/Codertocat/Hello-World/pull/2|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">This is a pretty simple change that we need to pull into master.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat asked octocat to review pull request #2 Update the README with new information. in Codertocat/Hello-World",
      }
    `);
  });

  it("pull_request.labeled", () => {
    expect(format(exampleEvent("pull_request.labeled"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":label: <https://github.com/Codertocat|Codertocat> added the label “bug” to pull request <https://github.com/Codertocat/Hello-World/pull/2|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">This is a pretty simple change that we need to pull into master.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat added the label “bug” to pull request #2 Update the README with new information. in Codertocat/Hello-World",
      }
    `);
  });

  it("pull_request.assigned", () => {
    expect(format(exampleEvent("pull_request.assigned")).text).toMatchInlineSnapshot(
      `"Codertocat assigned Codertocat to pull request #2 Update the README with new information. in Codertocat/Hello-World"`,
    );
  });

  it("pull_request.merged", () => {
    expect(format(exampleEvent("pull_request.merged"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":tada: <https://github.com/Codertocat|Codertocat> merged pull request <https://github.com/Codertocat/Hello-World/pull/2|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">This is a pretty simple change that we need to pull into master.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat merged pull request #2 Update the README with new information. in Codertocat/Hello-World",
      }
    `);
  });

  it("pull_request.closed", () => {
    expect(format(exampleEvent("pull_request.closed"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":x: <https://github.com/Codertocat|Codertocat> closed pull request <https://github.com/Codertocat/Hello-World/pull/2|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World> without merging",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">This is a pretty simple change that we need to pull into master.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat closed pull request #2 Update the README with new information. in Codertocat/Hello-World without merging",
      }
    `);
  });

  it("pull_request_review.approved", () => {
    expect(format(exampleEvent("pull_request_review.approved"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":white_check_mark: <https://github.com/Codertocat|Codertocat> approved pull request <https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-237895671|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat approved pull request #2 Update the README with new information. in Codertocat/Hello-World",
      }
    `);
  });

  it("pull_request_review.changes_requested", () => {
    const event = exampleEvent("pull_request_review.changes_requested");
    expect(format({ ...event, body: "Please add a test.\n> and fix <this>" }))
      .toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":warning: <https://github.com/Codertocat|Codertocat> requested changes to pull request <https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-237895671|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">Please add a test.
      >&gt; and fix &lt;this&gt;",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat requested changes to pull request #2 Update the README with new information. in Codertocat/Hello-World",
      }
    `);
  });

  it("pull_request_review.commented", () => {
    expect(format(exampleEvent("pull_request_review.commented"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":speech_balloon: <https://github.com/Codertocat|Codertocat> commented on pull request <https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-237895671|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat commented on pull request #2 Update the README with new information. in Codertocat/Hello-World",
      }
    `);
  });

  it("star.created, with the star count", () => {
    const event = exampleEvent("star.created");
    event.repository.stars = 1204;
    expect(format(event)).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":star: <https://github.com/Codertocat|Codertocat> starred <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World> (now 1,204 stars)",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
        ],
        "text": "Codertocat starred Codertocat/Hello-World (now 1,204 stars)",
      }
    `);
  });

  it("fork", () => {
    expect(format(exampleEvent("fork"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":fork_and_knife: <https://github.com/Octocoders|Octocoders> forked <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World> to <https://github.com/Octocoders/Hello-World|Octocoders/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
        ],
        "text": "Octocoders forked Codertocat/Hello-World to Octocoders/Hello-World",
      }
    `);
  });

  it("watch.started", () => {
    expect(format(exampleEvent("watch.started"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":eyes: <https://github.com/Codertocat|Codertocat> started watching <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
        ],
        "text": "Codertocat started watching Codertocat/Hello-World",
      }
    `);
  });

  it("release.published, with its tag, and as a pre-release", () => {
    const event = exampleEvent("release.published");
    expect(format(event)).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":rocket: <https://github.com/Codertocat|Codertocat> published release <https://github.com/Codertocat/Hello-World/releases/tag/0.0.1|0.0.1> of <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
        ],
        "text": "Codertocat published release 0.0.1 of Codertocat/Hello-World",
      }
    `);
    const named = {
      ...event,
      title: "Winter release",
      detail: { tagName: "v2.0.0-rc.1", prerelease: true },
    };
    expect(format(named).text).toMatchInlineSnapshot(
      `"Codertocat published pre-release Winter release (v2.0.0-rc.1) of Codertocat/Hello-World"`,
    );
  });

  it("marks a bot actor and a long body", () => {
    const event = exampleEvent("pull_request.opened");
    const message = format({
      ...event,
      actor: { ...event.actor, login: "dependabot[bot]", isBot: true },
      body: Array.from({ length: 20 }, (_, line) => `line ${line}`).join("\n"),
    });
    expect(message.blocks.slice(1)).toMatchInlineSnapshot(`
      [
        {
          "text": {
            "text": ">line 0
      >line 1
      >line 2
      >line 3
      >line 4
      >line 5
      >line 6
      >line 7
      >…",
            "type": "mrkdwn",
            "verbatim": true,
          },
          "type": "section",
        },
        {
          "elements": [
            {
              "text": ":twisted_rightwards_arrows: changes → master",
              "type": "mrkdwn",
              "verbatim": true,
            },
            {
              "text": ":robot_face: Automated",
              "type": "mrkdwn",
              "verbatim": true,
            },
          ],
          "type": "context",
        },
      ]
    `);
  });
});

/** Where user text can sit in an event, and how to put it there. */
const PLACES: Record<string, (event: ActivityEvent, text: string) => ActivityEvent> = {
  title: (event, text) => ({ ...event, title: text }),
  "actor login": (event, text) => ({ ...event, actor: { ...event.actor, login: text } }),
  "repository name": (event, text) => ({
    ...event,
    repository: { ...event.repository, fullName: text, owner: text, name: text },
  }),
  labels: (event, text) => ({ ...event, labels: [text, text, "ok"] }),
  branches: (event, text) => ({ ...event, headBranch: text, baseBranch: text }),
  body: (event, text) => ({ ...event, body: text }),
  detail: (event, text) => ({
    ...event,
    detail: {
      label: text,
      assignee: text,
      requestedReviewer: text,
      forkFullName: text,
      tagName: text,
      lateLabel: text,
      workflowName: text,
      conclusion: text,
      headSha: text,
      appName: text,
      environment: text,
      deploymentState: text,
      path: text,
      category: text,
      answerAuthor: text,
      pusher: text,
      packageName: text,
      ecosystem: text,
      manifestPath: text,
      ruleId: text,
      toolName: text,
      secretType: text,
    },
  }),
  "commit messages": (event, text) => ({
    ...event,
    detail: {
      ...event.detail,
      commits: Array.from({ length: 5 }, (_, index) => ({
        sha: index === 0 ? text : "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        message: text,
        url: index === 1 ? text : `https://github.com/${text}`,
      })),
      commitCount: 7,
    },
  }),
  urls: (event, text) => ({
    ...event,
    url: `https://github.com/${text}`,
    actor: { ...event.actor, url: text },
    repository: { ...event.repository, url: `javascript:${text}` },
    detail: { ...event.detail, forkUrl: `https://evil.test/|${text}` },
  }),
};

const hostileCases = Object.entries(HOSTILE_TEXTS).flatMap(([name, text]) =>
  Object.entries(PLACES).map(([place, put]) => ({ name, place, text, put })),
);

describe("format: hostile user text", () => {
  it.each(hostileCases)("$name in $place", ({ text, put }) => {
    for (const kind of ACTIVITY_KINDS) {
      const message = format(put(exampleEvent(kind), text));
      const wellFormedInput = !text.includes("\ud83d");
      expect(slackProblems(message, { wellFormedInput }), kind).toEqual([]);
      const json = JSON.stringify(message);
      for (const forbidden of ["<!", "<@", "<#", "<javascript", "<data", "<https://evil.test|"]) {
        expect(json, kind).not.toContain(forbidden);
      }
    }
  });

  it("shows hostile text escaped rather than dropping it", () => {
    const event = PLACES.title!(exampleEvent("issues.opened"), "<!channel> & *urgent*");
    expect(format(event).blocks[0]).toMatchInlineSnapshot(`
      {
        "text": {
          "text": ":large_green_circle: <https://github.com/Codertocat|Codertocat> opened issue <https://github.com/Codertocat/Hello-World/issues/1|#1 &lt;!channel&gt; &amp; *urgent*> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
          "type": "mrkdwn",
          "verbatim": true,
        },
        "type": "section",
      }
    `);
  });

  it.each(["title", "actor login", "repository name", "body"])(
    "a 100 KB %s still fits Slack's limits",
    (place) => {
      for (const kind of ["issues.opened", "release.published", "fork"] satisfies ActivityKind[]) {
        const message = format(PLACES[place]!(exampleEvent(kind), "<&>".repeat(34_000)));
        expect(slackProblems(message), kind).toEqual([]);
        expect(JSON.stringify(message).length).toBeLessThan(12_000);
      }
    },
  );
});

/** The operator's people file, as format sees it. */
const PEOPLE: Record<string, string> = { octocat: "U0OCTOCAT", codertocat: "W0CODER" };
const slackIdOf = (login: string) => PEOPLE[login.toLowerCase()] ?? null;

describe("format: mentions of the people an event is about", () => {
  it("names a mapped requested reviewer with a real mention, in the blocks and the text", () => {
    const message = format(exampleEvent("pull_request.review_requested"), { slackIdOf });
    expect(message).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":raising_hand: <https://github.com/Codertocat|Codertocat> asked <@U0OCTOCAT> to review pull request <https://github.com/Codertocat/Hello-World/pull/2|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">This is a pretty simple change that we need to pull into master.",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":label: bug",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": ":twisted_rightwards_arrows: changes → master",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Codertocat asked <@U0OCTOCAT> to review pull request #2 Update the README with new information. in Codertocat/Hello-World",
      }
    `);
    expect(slackProblems(message, { mentions: ["U0OCTOCAT"] })).toEqual([]);
  });

  it("never mentions a team, even one whose name a login maps to", () => {
    const event = exampleEvent("pull_request.review_requested");
    const team = {
      ...event,
      detail: { requestedReviewer: "octocat", requestedReviewerIsTeam: true },
    };
    expect(format(team, { slackIdOf })).toEqual(format(team));
    expect(format(team, { slackIdOf }).text).toContain("asked octocat to review");
  });

  it.each(["issues.assigned", "pull_request.assigned"] as const)(
    "names a mapped assignee on %s",
    (kind) => {
      const message = format(exampleEvent(kind), { slackIdOf });
      expect(message.text).toMatch(/^Codertocat assigned <@W0CODER> to /);
      expect(JSON.stringify(message.blocks)).toContain("assigned <@W0CODER> to ");
      expect(slackProblems(message, { mentions: ["W0CODER"] })).toEqual([]);
    },
  );

  it.each([
    ["pull_request_review.approved", "approved <@W0CODER>’s pull request"],
    ["pull_request_review.changes_requested", "requested changes to <@W0CODER>’s pull request"],
    ["pull_request_review.commented", "commented on <@W0CODER>’s pull request"],
  ] as const)("names the pull request's mapped author on %s", (kind, words) => {
    const message = format(exampleEvent(kind), { slackIdOf });
    expect(message.text).toContain(words);
    expect(JSON.stringify(message.blocks)).toContain(words);
    // Without the author mapped, the headline reads as before.
    expect(format(exampleEvent(kind), { slackIdOf: () => null })).toEqual(
      format(exampleEvent(kind)),
    );
  });

  it("mentions nobody else: the actor and everyone on other kinds stay plain", () => {
    const everyone = () => "U0EVERYONE";
    const mentioning = new Set([
      "pull_request.review_requested",
      "issues.assigned",
      "pull_request.assigned",
      "pull_request_review.approved",
      "pull_request_review.changes_requested",
      "pull_request_review.commented",
    ]);
    for (const kind of ACTIVITY_KINDS) {
      const mentions = JSON.stringify(format(exampleEvent(kind), { slackIdOf: everyone })).match(
        /<@[^>]*>/g,
      );
      // One mention in the blocks and one in the text, or none.
      expect(mentions, kind).toEqual(
        mentioning.has(kind) ? ["<@U0EVERYONE>", "<@U0EVERYONE>"] : null,
      );
    }
  });

  it.each([
    "U123> <!channel",
    "<@U123>",
    "u0lower",
    "C0CHANNEL",
    "U",
    "",
    "U0OCTOCAT ",
    `U${"1".repeat(40)}`,
  ])("an id that is not a Slack user id (%j) leaves the login plain", (id) => {
    const event = exampleEvent("pull_request.review_requested");
    expect(format(event, { slackIdOf: () => id })).toEqual(format(event));
  });

  it("a mention never comes from user text: titles and bodies stay escaped", () => {
    const event = exampleEvent("pull_request.review_requested");
    const hostile = {
      ...event,
      title: "ping <@U123> <!channel>",
      body: "<@W456> <!here> <!subteam^S1>",
      labels: ["<@U789>"],
    };
    const message = format(hostile, { slackIdOf });
    expect(message.text).toBe(
      "Codertocat asked <@U0OCTOCAT> to review pull request #2 ping &lt;@U123&gt; &lt;!channel&gt; in Codertocat/Hello-World",
    );
    expect(JSON.stringify(message).match(/<[@!#][^>]*>/g)).toEqual([
      "<@U0OCTOCAT>",
      "<@U0OCTOCAT>",
    ]);
    expect(slackProblems(message, { mentions: ["U0OCTOCAT"] })).toEqual([]);
  });

  it.each(hostileCases)(
    "$name in $place, with everyone mapped, mentions only ids",
    ({ text, put }) => {
      // Even a hostile login the operator maps yields only `<@id>`: the login itself is never in it.
      const mapped = (login: string) => (login === text || login in PEOPLE ? "U0MAPPED" : null);
      for (const kind of ACTIVITY_KINDS) {
        const message = format(put(exampleEvent(kind), text), { slackIdOf: mapped });
        const wellFormedInput = !text.includes("\ud83d");
        expect(slackProblems(message, { wellFormedInput, mentions: ["U0MAPPED"] }), kind).toEqual(
          [],
        );
        expect(JSON.stringify(message).replaceAll("<@U0MAPPED>", ""), kind).not.toMatch(/<[@!#]/);
      }
    },
  );
});
