import { describe, expect, it } from "vitest";
import type { NotifierConfig, RouteConfig } from "../../src/repo-config/config-schema.js";
import { DEFAULT_BROADCAST } from "../../src/repo-config/defaults.js";
import { explainRoutes, route, threadingOf, type ChannelTarget } from "../../src/route/route.js";
import { EVENTS, type ExampleEventName } from "./example-events.js";

type Expected = { send: string[]; routes?: number[] } | { skip: string };

interface Case {
  name: string;
  event: ExampleEventName;
  config: NotifierConfig;
  expected: Expected;
}

const BOTS: NotifierConfig = {
  ignore: { authors: ["dependabot[bot]", "*[bot]"], labels: ["no-notify"] },
};
const TRIAGE = (filters: Partial<RouteConfig> = {}): NotifierConfig => ({
  routes: [
    { on: ["issues.*", "pull_request.*", "pull_request_review.*"], channel: "triage", ...filters },
  ],
});

const CASES: Case[] = [
  // No file anywhere: the default routes.
  {
    name: "defaults: new issue",
    event: "issueOpened",
    config: {},
    expected: { send: ["default"], routes: [0] },
  },
  {
    name: "defaults: new pull request",
    event: "pullRequestOpened",
    config: {},
    expected: { send: ["default"] },
  },
  {
    name: "defaults: merged pull request",
    event: "pullRequestMerged",
    config: {},
    expected: { send: ["default"] },
  },
  { name: "defaults: star", event: "starCreated", config: {}, expected: { send: ["default"] } },
  {
    name: "defaults: closed issue",
    event: "issueClosed",
    config: {},
    expected: { skip: "no route matched issues.closed" },
  },
  {
    name: "defaults: closed, unmerged pull request",
    event: "pullRequestClosed",
    config: {},
    expected: { skip: "no route matched pull_request.closed" },
  },
  {
    name: "defaults: fork",
    event: "fork",
    config: {},
    expected: { skip: "no route matched fork" },
  },
  {
    name: "defaults: draft pull request",
    event: "pullRequestDraft",
    config: {},
    expected: { skip: "no route matched pull_request.opened" },
  },
  {
    name: "top-level channel takes the default routes",
    event: "issueOpened",
    config: { channel: "eng" },
    expected: { send: ["eng"] },
  },
  {
    name: "routes: [] sends nothing",
    event: "issueOpened",
    config: { routes: [] },
    expected: { skip: "no route matched issues.opened" },
  },

  // ignore, before any route.
  {
    name: "ignore.authors: exact login",
    event: "issueByDependabot",
    config: BOTS,
    expected: {
      skip: 'ignored: author "dependabot[bot]" matches ignore.authors "dependabot[bot]"',
    },
  },
  {
    name: "ignore.authors: glob, case-insensitive",
    event: "issueByRenovate",
    config: BOTS,
    expected: { skip: 'ignored: author "Renovate[bot]" matches ignore.authors "*[bot]"' },
  },
  // `[bot]` is literal: as a character class it would match any login ending in b, o or t.
  {
    name: "ignore.authors: [bot] is literal",
    event: "issueOpened",
    config: BOTS,
    expected: { send: ["default"] },
  },
  {
    name: "ignore.labels, case-insensitive",
    event: "issueNoNotify",
    config: BOTS,
    expected: { skip: 'ignored: label "No-Notify" matches ignore.labels "no-notify"' },
  },
  {
    name: "ignore wins over a matching route",
    event: "issueByDependabot",
    config: { ...TRIAGE(), ignore: { authors: ["*[bot]"] } },
    expected: { skip: 'ignored: author "dependabot[bot]" matches ignore.authors "*[bot]"' },
  },

  // on
  {
    name: "on glob: pull_request.*",
    event: "pullRequestMerged",
    config: { routes: [{ on: ["pull_request.*"] }] },
    expected: { send: ["default"] },
  },
  {
    name: "on glob: other family",
    event: "issueOpened",
    config: { routes: [{ on: ["pull_request.*"] }] },
    expected: { skip: "no route matched issues.opened" },
  },
  {
    name: "on glob: *.opened",
    event: "issueOpened",
    config: { routes: [{ on: ["*.opened"] }] },
    expected: { send: ["default"] },
  },
  {
    name: "on glob: reviews",
    event: "reviewCommented",
    config: { routes: [{ on: ["pull_request_review.*"], channel: "reviews" }] },
    expected: { send: ["reviews"] },
  },
  {
    name: "on: releases",
    event: "releasePublished",
    config: { routes: [{ on: ["release.published"] }] },
    expected: { send: ["default"] },
  },

  // labels / exclude_labels
  {
    name: "labels: has bug",
    event: "issueOpened",
    config: TRIAGE({ labels: ["bug", "priority:*"] }),
    expected: { send: ["triage"] },
  },
  {
    name: "labels: glob priority:*",
    event: "issueHighPriority",
    config: TRIAGE({ labels: ["bug", "priority:*"] }),
    expected: { send: ["triage"] },
  },
  {
    name: "labels: none of them",
    event: "issueUnlabelled",
    config: TRIAGE({ labels: ["bug", "priority:*"] }),
    expected: { skip: "no route matched issues.opened" },
  },
  {
    name: "labels: [] is no filter",
    event: "issueUnlabelled",
    config: TRIAGE({ labels: [] }),
    expected: { send: ["triage"] },
  },
  {
    name: "exclude_labels: wontfix",
    event: "issueWontfix",
    config: TRIAGE({ exclude_labels: ["wontfix"] }),
    expected: { skip: "no route matched issues.opened" },
  },
  {
    name: "exclude_labels: absent label",
    event: "issueOpened",
    config: TRIAGE({ exclude_labels: ["wontfix"] }),
    expected: { send: ["triage"] },
  },

  // authors / exclude_authors
  {
    name: "authors: someone else",
    event: "issueOpened",
    config: TRIAGE({ authors: ["octocat"] }),
    expected: { skip: "no route matched issues.opened" },
  },
  {
    name: "authors: case-insensitive",
    event: "issueOpened",
    config: TRIAGE({ authors: ["codertocat"] }),
    expected: { send: ["triage"] },
  },
  {
    name: "exclude_authors",
    event: "pullRequestOpened",
    config: TRIAGE({ exclude_authors: ["Coder*"] }),
    expected: { skip: "no route matched pull_request.opened" },
  },
  {
    name: "exclude_authors: [] is no filter",
    event: "pullRequestOpened",
    config: TRIAGE({ exclude_authors: [] }),
    expected: { send: ["triage"] },
  },

  // branches (base branch of pull requests)
  {
    name: "branches: master is not listed",
    event: "pullRequestOpened",
    config: TRIAGE({ branches: ["main", "release/*"] }),
    expected: { skip: "no route matched pull_request.opened" },
  },
  {
    name: "branches: release/*",
    event: "pullRequestIntoRelease",
    config: TRIAGE({ branches: ["main", "release/*"] }),
    expected: { send: ["triage"] },
  },
  {
    name: "branches: * stays in one segment",
    event: "pullRequestIntoFeature",
    config: TRIAGE({ branches: ["feature/*"] }),
    expected: { skip: "no route matched pull_request.opened" },
  },
  {
    name: "branches: ** crosses segments",
    event: "pullRequestIntoFeature",
    config: TRIAGE({ branches: ["feature/**"] }),
    expected: { send: ["triage"] },
  },
  {
    name: "branches: reviews use their pull request's base",
    event: "reviewCommented",
    config: TRIAGE({ branches: ["master"] }),
    expected: { send: ["triage"] },
  },
  {
    name: "branches: issues have none, filter ignored",
    event: "issueOpened",
    config: TRIAGE({ branches: ["main"] }),
    expected: { send: ["triage"] },
  },

  // drafts
  {
    name: "drafts: excluded by default",
    event: "pullRequestDraft",
    config: TRIAGE(),
    expected: { skip: "no route matched pull_request.opened" },
  },
  {
    name: "drafts: true includes them",
    event: "pullRequestDraft",
    config: TRIAGE({ drafts: true }),
    expected: { send: ["triage"] },
  },
  {
    name: "drafts: false is explicit exclusion",
    event: "pullRequestDraft",
    config: TRIAGE({ drafts: false }),
    expected: { skip: "no route matched pull_request.opened" },
  },

  // title
  {
    name: "title: matches",
    event: "issueUrgent",
    config: TRIAGE({ title: "^\\[urgent\\]" }),
    expected: { send: ["triage"] },
  },
  {
    name: "title: does not match",
    event: "issueOpened",
    config: TRIAGE({ title: "^\\[urgent\\]" }),
    expected: { skip: "no route matched issues.opened" },
  },
  {
    name: "title: events without a title never match",
    event: "starCreated",
    config: { routes: [{ on: ["star.created"], title: "." }] },
    expected: { skip: "no route matched star.created" },
  },

  // several routes
  {
    name: "every matching route sends, one entry per channel",
    event: "issueOpened",
    config: {
      channel: "eng",
      routes: [
        { on: ["issues.*"], channel: "triage" },
        { on: ["issues.opened"], labels: ["bug"], channel: "triage" },
        { on: ["pull_request.*"], channel: "reviews" },
        { on: ["*"] },
      ],
    },
    expected: { send: ["triage", "eng"], routes: [0, 1, 3] },
  },
];

describe("route", () => {
  it.each(CASES)("$name", ({ event, config, expected }) => {
    const decision = route(EVENTS[event](), config);
    if ("skip" in expected) {
      expect(decision).toEqual({ kind: "skip", reason: expected.skip });
    } else {
      expect(decision.kind).toBe("send");
      if (decision.kind !== "send") return;
      expect(decision.channels).toEqual(expected.send);
      expect(decision.targets.map((target) => target.channel)).toEqual(expected.send);
      if (expected.routes) expect(decision.routes).toEqual(expected.routes);
    }
  });

  it("passes digest and quiet-hours settings through, preferring a route that sends at once", () => {
    const decision = route(EVENTS.issueOpened(), {
      quiet_hours: { from: "22:00", to: "07:00" },
      routes: [
        { on: ["issues.*"], digest: "daily at 09:00", timezone: "Europe/Paris" },
        { on: ["issues.opened"], quiet_hours_action: "drop", timezone: "America/New_York" },
        {
          on: ["issues.opened"],
          channel: "digest",
          digest: "15m",
          quiet_hours: { from: "20:00", to: "08:00" },
        },
      ],
    });
    expect(decision).toMatchInlineSnapshot(`
      {
        "channels": [
          "default",
          "digest",
        ],
        "kind": "send",
        "routes": [
          0,
          1,
          2,
        ],
        "targets": [
          {
            "broadcast": [
              "pull_request.merged",
              "pull_request.closed",
              "issues.closed",
            ],
            "channel": "default",
            "digest": null,
            "quietHours": {
              "from": "22:00",
              "timezone": "America/New_York",
              "to": "07:00",
            },
            "quietHoursAction": "drop",
            "routes": [
              0,
              1,
            ],
            "thread": true,
            "timezone": "America/New_York",
          },
          {
            "broadcast": [
              "pull_request.merged",
              "pull_request.closed",
              "issues.closed",
            ],
            "channel": "digest",
            "digest": "15m",
            "quietHours": {
              "from": "20:00",
              "timezone": "UTC",
              "to": "08:00",
            },
            "quietHoursAction": "hold",
            "routes": [
              2,
            ],
            "thread": true,
            "timezone": "UTC",
          },
        ],
      }
    `);
  });

  it("explains why each route did or did not match, for previews", () => {
    const config: NotifierConfig = {
      routes: [
        { on: ["pull_request.*"] },
        { on: ["issues.*"], labels: ["priority:*"] },
        { on: ["issues.*"], exclude_labels: ["b?g"] },
        { on: ["issues.*"], authors: ["octocat"] },
        { on: ["issues.*"], exclude_authors: ["codertocat"] },
        { on: ["issues.*"], title: "^\\[urgent\\]" },
        { on: ["issues.*"], channel: "triage" },
      ],
    };
    const reasons = explainRoutes(EVENTS.issueOpened(), config).map(
      ({ index, channel, match }) =>
        `${index} ${channel}: ${match.matched ? "matched" : match.reason}`,
    );
    expect(reasons).toMatchInlineSnapshot(`
      [
        "0 default: issues.opened is not in on [pull_request.*]",
        "1 default: has labels "bug", none in labels [priority:*]",
        "2 default: label "bug" matches exclude_labels "b?g"",
        "3 default: author "Codertocat" matches none of authors [octocat]",
        "4 default: author "Codertocat" matches exclude_authors "codertocat"",
        "5 default: title does not match /^\\[urgent\\]/",
        "6 triage: matched",
      ]
    `);
    const draft = explainRoutes(EVENTS.pullRequestDraft(), {
      routes: [{ on: ["pull_request.*"], branches: ["main"] }],
    });
    expect(draft[0]?.match).toEqual({
      matched: false,
      reason: "is a draft pull request (set drafts: true to include drafts)",
    });
    const branch = explainRoutes(EVENTS.pullRequestOpened(), {
      routes: [{ on: ["pull_request.*"], branches: ["main"] }],
    });
    expect(branch[0]?.match).toEqual({
      matched: false,
      reason: 'base branch "master" matches none of branches [main]',
    });
  });

  it("is pure: the same event and config give the same decision, and neither is changed", () => {
    const event = EVENTS.issueOpened();
    const config: NotifierConfig = { routes: [{ on: ["issues.*"], labels: ["bug"] }] };
    const before = structuredClone({ event, config });
    expect(route(event, config)).toEqual(route(event, config));
    expect({ event, config }).toEqual(before);
  });
});

describe("thread and broadcast", () => {
  /** Each channel's threading, as `channel: thread [broadcast kinds]`. */
  function threading(event: ExampleEventName, config: NotifierConfig): string[] {
    const decision = route(EVENTS[event](), config);
    if (decision.kind !== "send") throw new Error(`expected a send, got ${decision.reason}`);
    return decision.targets.map(
      (target: ChannelTarget) =>
        `${target.channel}: ${target.thread ? "thread" : "top-level"} [${target.broadcast.join(", ")}]`,
    );
  }
  const DEFAULT = "pull_request.merged, pull_request.closed, issues.closed";

  it("defaults to threading and broadcasting the ends of an item's life", () => {
    expect(DEFAULT_BROADCAST).toEqual([
      "pull_request.merged",
      "pull_request.closed",
      "issues.closed",
    ]);
    expect(threading("issueOpened", {})).toEqual([`default: thread [${DEFAULT}]`]);
    expect(
      threading("pullRequestMerged", { routes: [{ on: ["pull_request.*"], channel: "eng" }] }),
    ).toEqual([`eng: thread [${DEFAULT}]`]);
  });

  it("takes the top-level values for every route that sets none", () => {
    const config: NotifierConfig = {
      thread: false,
      broadcast: ["pull_request_review.approved"],
      routes: [{ on: ["issues.*"] }, { on: ["issues.opened"], channel: "eng" }],
    };
    expect(threading("issueOpened", config)).toEqual([
      "default: top-level [pull_request_review.approved]",
      "eng: top-level [pull_request_review.approved]",
    ]);
  });

  it("lets a route override the top level for its channel, each key on its own", () => {
    const config: NotifierConfig = {
      thread: false,
      broadcast: ["issues.closed"],
      routes: [
        { on: ["issues.*"], thread: true },
        { on: ["issues.*"], channel: "eng", broadcast: ["issues.labeled", "issues.opened"] },
        { on: ["issues.*"], channel: "triage" },
      ],
    };
    expect(threading("issueOpened", config)).toEqual([
      "default: thread [issues.closed]",
      "eng: top-level [issues.labeled, issues.opened]",
      "triage: top-level [issues.closed]",
    ]);
  });

  it("takes a channel's settings from the route that wins it, as the digest does", () => {
    const routes: NotifierConfig["routes"] = [
      { on: ["issues.*"], digest: "15m", thread: false, broadcast: [] },
      { on: ["issues.opened"], broadcast: ["issues.opened"] },
      { on: ["issues.*"], thread: false },
    ];
    // Route 1 sends at once, so it wins the channel over the digest route 0 and route 2.
    expect(threading("issueOpened", { routes })).toEqual(["default: thread [issues.opened]"]);
    // issues.closed reaches routes 0 and 2: route 2 sends at once and wins.
    expect(threading("issueClosed", { routes })).toEqual([`default: top-level [${DEFAULT}]`]);
    // Only digest routes match: the first one wins.
    expect(
      threading("issueClosed", {
        routes: [
          { on: ["issues.*"], digest: "15m", thread: false },
          { on: ["issues.*"], digest: "1h", broadcast: [] },
        ],
      }),
    ).toEqual([`default: top-level [${DEFAULT}]`]);
  });

  it("replaces the default broadcast list whole with a given list", () => {
    expect(
      threading("reviewCommented", {
        broadcast: ["pull_request_review.approved", "pull_request_review.changes_requested"],
        routes: [{ on: ["pull_request_review.*"] }],
      }),
    ).toEqual([
      "default: thread [pull_request_review.approved, pull_request_review.changes_requested]",
    ]);
  });

  it("broadcasts nothing with an empty list, at the top level or on a route", () => {
    expect(threading("pullRequestMerged", { broadcast: [] })).toEqual(["default: thread []"]);
    expect(
      threading("pullRequestMerged", {
        broadcast: ["pull_request.merged"],
        routes: [{ on: ["pull_request.merged"], broadcast: [] }],
      }),
    ).toEqual(["default: thread []"]);
  });

  it("resolves one route alone for a summary, each kind once", () => {
    expect(threadingOf({ route: undefined, config: {} })).toEqual({
      thread: true,
      broadcast: [...DEFAULT_BROADCAST],
    });
    expect(
      threadingOf({
        route: { on: ["issues.*"], broadcast: ["issues.closed", "issues.closed"] },
        config: { thread: false },
      }),
    ).toEqual({ thread: false, broadcast: ["issues.closed"] });
  });
});
