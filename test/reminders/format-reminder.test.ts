// A reminder's Slack message: what it says for a realistic case, and that strangers' text stays
// text and the message stays within Slack's limits whatever the pull requests hold.
import type { KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import type { SlackMessage } from "../../src/format/slack-message.js";
import {
  formatChannelReminder,
  formatPersonalReminder,
  waitedFor,
} from "../../src/reminders/format-reminder.js";
import type { WaitingPull } from "../../src/reminders/types.js";
import { HOSTILE_TEXTS } from "../format/hostile-text.js";
import { slackProblems } from "../format/slack-safety.js";

const NOW = new Date("2024-01-15T09:30:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

/** Logins the operator mapped to Slack users. */
const PEOPLE: Record<string, string> = { alice: "U0ALICE", carol: "U0CAROL" };
const slackIdOf = (login: string) => PEOPLE[login.toLowerCase()] ?? null;

function waiting(changes: Partial<WaitingPull> = {}): WaitingPull {
  const repository = changes.repository ?? "acme/api";
  const number = changes.number ?? 1;
  return {
    repository,
    number,
    title: `Change ${number}`,
    url: `https://github.com/${repository}/pull/${number}`,
    author: "octocat",
    draft: false,
    labels: [],
    requestedUsers: ["alice"],
    requestedTeams: [],
    baseBranch: "main",
    defaultBranch: "main",
    createdAt: ago(3 * DAY),
    waitingSince: ago(3 * DAY),
    approvals: [],
    ...changes,
  };
}

/** Every text of a message, block by block, for snapshots. */
function look(message: SlackMessage): string {
  const texts = message.blocks.map((block: KnownBlock) => {
    if (block.type === "section") return block.text?.text ?? "";
    if (block.type === "context") {
      return block.elements.map((element) => ("text" in element ? element.text : "")).join(" | ");
    }
    return `(${block.type})`;
  });
  return [`text: ${message.text}`, ...texts].join("\n---\n");
}

describe("formatChannelReminder", () => {
  it("lists the pull requests by repository: link, author, age, whom they wait for, approvals", () => {
    const message = formatChannelReminder({
      groups: [
        {
          repository: "acme/api",
          pulls: [
            waiting({
              number: 12,
              title: "Retry webhook deliveries",
              waitingSince: ago(3 * DAY + 2 * HOUR),
              requestedUsers: ["alice", "bob"],
              requestedTeams: ["platform"],
              approvals: ["carol"],
            }),
            waiting({
              number: 15,
              title: "Fix flaky test",
              author: "dependabot[bot]",
              waitingSince: ago(26 * HOUR),
              requestedUsers: [],
              requestedTeams: ["acme-reviewers"],
            }),
          ],
        },
        {
          repository: "acme/web",
          pulls: [
            waiting({
              repository: "acme/web",
              number: 3,
              title: "New landing page",
              author: null,
              waitingSince: ago(5 * HOUR),
            }),
          ],
        },
      ],
      more: 2,
      now: NOW,
      slackIdOf,
      schedule: "weekdays at 09:30",
    });

    expect(slackProblems(message, { wellFormedInput: true, mentions: ["U0ALICE"] })).toEqual([]);
    expect(look(message)).toMatchInlineSnapshot(`
      "text: 5 pull requests waiting for review: acme/api #12, #15; acme/web #3 and 2 more
      ---
      :hourglass_flowing_sand: *5 pull requests waiting for review* in 2 repositories
      ---
      *<https://github.com/acme/api|acme/api>*
      • <https://github.com/acme/api/pull/12|#12 Retry webhook deliveries> by octocat · waiting 3 days · for <@U0ALICE>, bob, @platform · approved by carol
      • <https://github.com/acme/api/pull/15|#15 Fix flaky test> by dependabot[bot] · waiting 1 day · for @acme-reviewers

      *<https://github.com/acme/web|acme/web>*
      • <https://github.com/acme/web/pull/3|#3 New landing page> · waiting 5 hours · for <@U0ALICE>
      ---
      …and 2 more waiting | Reminder “weekdays at 09:30”"
    `);
  });

  it("says nothing is waiting when given nothing, in a message Slack accepts", () => {
    const message = formatChannelReminder({ groups: [], more: 0, now: NOW, slackIdOf });
    expect(slackProblems(message)).toEqual([]);
    expect(look(message)).toMatchInlineSnapshot(`
      "text: No pull requests are waiting for review.
      ---
      No pull requests are waiting for review."
    `);
  });

  it("says open pull requests, not waiting for review, for a reminder of every open one (waiting: any)", () => {
    const message = formatChannelReminder({
      groups: [
        {
          repository: "acme/api",
          pulls: [waiting({ number: 12, requestedUsers: [] }), waiting({ number: 15 })],
        },
        { repository: "acme/web", pulls: [waiting({ repository: "acme/web", number: 3 })] },
      ],
      more: 1,
      now: NOW,
      slackIdOf,
      waiting: "any",
    });
    expect(slackProblems(message, { mentions: ["U0ALICE"] })).toEqual([]);
    expect(look(message)).toMatchInlineSnapshot(`
      "text: 4 open pull requests: acme/api #12, #15; acme/web #3 and 1 more
      ---
      :hourglass_flowing_sand: *4 open pull requests* in 2 repositories
      ---
      *<https://github.com/acme/api|acme/api>*
      • <https://github.com/acme/api/pull/12|#12 Change 12> by octocat · waiting 3 days · no reviewer requested
      • <https://github.com/acme/api/pull/15|#15 Change 15> by octocat · waiting 3 days · for <@U0ALICE>

      *<https://github.com/acme/web|acme/web>*
      • <https://github.com/acme/web/pull/3|#3 Change 3> by octocat · waiting 3 days · for <@U0ALICE>
      ---
      …and 1 more open"
    `);
    const one = formatChannelReminder({
      groups: [{ repository: "acme/api", pulls: [waiting()] }],
      more: 0,
      now: NOW,
      slackIdOf,
      waiting: "any",
    });
    expect(one.text).toBe("1 open pull request: acme/api #1");
    expect(
      formatChannelReminder({ groups: [], more: 0, now: NOW, slackIdOf, waiting: "any" }).text,
    ).toBe("No pull requests are open.");
    // `review`, said or not, waits for review.
    expect(
      formatChannelReminder({
        groups: [{ repository: "acme/api", pulls: [waiting()] }],
        more: 0,
        now: NOW,
        slackIdOf,
        waiting: "review",
      }).text,
    ).toBe("1 pull request waiting for review: acme/api #1");
  });

  it("mentions only ids that look like Slack user ids, from the operator's mapping", () => {
    const message = formatChannelReminder({
      groups: [
        { repository: "acme/api", pulls: [waiting({ requestedUsers: ["alice", "mallory"] })] },
      ],
      more: 0,
      now: NOW,
      slackIdOf: (login) => (login === "mallory" ? "U1|x> <!channel" : slackIdOf(login)),
    });
    expect(slackProblems(message, { mentions: ["U0ALICE"] })).toEqual([]);
    expect(JSON.stringify(message)).toContain("for <@U0ALICE>, mallory");
  });

  it("packs many pull requests into few sections and keeps every one of them", () => {
    const pulls = Array.from({ length: 100 }, (_, index) =>
      waiting({ number: index + 1, title: `A reasonable title for change ${index + 1}` }),
    );
    const message = formatChannelReminder({
      groups: [{ repository: "acme/api", pulls }],
      more: 0,
      now: NOW,
      slackIdOf,
    });
    expect(slackProblems(message, { mentions: ["U0ALICE"] })).toEqual([]);
    expect(message.blocks.length).toBeLessThan(10);
    for (let number = 1; number <= 100; number++) {
      expect(JSON.stringify(message.blocks)).toContain(`|#${number} A reasonable title`);
    }
    expect(JSON.stringify(message.blocks)).not.toContain("more waiting");
  });

  it("cuts with a visible note when even packed lines pass Slack's 50 blocks", () => {
    const crowd = (prefix: string) =>
      Array.from({ length: 50 }, (_, index) => `${prefix}${index}-${"x".repeat(90)}`);
    const pulls = Array.from({ length: 100 }, (_, index) =>
      waiting({
        repository: `acme/repo-${index % 7}`,
        number: index + 1,
        title: HOSTILE_TEXTS["huge escapes"],
        author: "<&>".repeat(40),
        requestedUsers: crowd("user"),
        requestedTeams: crowd("team"),
        approvals: crowd("approver"),
      }),
    );
    const groups = Array.from({ length: 7 }, (_, index) => ({
      repository: `acme/repo-${index}`,
      pulls: pulls.filter((pull) => pull.repository === `acme/repo-${index}`),
    }));

    const message = formatChannelReminder({ groups, more: 7, now: NOW, slackIdOf });

    expect(slackProblems(message)).toEqual([]);
    expect(message.blocks).toHaveLength(50);
    const shown = (JSON.stringify(message.blocks).match(/\|#\d+ /g) ?? []).length;
    const note = look(message).split("\n---\n").at(-1) ?? "";
    const leftOut = 100 - shown;
    expect(leftOut).toBeGreaterThan(0);
    expect(note).toBe(
      `…and ${leftOut + 7} more waiting (${leftOut} left out to fit Slack's limits on a message's size)`,
    );
  });

  describe("hostile text stays text", () => {
    const places: [string, (text: string) => Parameters<typeof formatChannelReminder>[0]][] = [
      ["the title", (text) => input({ title: text })],
      ["the author", (text) => input({ author: text })],
      ["a requested user", (text) => input({ requestedUsers: [text, "alice"] })],
      ["a requested team", (text) => input({ requestedTeams: [text] })],
      ["an approver", (text) => input({ approvals: [text] })],
      ["the link", (text) => input({ url: text })],
      ["the repository", (text) => input({ repository: text })],
      ["the schedule", (text) => ({ ...input({}), schedule: text })],
    ];
    const cases = places.flatMap(([place, build]) =>
      Object.entries(HOSTILE_TEXTS).map(([name, text]) => ({ place, build, name, text })),
    );

    it.each(cases)("$name in $place", ({ build, text }) => {
      const message = formatChannelReminder(build(text));
      expect(
        slackProblems(message, {
          wellFormedInput: !text.includes("\ud83d"),
          mentions: ["U0ALICE"],
        }),
      ).toEqual([]);
      const json = JSON.stringify(message).replaceAll("<@U0ALICE>", "");
      for (const forbidden of ["<!", "<@", "<#", "<https://evil.test|"]) {
        expect(json).not.toContain(forbidden);
      }
      expect(json.length).toBeLessThan(20_000);
    });

    it.each([
      ["<!channel> deploy is broken", "&lt;!channel&gt; deploy is broken"],
      ["ping <@U123>", "ping &lt;@U123&gt;"],
      ["AT&T", "AT&amp;T"],
      ["first\nsecond", "first second"],
      ["*bold* _italic_", "*bold* _italic_"],
    ])("shows the title %j escaped on its line, not dropped", (title, shown) => {
      const message = formatChannelReminder(input({ title }));
      expect(look(message)).toContain(`|#1 ${shown}>`);
    });

    it("cuts a very long title with an ellipsis", () => {
      const message = formatChannelReminder(input({ title: "x".repeat(5000) }));
      expect(look(message)).toContain(`|#1 ${"x".repeat(146)}…>`);
    });

    function input(changes: Partial<WaitingPull>): Parameters<typeof formatChannelReminder>[0] {
      const pull = waiting(changes);
      return {
        groups: [{ repository: pull.repository, pulls: [pull] }],
        more: 0,
        now: NOW,
        slackIdOf,
        schedule: "weekdays at 09:30",
      };
    }
  });
});

describe("formatPersonalReminder", () => {
  it("lists what waits for the person's review, by repository, naming the others requested but not them", () => {
    const message = formatPersonalReminder({
      login: "alice",
      pulls: [
        waiting({
          number: 12,
          title: "Retry webhook deliveries",
          approvals: ["dave"],
          requestedUsers: ["alice", "carol"],
        }),
        waiting({
          repository: "acme/web",
          number: 3,
          title: "New landing page",
          waitingSince: ago(40 * 60_000),
        }),
        waiting({ number: 15, title: "Fix flaky test", waitingSince: ago(30_000) }),
      ],
      more: 1,
      now: NOW,
      slackIdOf,
    });

    expect(slackProblems(message, { wellFormedInput: true, mentions: ["U0CAROL"] })).toEqual([]);
    expect(look(message)).toMatchInlineSnapshot(`
      "text: 4 pull requests waiting for your review: acme/api #12, #15; acme/web #3 and 1 more
      ---
      :eyes: *4 pull requests waiting for your review*
      ---
      *<https://github.com/acme/api|acme/api>*
      • <https://github.com/acme/api/pull/12|#12 Retry webhook deliveries> by octocat · waiting 3 days · also waiting for <@U0CAROL> · approved by dave
      • <https://github.com/acme/api/pull/15|#15 Fix flaky test> by octocat · waiting less than a minute

      *<https://github.com/acme/web|acme/web>*
      • <https://github.com/acme/web/pull/3|#3 New landing page> by octocat · waiting 40 minutes
      ---
      …and 1 more waiting"
    `);
  });

  it.each(Object.entries(HOSTILE_TEXTS))("keeps %s as text", (_, text) => {
    const message = formatPersonalReminder({
      login: text,
      pulls: [waiting({ title: text, author: text, repository: text, approvals: [text] })],
      more: 0,
      now: NOW,
      slackIdOf,
    });
    expect(
      slackProblems(message, { wellFormedInput: !text.includes("\ud83d"), mentions: ["U0ALICE"] }),
    ).toEqual([]);
  });
});

describe("waitedFor", () => {
  it.each([
    [0, "less than a minute"],
    [59_000, "less than a minute"],
    [60_000, "1 minute"],
    [59 * 60_000, "59 minutes"],
    [HOUR, "1 hour"],
    [5 * HOUR + 59 * 60_000, "5 hours"],
    [DAY - 1, "23 hours"],
    [DAY, "1 day"],
    [3 * DAY + 23 * HOUR, "3 days"],
    [45 * DAY, "45 days"],
  ])("%i ms is %j", (ms, text) => {
    expect(waitedFor(ms)).toBe(text);
  });
});
