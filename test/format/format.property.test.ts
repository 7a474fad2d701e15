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
    },
    { requiredKeys: [] },
  ),
});

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
