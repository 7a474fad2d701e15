/**
 * The looks of the kinds issue 14 added (CI, deployments, comments, discussions, pushes,
 * security alerts) and the late label, over real example payloads; format.test.ts holds the
 * table every kind goes through (safety, hostile text in every place).
 */
import { describe, expect, it } from "vitest";
import { format } from "../../src/format/format.js";
import type { ActivityEvent, ActivityKind } from "../../src/normalize/activity-event.js";
import { exampleEvent } from "./example-events.js";
import { HOSTILE_TEXTS } from "./hostile-text.js";
import { slackProblems } from "./slack-safety.js";

/** Each block's text (a context's elements joined by ` | `), then the fallback text. */
function look(event: ActivityEvent): string[] {
  const message = format(event);
  return [
    ...message.blocks.map((block) =>
      block.type === "section"
        ? (block.text?.text ?? "")
        : block.type === "context"
          ? block.elements.map((element) => ("text" in element ? element.text : "")).join(" | ")
          : block.type,
    ),
    `text: ${message.text}`,
  ];
}

function withDetail(kind: ActivityKind, detail: ActivityEvent["detail"]): ActivityEvent {
  const event = exampleEvent(kind);
  return { ...event, detail: { ...event.detail, ...detail } };
}

describe("format: CI", () => {
  it("workflow_run.failed, in full", () => {
    expect(format(exampleEvent("workflow_run.failed"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":rotating_light: Workflow <https://github.com/octo-org/octo-repo/actions/runs/289782451|CI #163> failed on master in <https://github.com/octo-org/octo-repo|octo-org/octo-repo>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":bust_in_silhouette: Codertocat",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": ":checkered_flag: failure",
                "type": "mrkdwn",
                "verbatim": true,
              },
              {
                "text": ":pushpin: 3484a3f",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Workflow CI #163 failed on master in octo-org/octo-repo",
      }
    `);
  });

  it("workflow_run.failed that timed out or failed to start says so", () => {
    expect(
      look(withDetail("workflow_run.failed", { conclusion: "timed_out" }))[0],
    ).toMatchInlineSnapshot(
      `":rotating_light: Workflow <https://github.com/octo-org/octo-repo/actions/runs/289782451|CI #163> failed on master in <https://github.com/octo-org/octo-repo|octo-org/octo-repo> (timed out)"`,
    );
    expect(
      format(withDetail("workflow_run.failed", { conclusion: "startup_failure" })).text,
    ).toMatchInlineSnapshot(
      `"Workflow CI #163 failed on master in octo-org/octo-repo (startup failure)"`,
    );
  });

  it("workflow_run.fixed", () => {
    expect(look(exampleEvent("workflow_run.fixed"))).toMatchInlineSnapshot(`
      [
        ":green_heart: Workflow <https://github.com/octo-org/octo-repo/actions/runs/289782451|CI #163> is back to green on master in <https://github.com/octo-org/octo-repo|octo-org/octo-repo>",
        ":bust_in_silhouette: Codertocat | :checkered_flag: success | :pushpin: 3484a3f",
        "text: Workflow CI #163 is back to green on master in octo-org/octo-repo",
      ]
    `);
  });

  it("workflow_run.succeeded", () => {
    expect(look(exampleEvent("workflow_run.succeeded"))).toMatchInlineSnapshot(`
      [
        ":heavy_check_mark: Workflow <https://github.com/octo-org/octo-repo/actions/runs/289782451|CI #163> succeeded on master in <https://github.com/octo-org/octo-repo|octo-org/octo-repo>",
        ":bust_in_silhouette: Codertocat | :checkered_flag: success | :pushpin: 3484a3f",
        "text: Workflow CI #163 succeeded on master in octo-org/octo-repo",
      ]
    `);
  });

  it("a run without a name, number or branch still reads", () => {
    const event = exampleEvent("workflow_run.failed");
    const bare: ActivityEvent = {
      ...event,
      headBranch: null,
      detail: { conclusion: "failure" },
    };
    expect(format(bare).text).toMatchInlineSnapshot(`"Workflow run failed in octo-org/octo-repo"`);
  });

  it("check_suite.failed", () => {
    expect(look(exampleEvent("check_suite.failed"))).toMatchInlineSnapshot(`
      [
        ":no_entry: Checks by octocoders-linter failed for <https://github.com/Codertocat/Hello-World/commit/ec26c3e57ca3a959ca5aad62de7213c562f8c821/checks|ec26c3e> on changes in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
        ":bust_in_silhouette: Codertocat | :checkered_flag: failure | :pushpin: ec26c3e",
        "text: Checks by octocoders-linter failed for ec26c3e on changes in Codertocat/Hello-World",
      ]
    `);
    const anonymous = {
      ...exampleEvent("check_suite.failed"),
      detail: { conclusion: "timed_out" },
    };
    expect(format(anonymous).text).toMatchInlineSnapshot(
      `"Checks by an app failed on changes in Codertocat/Hello-World (timed out)"`,
    );
  });
});

describe("format: deployments", () => {
  it("deployment_status.success, linked to the repository's deployments page", () => {
    expect(format(exampleEvent("deployment_status.success"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":ship: Deployment to <https://github.com/Codertocat/Hello-World/deployments|production> succeeded in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":bust_in_silhouette: Codertocat",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "Deployment to production succeeded in Codertocat/Hello-World",
      }
    `);
  });

  it("deployment_status.failure, an error, linked to its target, with its description", () => {
    const event: ActivityEvent = {
      ...withDetail("deployment_status.failure", { deploymentState: "error" }),
      url: "https://deploy.example.test/runs/7",
      body: "Health check failed after 3 tries",
    };
    expect(look(event)).toMatchInlineSnapshot(`
      [
        ":boom: Deployment to <https://deploy.example.test/runs/7|production> failed in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World> (error)",
        ">Health check failed after 3 tries",
        ":bust_in_silhouette: Codertocat",
        "text: Deployment to production failed in Codertocat/Hello-World (error)",
      ]
    `);
  });
});

describe("format: comments", () => {
  it("issue_comment.created, in full", () => {
    expect(format(exampleEvent("issue_comment.created"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":left_speech_bubble: <https://github.com/Codertocat|Codertocat> commented on issue <https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400|#1 Spelling error in the README file> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": ">You are totally right! I'll get this fixed right away.",
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
        "text": "Codertocat commented on issue #1 Spelling error in the README file in Codertocat/Hello-World",
      }
    `);
  });

  it("pull_request.commented", () => {
    expect(look(exampleEvent("pull_request.commented"))).toMatchInlineSnapshot(`
      [
        ":left_speech_bubble: <https://github.com/Codertocat|Codertocat> commented on pull request <https://github.com/Codertocat/Hello-World/pull/1#issuecomment-492700400|#1 Spelling error in the README file> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
        ">You are totally right! I'll get this fixed right away.",
        ":label: bug",
        "text: Codertocat commented on pull request #1 Spelling error in the README file in Codertocat/Hello-World",
      ]
    `);
  });

  it("pull_request_review_comment.created names the file", () => {
    expect(look(exampleEvent("pull_request_review_comment.created"))).toMatchInlineSnapshot(`
      [
        ":pencil2: <https://github.com/Codertocat|Codertocat> commented on README.md in pull request <https://github.com/Codertocat/Hello-World/pull/2#discussion_r284312630|#2 Update the README with new information.> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
        ">Maybe you should use more emoji on this line.",
        ":twisted_rightwards_arrows: changes → master",
        "text: Codertocat commented on README.md in pull request #2 Update the README with new information. in Codertocat/Hello-World",
      ]
    `);
  });

  it("a long comment is cut to its first lines", () => {
    const event = exampleEvent("issue_comment.created");
    const long = { ...event, body: Array.from({ length: 12 }, (_, n) => `point ${n}`).join("\n") };
    expect(look(long)[1]).toMatchInlineSnapshot(`
      ">point 0
      >point 1
      >point 2
      >point 3
      >point 4
      >point 5
      >point 6
      >point 7
      >…"
    `);
  });
});

describe("format: discussions", () => {
  it("discussion.created", () => {
    expect(look(exampleEvent("discussion.created"))).toMatchInlineSnapshot(`
      [
        ":loudspeaker: <https://github.com/Codertocat|Codertocat> started discussion <https://github.com/octo-org/octo-repo/discussions/90|#90 Welcome to discussions!> in <https://github.com/octo-org/octo-repo|octo-org/octo-repo>",
        ">We're glad to have you here!",
        ":card_index_dividers: General",
        "text: Codertocat started discussion #90 Welcome to discussions! in octo-org/octo-repo",
      ]
    `);
  });

  it("discussion.answered names the answer's author", () => {
    expect(look(exampleEvent("discussion.answered"))).toMatchInlineSnapshot(`
      [
        ":bulb: <https://github.com/Codertocat|Codertocat> chose dan2wik’s answer for discussion <https://github.com/Codertocat/Hello-World/discussions/4#discussioncomment-550561|#4 TEST edit> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
        ">Poggers",
        ":card_index_dividers: Q&amp;A",
        "text: Codertocat chose dan2wik’s answer for discussion #4 TEST edit in Codertocat/Hello-World",
      ]
    `);
  });

  it("discussion_comment.created", () => {
    expect(look(exampleEvent("discussion_comment.created"))).toMatchInlineSnapshot(`
      [
        ":speaking_head_in_silhouette: <https://github.com/Codertocat|Codertocat> commented on discussion <https://github.com/octo-org/octo-repo/discussions/90#discussioncomment-544078|#90 Welcome to discussions!> in <https://github.com/octo-org/octo-repo|octo-org/octo-repo>",
        ">I have so many questions to ask you!",
        ":card_index_dividers: General",
        "text: Codertocat commented on discussion #90 Welcome to discussions! in octo-org/octo-repo",
      ]
    `);
  });
});

describe("format: pushes", () => {
  it("push.default_branch, in full", () => {
    expect(format(exampleEvent("push.default_branch"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":arrow_heading_up: <https://github.com/Codertocat|Codertocat> pushed <https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246|1 commit> to master in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "text": {
              "text": "• <https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246|6113728> Initial commit",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
        ],
        "text": "Codertocat pushed 1 commit to master in Codertocat/Hello-World",
      }
    `);
  });

  it("a forced push of many commits lists five, says how many more, and who pushed", () => {
    const commits = Array.from({ length: 5 }, (_, n) => ({
      sha: `${n}abcdef`.repeat(5).slice(0, 40),
      message: `Change ${n}`,
      url: `https://github.com/Codertocat/Hello-World/commit/${n}`,
    }));
    const event = withDetail("push.default_branch", {
      commits,
      commitCount: 8,
      forced: true,
      pusher: "hubot",
    });
    expect(look(event)).toMatchInlineSnapshot(`
      [
        ":arrow_heading_up: <https://github.com/Codertocat|Codertocat> force-pushed <https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246|8 commits> to master in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
        "• <https://github.com/Codertocat/Hello-World/commit/0|0abcdef> Change 0
      • <https://github.com/Codertocat/Hello-World/commit/1|1abcdef> Change 1
      • <https://github.com/Codertocat/Hello-World/commit/2|2abcdef> Change 2
      • <https://github.com/Codertocat/Hello-World/commit/3|3abcdef> Change 3
      • <https://github.com/Codertocat/Hello-World/commit/4|4abcdef> Change 4
      and 3 more",
        ":bust_in_silhouette: Pushed by hubot",
        "text: Codertocat force-pushed 8 commits to master in Codertocat/Hello-World",
      ]
    `);
  });

  it("a forced push with no new commits", () => {
    const event = withDetail("push.default_branch", { commits: [], commitCount: 0, forced: true });
    expect(look(event)).toMatchInlineSnapshot(`
      [
        ":arrow_heading_up: <https://github.com/Codertocat|Codertocat> force-pushed to master in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
        "text: Codertocat force-pushed to master in Codertocat/Hello-World",
      ]
    `);
  });
});

describe("format: security alerts", () => {
  it("dependabot_alert.created, in full", () => {
    expect(format(exampleEvent("dependabot_alert.created"))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": ":shield: New medium-severity Dependabot alert <https://github.com/wolfy1339/pika-pack/security/dependabot/20|#20 semver vulnerable to Regular Expression Denial of Service> for semver (npm) in <https://github.com/wolfy1339/pika-pack|wolfy1339/pika-pack>",
              "type": "mrkdwn",
              "verbatim": true,
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": ":page_facing_up: package-lock.json",
                "type": "mrkdwn",
                "verbatim": true,
              },
            ],
            "type": "context",
          },
        ],
        "text": "New medium-severity Dependabot alert #20 semver vulnerable to Regular Expression Denial of Service for semver (npm) in wolfy1339/pika-pack",
      }
    `);
  });

  it("code_scanning_alert.created", () => {
    expect(look(exampleEvent("code_scanning_alert.created"))).toMatchInlineSnapshot(`
      [
        ":mag_right: New high-severity code scanning alert <https://github.com/Codertocat/Hello-World/security/code-scanning/10|#10 Query built from user-controlled sources> from CodeQL in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
        ":scroll: Rule java/sql-injection",
        "text: New high-severity code scanning alert #10 Query built from user-controlled sources from CodeQL in Codertocat/Hello-World",
      ]
    `);
  });

  it("secret_scanning_alert.created", () => {
    expect(look(exampleEvent("secret_scanning_alert.created"))).toMatchInlineSnapshot(`
      [
        ":key: New secret scanning alert <https://github.com/Codertocat/Hello-World/security/secret-scanning/42|#42 GitHub Personal Access Token> in <https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>",
        "text: New secret scanning alert #42 GitHub Personal Access Token in Codertocat/Hello-World",
      ]
    `);
  });

  it("an alert without severity or package still reads", () => {
    const event = { ...exampleEvent("dependabot_alert.created"), detail: {} };
    expect(format(event).text).toMatchInlineSnapshot(
      `"New Dependabot alert #20 semver vulnerable to Regular Expression Denial of Service for a dependency in wolfy1339/pika-pack"`,
    );
  });
});

describe("format: a label added later", () => {
  it("issues.opened with detail.lateLabel says it is now labelled", () => {
    expect(format(withDetail("issues.opened", { lateLabel: "bug" })).text).toMatchInlineSnapshot(
      `"Codertocat opened issue #1 Spelling error in the README file in Codertocat/Hello-World — now labelled bug"`,
    );
  });

  it("pull_request.opened with detail.lateLabel says it is now labelled", () => {
    expect(
      format(withDetail("pull_request.opened", { lateLabel: "good first issue" })).text,
    ).toMatchInlineSnapshot(
      `"Codertocat opened pull request #2 Update the README with new information. in Codertocat/Hello-World — now labelled good first issue"`,
    );
  });

  it("only opened items say it", () => {
    const labeled = withDetail("issues.labeled", { lateLabel: "bug" });
    expect(format(labeled).text).not.toContain("now labelled");
  });

  it("the label is escaped and cut", () => {
    const event = withDetail("issues.opened", { lateLabel: `<!channel> ${"x".repeat(200)}` });
    const message = format(event);
    expect(slackProblems(message)).toEqual([]);
    expect(message.text).toContain("— now labelled &lt;!channel&gt; xxx");
    expect(message.text.endsWith("x…")).toBe(true);
  });
});

/** The new places user text reaches a message, each put in the event of its kind. */
const NEW_PLACES: [string, ActivityKind, (event: ActivityEvent, text: string) => ActivityEvent][] =
  [
    [
      "a workflow name",
      "workflow_run.failed",
      (e, t) => ({ ...e, title: t, detail: { ...e.detail, workflowName: t } }),
    ],
    [
      "a conclusion",
      "workflow_run.failed",
      (e, t) => ({ ...e, detail: { ...e.detail, conclusion: t } }),
    ],
    ["a branch", "workflow_run.fixed", (e, t) => ({ ...e, headBranch: t })],
    [
      "an app name",
      "check_suite.failed",
      (e, t) => ({ ...e, detail: { ...e.detail, appName: t } }),
    ],
    ["a head SHA", "check_suite.failed", (e, t) => ({ ...e, detail: { ...e.detail, headSha: t } })],
    [
      "an environment",
      "deployment_status.success",
      (e, t) => ({ ...e, detail: { ...e.detail, environment: t } }),
    ],
    [
      "a deployment state",
      "deployment_status.failure",
      (e, t) => ({ ...e, detail: { ...e.detail, deploymentState: t } }),
    ],
    ["a comment body", "issue_comment.created", (e, t) => ({ ...e, body: t })],
    ["a pull request comment body", "pull_request.commented", (e, t) => ({ ...e, body: t })],
    [
      "a file path",
      "pull_request_review_comment.created",
      (e, t) => ({ ...e, detail: { path: t } }),
    ],
    ["a discussion title", "discussion.created", (e, t) => ({ ...e, title: t })],
    ["a category", "discussion_comment.created", (e, t) => ({ ...e, detail: { category: t } })],
    [
      "an answer's author",
      "discussion.answered",
      (e, t) => ({ ...e, detail: { answerAuthor: t } }),
    ],
    [
      "commit messages",
      "push.default_branch",
      (e, t) => ({
        ...e,
        detail: {
          ...e.detail,
          commits: Array.from({ length: 5 }, () => ({ sha: "6113728", message: t, url: t })),
          commitCount: 6,
        },
      }),
    ],
    ["a pusher", "push.default_branch", (e, t) => ({ ...e, detail: { ...e.detail, pusher: t } })],
    [
      "a package name",
      "dependabot_alert.created",
      (e, t) => ({ ...e, detail: { ...e.detail, packageName: t, ecosystem: t } }),
    ],
    [
      "a manifest path",
      "dependabot_alert.created",
      (e, t) => ({ ...e, detail: { ...e.detail, manifestPath: t } }),
    ],
    ["an advisory summary", "dependabot_alert.created", (e, t) => ({ ...e, title: t })],
    [
      "a rule and tool",
      "code_scanning_alert.created",
      (e, t) => ({ ...e, detail: { ...e.detail, ruleId: t, toolName: t } }),
    ],
    [
      "a severity",
      "code_scanning_alert.created",
      (e, t) => ({ ...e, detail: { ...e.detail, severity: t as never } }),
    ],
    [
      "a secret type",
      "secret_scanning_alert.created",
      (e, t) => ({ ...e, title: t, detail: { secretType: t } }),
    ],
    ["a late label", "pull_request.opened", (e, t) => ({ ...e, detail: { lateLabel: t } })],
  ];

const SHOWN_TEXTS = [
  "<!channel> deploy is broken",
  "ping <@U123> and <@W456|boss>",
  "*bold* _italic_ ~strike~ `code`",
  "<https://evil.test|https://github.com/acme/api>",
  "first line\nsecond\r\nthird\u0000nul",
];

describe("format: hostile text in the new places", () => {
  const cases = NEW_PLACES.flatMap(([place, kind, put]) =>
    Object.entries(HOSTILE_TEXTS).map(([name, text]) => ({ place, kind, put, name, text })),
  );

  it.each(cases)("$name in $place ($kind)", ({ kind, put, text }) => {
    const message = format(put(exampleEvent(kind), text));
    expect(slackProblems(message, { wellFormedInput: !text.includes("\ud83d") })).toEqual([]);
    const json = JSON.stringify(message);
    for (const forbidden of ["<!", "<@", "<#", "<https://evil.test|"]) {
      expect(json).not.toContain(forbidden);
    }
    expect(json.length).toBeLessThan(20_000);
  });

  // A head SHA that is not hex is not shown at all: nothing else would be a SHA.
  it.each(
    NEW_PLACES.filter(([place]) => place !== "a head SHA").map(([place, kind, put]) => ({
      place,
      kind,
      put,
    })),
  )("$place is shown escaped on one line, not dropped", ({ kind, put }) => {
    const shown = SHOWN_TEXTS.map((text) => look(put(exampleEvent(kind), text)).join("\n"));
    for (const [index, rendered] of shown.entries()) {
      const text = SHOWN_TEXTS[index]!;
      if (text.startsWith("<!channel>")) expect(rendered).toContain("&lt;!channel&gt;");
      if (text.startsWith("ping")) expect(rendered).toContain("&lt;@U123&gt;");
      if (text.startsWith("first")) expect(rendered).not.toContain("\u0000");
    }
  });
});
