import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { format, formatSummary } from "../../src/format/format.js";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";
import { ACTIVITY_KINDS } from "../../src/normalize/activity-event.js";
import { MalformedPayloadError, normalize } from "../../src/normalize/normalize.js";
import { mutatedExample } from "../normalize/mutate-payload.js";
import { hostileText } from "./hostile-text.js";
import { slackProblems } from "./slack-safety.js";

/** Safe by the checker's rules, and no mention, broadcast or channel link anywhere. */
function expectSafe(message: ReturnType<typeof format>): void {
  expect(slackProblems(message)).toEqual([]);
  expect(JSON.stringify(message)).not.toMatch(/<[!@#]/);
}

const url: fc.Arbitrary<string> = fc.oneof(
  fc.webUrl(),
  fc.tuple(fc.webUrl(), hostileText).map(([base, text]) => `${base}/${text}`),
  hostileText,
  fc.constantFrom("javascript:alert(1)", "https://evil.test/|<!channel>", "https://x.test/>"),
);

const text = fc.option(hostileText, { nil: null });

const activityEvent: fc.Arbitrary<ActivityEvent> = fc.record({
  kind: fc.constantFrom(...ACTIVITY_KINDS),
  repository: fc.record({
    fullName: hostileText,
    owner: hostileText,
    name: hostileText,
    url,
    private: fc.boolean(),
    defaultBranch: text,
    stars: fc.option(fc.oneof(fc.nat(), fc.double()), { nil: null }),
  }),
  actor: fc.record({ login: hostileText, url, isBot: fc.boolean() }),
  title: text,
  number: fc.option(fc.integer(), { nil: null }),
  url,
  labels: fc.array(hostileText, { maxLength: 14 }),
  draft: fc.boolean(),
  baseBranch: text,
  headBranch: text,
  body: text,
  detail: fc.record(
    {
      label: hostileText,
      assignee: hostileText,
      requestedReviewer: hostileText,
      forkFullName: hostileText,
      forkUrl: url,
      tagName: hostileText,
      prerelease: fc.boolean(),
      stateReason: fc.oneof(hostileText, fc.constant("not_planned")),
      requestedReviewerIsTeam: fc.boolean(),
      lateLabel: hostileText,
      workflowName: hostileText,
      workflowId: fc.integer(),
      runNumber: fc.integer(),
      conclusion: fc.oneof(hostileText, fc.constantFrom("failure", "timed_out", "startup_failure")),
      headSha: fc.oneof(hostileText, fc.stringMatching(/^[0-9a-f]{40}$/)),
      pullRequestNumbers: fc.array(fc.integer(), { maxLength: 3 }),
      appName: hostileText,
      environment: hostileText,
      deploymentState: fc.oneof(hostileText, fc.constant("error")),
      path: hostileText,
      category: hostileText,
      answerAuthor: hostileText,
      commits: fc.array(
        fc.record({
          sha: fc.oneof(hostileText, fc.stringMatching(/^[0-9a-f]{40}$/)),
          message: hostileText,
          url: fc.option(url, { nil: null }),
        }),
        { maxLength: 7 },
      ),
      commitCount: fc.integer(),
      forced: fc.boolean(),
      pusher: hostileText,
      severity: fc.constantFrom(
        "low" as const,
        "medium" as const,
        "high" as const,
        "critical" as const,
      ),
      packageName: hostileText,
      ecosystem: hostileText,
      manifestPath: hostileText,
      ruleId: hostileText,
      toolName: hostileText,
      secretType: hostileText,
    },
    { requiredKeys: [] },
  ),
  item: fc.option(
    fc.record({
      type: fc.constantFrom("issue" as const, "pull_request" as const),
      number: fc.nat(),
      title: hostileText,
      url,
      author: text,
      state: fc.constantFrom(
        "open" as const,
        "draft" as const,
        "merged" as const,
        "closed" as const,
      ),
      labels: fc.array(hostileText, { maxLength: 14 }),
      requestedReviewers: fc.array(hostileText, { maxLength: 5 }),
      requestedTeams: fc.array(hostileText, { maxLength: 5 }),
      assignees: fc.array(hostileText, { maxLength: 5 }),
    }),
    { nil: null },
  ),
});

/** What an operator's people file might answer, valid or not. */
const slackId = fc.oneof(
  fc.constantFrom("U0ABC", "W0XYZ", null),
  hostileText,
  fc.stringMatching(/^[UW][A-Z0-9]{1,12}$/),
);

describe("format never throws and stays safe", () => {
  it("on events normalised from mutated example payloads", () => {
    fc.assert(
      fc.property(mutatedExample(), ({ source, payload }) => {
        let event: ActivityEvent | null;
        try {
          event = normalize(source.event, payload);
        } catch (error) {
          if (error instanceof MalformedPayloadError) return;
          throw error;
        }
        if (event !== null) expectSafe(format(event));
      }),
      { numRuns: 400 },
    );
  });

  it("on arbitrary events full of hostile text", () => {
    fc.assert(
      fc.property(activityEvent, (event) => expectSafe(format(event))),
      { numRuns: 400 },
    );
  });

  it("with people mapped to any answer, mentions only valid user ids it was given", () => {
    fc.assert(
      fc.property(
        activityEvent,
        fc.dictionary(hostileText, slackId),
        slackId,
        (event, map, other) => {
          const given = new Set<string>();
          const slackIdOf = (login: string) => {
            const id = Object.hasOwn(map, login) ? (map[login] ?? null) : other;
            if (id !== null) given.add(id);
            return id;
          };
          const message = format(event, { slackIdOf });
          const valid = [...given].filter((id) => /^[UW][A-Z0-9]+$/.test(id));
          expect(slackProblems(message, { mentions: valid })).toEqual([]);
          const json = JSON.stringify(message);
          const rest = valid.reduce((left, id) => left.replaceAll(`<@${id}>`, ""), json);
          expect(rest).not.toMatch(/<[!@#]/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("on summaries of arbitrary events", () => {
    fc.assert(
      fc.property(fc.array(activityEvent, { maxLength: 120 }), hostileText, (events, channel) => {
        const message = formatSummary({ channel, events });
        expectSafe(message);
      }),
      { numRuns: 60 },
    );
  });
});
