import { describe, expect, it } from "vitest";
import { ACTIVITY_KINDS } from "../../src/normalize/activity-event.js";
import { formatConfigError } from "../../src/repo-config/config-error.js";
import {
  locateKey,
  mergeConfigs,
  parseConfig,
  type ParseConfigParams,
} from "../../src/repo-config/parse-config.js";

const SOURCE = ".github/notifier.yml";
const CHANNELS = ["default", "eng", "triage"];

function parse(text: string, options: Partial<ParseConfigParams> = {}) {
  return parseConfig({ text, source: SOURCE, knownChannels: CHANNELS, ...options });
}

/** The errors as a reader sees them, or the config when there are none. */
function messages(text: string, options: Partial<ParseConfigParams> = {}): string[] {
  const result = parse(text, options);
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.config)}`);
  return result.errors.map(formatConfigError);
}

const FULL_EXAMPLE = `
channel: default          # where routes go unless they name a channel
ignore:                   # dropped before any route is tried
  authors: ["dependabot[bot]", "*[bot]"]
  labels: [no-notify]
routes:
  - on: [issues.opened, "pull_request.*"]
    channel: triage
    labels: [bug, "priority:*"]
    exclude_labels: [wontfix]
    authors: [octocat]
    exclude_authors: []
    branches: [main, "release/*"]
    drafts: false
    title: "^\\\\[urgent\\\\]"
    digest: daily at 09:00
    timezone: Europe/Paris
    quiet_hours: { from: "22:00", to: "07:00" }
    quiet_hours_action: drop
    thread: false
  - on: [star.created]
    digest: 15m
    broadcast: [pull_request_review.approved, pull_request.merged]
quiet_hours: { from: "20:00", to: "08:00", timezone: UTC }
quiet_hours_action: hold
thread: true
broadcast: []
`;

describe("parseConfig", () => {
  it("accepts the documented example, every key", () => {
    const result = parse(FULL_EXAMPLE);
    expect(result).toEqual({
      ok: true,
      config: {
        channel: "default",
        ignore: { authors: ["dependabot[bot]", "*[bot]"], labels: ["no-notify"] },
        routes: [
          {
            on: ["issues.opened", "pull_request.*"],
            channel: "triage",
            labels: ["bug", "priority:*"],
            exclude_labels: ["wontfix"],
            authors: ["octocat"],
            exclude_authors: [],
            branches: ["main", "release/*"],
            drafts: false,
            title: "^\\[urgent\\]",
            digest: "daily at 09:00",
            timezone: "Europe/Paris",
            quiet_hours: { from: "22:00", to: "07:00" },
            quiet_hours_action: "drop",
            thread: false,
          },
          {
            on: ["star.created"],
            digest: "15m",
            broadcast: ["pull_request_review.approved", "pull_request.merged"],
          },
        ],
        quiet_hours: { from: "20:00", to: "08:00", timezone: "UTC" },
        quiet_hours_action: "hold",
        thread: true,
        broadcast: [],
      },
    });
  });

  it("reads an empty file, or one with only comments, as no settings", () => {
    expect(parse("")).toEqual({ ok: true, config: {} });
    expect(parse("# routes come later\n")).toEqual({ ok: true, config: {} });
  });

  it("names the line and key of a channel the operator did not configure", () => {
    const text =
      "channel: eng\nroutes:\n  - on: [issues.opened]\n    channel: trage\n  - on: [star.created]\n    channel: marketing\n";
    expect(messages(text)).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 4: \`routes[0].channel\` names "trage", which is not a channel you may use (channels for this repository: default, eng, triage); did you mean "triage"?",
        "\`.github/notifier.yml\` line 6: \`routes[1].channel\` names "marketing", which is not a channel you may use (channels for this repository: default, eng, triage)",
      ]
    `);
  });

  it("refuses a channel reserved for other owners", () => {
    const text = "routes:\n  - on: [issues.opened]\n    channel: eng\n";
    expect(messages(text, { mayUse: (channel) => channel !== "eng" })).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 3: \`routes[0].channel\` names "eng", which is not a channel you may use (channels for this repository: default, triage)",
      ]
    `);
    expect(parse(text, { mayUse: () => true }).ok).toBe(true);
  });

  it("rejects unknown keys, with a suggestion", () => {
    const text =
      "chanel: eng\nroutes:\n  - on: [issues.opened]\n    exclude_label: [wontfix]\nignore:\n  users: [octocat]\n";
    expect(messages(text)).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 1: \`chanel\` is not a known key; did you mean \`channel\`? (known here: _extends, channel, ignore, routes, reminders, quiet_hours, quiet_hours_action, thread, broadcast)",
        "\`.github/notifier.yml\` line 4: \`routes[0].exclude_label\` is not a known key; did you mean \`exclude_labels\`? (known here: on, channel, labels, exclude_labels, authors, exclude_authors, branches, workflows, environments, severities, drafts, title, digest, timezone, quiet_hours, quiet_hours_action, thread, broadcast)",
        "\`.github/notifier.yml\` line 6: \`ignore.users\` is not a known key (known here: authors, labels)",
      ]
    `);
  });

  it("rejects wrong types", () => {
    const text =
      "routes:\n  - on: issues.opened\n    drafts: yes please\n    labels: bug\n  - channel: eng\nignore: [octocat]\n";
    expect(messages(text)).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 2: \`routes[0].on\` must be a list, like [a, b] (got "issues.opened")",
        "\`.github/notifier.yml\` line 3: \`routes[0].drafts\` must be true or false (got "yes please")",
        "\`.github/notifier.yml\` line 4: \`routes[0].labels\` must be a list, like [a, b] (got "bug")",
        "\`.github/notifier.yml\` line 5: \`routes[1].on\` is required",
        "\`.github/notifier.yml\` line 6: \`ignore\` must be a mapping of keys (got a list)",
      ]
    `);
  });

  it("rejects a file that is not a mapping", () => {
    expect(messages("- on: [issues.opened]\n")).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 1: the file must be a mapping of keys like \`channel:\` and \`routes:\`",
      ]
    `);
  });

  it("rejects bad regexes and event kinds no glob can reach", () => {
    const text =
      'routes:\n  - on: [issue.opened, "pull_request.*", "*.deleted"]\n    title: "[unclosed"\n  - on: []\n';
    // The list of kinds grows with the app: compared apart from the snapshot.
    const kinds = ACTIVITY_KINDS.join(", ");
    expect(messages(text).map((message) => message.replace(kinds, "<kinds>")))
      .toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 2: \`routes[0].on[0]\` names no event kind: "issue.opened"; did you mean "issues.opened"?",
        "\`.github/notifier.yml\` line 2: \`routes[0].on[2]\` names no event kind: "*.deleted"; kinds are <kinds>, and globs like "pull_request.*" select several",
        "\`.github/notifier.yml\` line 3: \`routes[0].title\` is not a valid RE2 regular expression (error parsing regexp: missing closing ]: \`[unclosed\`; got "[unclosed"); escape special characters like \\[ and \\(",
        "\`.github/notifier.yml\` line 4: \`routes[1].on\` must list at least one event kind, like [issues.opened]",
      ]
    `);
  });

  it("accepts workflows, environments, severities and $default-branch", () => {
    const text = [
      "routes:",
      '  - on: [workflow_run.failed, "deployment_status.*", "dependabot_alert.*"]',
      '    branches: [$default-branch, "release/*"]',
      '    workflows: [CI, "Deploy *"]',
      '    environments: [production, "staging-*"]',
      "    severities: [high, critical]",
    ].join("\n");
    expect(parse(text)).toEqual({
      ok: true,
      config: {
        routes: [
          {
            on: ["workflow_run.failed", "deployment_status.*", "dependabot_alert.*"],
            branches: ["$default-branch", "release/*"],
            workflows: ["CI", "Deploy *"],
            environments: ["production", "staging-*"],
            severities: ["high", "critical"],
          },
        ],
      },
    });
  });

  it("rejects bad workflows, environments and severities, and globs that only reach security alerts", () => {
    const text = [
      "routes:",
      "  - on: [workflow_run.failed]",
      "    workflows: CI",
      '    environments: [""]',
      "    severities: [hgih, urgent, 3]",
      '  - on: ["*_alert.*", push.tag]',
      "    severities: high",
    ].join("\n");
    expect(messages(text)).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 3: \`routes[0].workflows\` must be a list, like [a, b] (got "CI")",
        "\`.github/notifier.yml\` line 4: \`routes[0].environments[0]\` must not be empty",
        "\`.github/notifier.yml\` line 5: \`routes[0].severities[0]\` must be a severity: one of "low", "medium", "high", "critical" (got "hgih"); did you mean "high"?",
        "\`.github/notifier.yml\` line 5: \`routes[0].severities[1]\` must be a severity: one of "low", "medium", "high", "critical" (got "urgent")",
        "\`.github/notifier.yml\` line 5: \`routes[0].severities[2]\` must be a severity: one of "low", "medium", "high", "critical" (got 3)",
        "\`.github/notifier.yml\` line 6: \`routes[1].on[0]\` selects only security alert kinds (dependabot_alert.created, code_scanning_alert.created, secret_scanning_alert.created), which a glob takes only when it starts with the event's name: write "dependabot_alert.*", "code_scanning_alert.*", "secret_scanning_alert.*" (got "*_alert.*")",
        "\`.github/notifier.yml\` line 6: \`routes[1].on[1]\` names no event kind: "push.tag"; the push kinds are push.default_branch",
        "\`.github/notifier.yml\` line 7: \`routes[1].severities\` must be a list, like [a, b] (got "high")",
      ]
    `);
  });

  it("rejects a thread that is not true or false, and broadcast kinds that are not exact kind names", () => {
    const text = [
      "thread: yes please",
      "broadcast: [pull_request.merge, issues.closed]",
      "routes:",
      "  - on: [issues.opened]",
      "    thread: 1",
      '    broadcast: ["pull_request.*", reviews]',
      "  - on: [issues.opened]",
      "    broadcast: issues.closed",
      "  - on: [issues.opened]",
      "    broadcast: [3]",
    ].join("\n");
    const kinds = ACTIVITY_KINDS.join(", ");
    expect(messages(text).map((message) => message.replace(kinds, "<kinds>")))
      .toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 1: \`thread\` must be true or false (got "yes please")",
        "\`.github/notifier.yml\` line 2: \`broadcast[0]\` names no event kind: "pull_request.merge"; did you mean "pull_request.merged"?",
        "\`.github/notifier.yml\` line 5: \`routes[0].thread\` must be true or false (got 1)",
        "\`.github/notifier.yml\` line 6: \`routes[0].broadcast[0]\` is a glob ("pull_request.*"); broadcast takes exact kind names: list each, like ["pull_request.merged", "pull_request.closed"]",
        "\`.github/notifier.yml\` line 6: \`routes[0].broadcast[1]\` names no event kind: "reviews"; kinds are <kinds>",
        "\`.github/notifier.yml\` line 8: \`routes[1].broadcast\` must be a list, like [a, b] (got "issues.closed")",
        "\`.github/notifier.yml\` line 10: \`routes[2].broadcast[0]\` must be an event kind name, like "pull_request.merged" (got 3)",
      ]
    `);
  });

  it("rejects bad digests, times, time zones and quiet-hours actions", () => {
    const text = [
      "routes:",
      "  - on: [issues.opened]",
      "    digest: 30s",
      "    timezone: Mars/Olympus",
      "  - on: [issues.opened]",
      "    digest: daily at 25:00",
      "  - on: [issues.opened]",
      "    digest: 2d",
      "quiet_hours: { from: '7:00', to: '7:00' }",
      "quiet_hours_action: later",
      "_extends: not a repo!",
      "",
    ].join("\n");
    expect(messages(text)).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 3: \`routes[0].digest\` must be a duration from 1m to 1d, like "15m" or "2h", or "daily at HH:MM"; 30s is out of range",
        "\`.github/notifier.yml\` line 4: \`routes[0].timezone\` must be an IANA time zone, like "UTC", "Europe/Paris" or "America/New_York" (got "Mars/Olympus")",
        "\`.github/notifier.yml\` line 6: \`routes[1].digest\` must give a time of day after "daily at" as HH:MM on a 24-hour clock, like "daily at 09:00" (got "25:00")",
        "\`.github/notifier.yml\` line 8: \`routes[2].digest\` must be a duration from 1m to 1d, like "15m" or "2h", or "daily at HH:MM"; 2d is out of range",
        "\`.github/notifier.yml\` line 9: \`quiet_hours.from\` must be a time of day as HH:MM on a 24-hour clock, like "07:30" or "22:00" (got "7:00")",
        "\`.github/notifier.yml\` line 9: \`quiet_hours.to\` must be a time of day as HH:MM on a 24-hour clock, like "07:30" or "22:00" (got "7:00")",
        "\`.github/notifier.yml\` line 10: \`quiet_hours_action\` must be one of "hold", "drop" (got "later")",
        "\`.github/notifier.yml\` line 11: \`_extends\` must name a repository to inherit from: "other-repo", "owner/repo", or with a file "repo:path/notifier.yml" (got "not a repo!")",
      ]
    `);
  });

  it("accepts reminders: the documented example, and each schedule form", () => {
    const text = [
      "reminders:",
      "  - channel: eng                 # a channel the operator configured",
      '    at: "weekdays at 09:30"',
      "    timezone: Europe/Berlin",
      "    waiting: review",
      "    older_than: 1d",
      "    drafts: false",
      "    labels: [needs-review]",
      "    exclude_labels: [wip]",
      "    authors: [octocat]",
      '    exclude_authors: ["*[bot]"]',
      '    branches: [$default-branch, "release/*"]',
      "    max: 20",
      "  - at: daily at 17:00",
      "    waiting: any",
      '    older_than: "0"',
      "  - at: Mon, Wed,friday at 16:00",
      "  - at: weekends at 10:00",
      "    older_than: 365d",
      "",
    ].join("\n");
    expect(parse(text)).toEqual({
      ok: true,
      config: {
        reminders: [
          {
            channel: "eng",
            at: "weekdays at 09:30",
            timezone: "Europe/Berlin",
            waiting: "review",
            older_than: "1d",
            drafts: false,
            labels: ["needs-review"],
            exclude_labels: ["wip"],
            authors: ["octocat"],
            exclude_authors: ["*[bot]"],
            branches: ["$default-branch", "release/*"],
            max: 20,
          },
          { at: "daily at 17:00", waiting: "any", older_than: "0" },
          { at: "Mon, Wed,friday at 16:00" },
          { at: "weekends at 10:00", older_than: "365d" },
        ],
      },
    });
  });

  it("rejects bad reminders, each at its line", () => {
    const text = [
      "channel: eng",
      "reminders:",
      "  - at: weekday at 09:30",
      "    timezone: Europe/Berln",
      "    older_than: 1 day",
      "  - at: mon wed at 9:30",
      "    older_than: 400d",
      "    waiting: all",
      "    max: 0",
      "  - channel: triage",
      "    older_then: 2d",
      "  - at: daily at 9:30",
      "    drafts: maybe",
      "",
    ].join("\n");
    expect(messages(text)).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 3: \`reminders[0].at\` names "weekday", which is not a day; did you mean "weekdays"? (days are mon to sun (or monday to sunday), weekdays, weekends or daily, in a list like mon,wed,fri)",
        "\`.github/notifier.yml\` line 4: \`reminders[0].timezone\` must be an IANA time zone, like "UTC", "Europe/Paris" or "America/New_York" (got "Europe/Berln")",
        "\`.github/notifier.yml\` line 5: \`reminders[0].older_than\` must be a duration from 0 to 365d, like "4h", "1d" or "2d" ("0" lists every age) (got "1 day")",
        "\`.github/notifier.yml\` line 6: \`reminders[1].at\` must separate days with commas: did you mean "mon,wed"?",
        "\`.github/notifier.yml\` line 7: \`reminders[1].older_than\` must be a duration from 0 to 365d, like "4h", "1d" or "2d" ("0" lists every age); 400d is too long",
        "\`.github/notifier.yml\` line 8: \`reminders[1].waiting\` must be one of "review", "any" (got "all")",
        "\`.github/notifier.yml\` line 9: \`reminders[1].max\` must be at least 1",
        "\`.github/notifier.yml\` line 10: \`reminders[2].at\` is required",
        "\`.github/notifier.yml\` line 11: \`reminders[2].older_then\` is not a known key; did you mean \`older_than\`? (known here: channel, at, timezone, waiting, older_than, drafts, labels, exclude_labels, authors, exclude_authors, branches, max)",
        "\`.github/notifier.yml\` line 12: \`reminders[3].at\` must end in a time of day as HH:MM on a 24-hour clock, like "daily at 09:30" (got "9:30"); did you mean "daily at 09:30"?",
        "\`.github/notifier.yml\` line 13: \`reminders[3].drafts\` must be true or false (got "maybe")",
      ]
    `);
  });

  it("checks a reminder's channel like a route's, without naming other owners' channels", () => {
    const text = [
      "reminders:",
      "  - at: weekdays at 09:30",
      "    channel: eng",
      "  - at: daily at 17:00",
      "    channel: trage",
      "",
    ].join("\n");
    expect(messages(text, { mayUse: (channel) => channel !== "eng" })).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 3: \`reminders[0].channel\` names "eng", which is not a channel you may use (channels for this repository: default, triage)",
        "\`.github/notifier.yml\` line 5: \`reminders[1].channel\` names "trage", which is not a channel you may use (channels for this repository: default, triage); did you mean "triage"?",
      ]
    `);
    expect(parse(text.replace("trage", "triage"), { mayUse: () => true }).ok).toBe(true);
  });

  it("reports invalid YAML with its line", () => {
    expect(messages("channel: eng\nroutes:\n  - on: [issues.opened\n")).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 4: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
      ]
    `);
    expect(messages("channel: eng\nignore: {}\nchannel: triage\n")).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 3: invalid YAML: a key appears twice in the same mapping; keep one",
      ]
    `);
    expect(messages("channel: eng\n---\nchannel: triage\n")).toMatchInlineSnapshot(`
      [
        "\`.github/notifier.yml\` line 2: invalid YAML: the file holds more than one YAML document (a second \`---\`); keep one",
      ]
    `);
  });

  it("accepts YAML anchors and merge keys", () => {
    const text = [
      "routes:",
      "  - &bugs",
      "    on: [issues.opened]",
      "    labels: [bug]",
      "  - <<: *bugs",
      "    channel: triage",
      "",
    ].join("\n");
    expect(parse(text)).toEqual({
      ok: true,
      config: {
        routes: [
          { on: ["issues.opened"], labels: ["bug"] },
          { on: ["issues.opened"], labels: ["bug"], channel: "triage" },
        ],
      },
    });
  });
});

describe("locateKey", () => {
  it("finds the line a key path is written on", () => {
    const text =
      "channel: eng\nroutes:\n  - on: [issues.opened]\n  - on: [star.created]\n    channel: triage\n_extends: shared\n";
    expect(locateKey({ text, path: ["_extends"] })).toBe(6);
    expect(locateKey({ text, path: ["routes", 1, "channel"] })).toBe(5);
    expect(locateKey({ text, path: ["routes", 1] })).toBe(4);
    // A missing key points at the nearest written parent.
    expect(locateKey({ text, path: ["routes", 0, "labels"] })).toBe(3);
  });
});

describe("mergeConfigs", () => {
  it("lets the repository's keys win, merges mappings key by key and replaces lists", () => {
    const inherited = {
      channel: "eng",
      ignore: { authors: ["*[bot]"], labels: ["no-notify"] },
      routes: [{ on: ["issues.opened"] }, { on: ["star.created"] }],
      quiet_hours: { from: "22:00", to: "07:00", timezone: "Europe/Paris" },
    };
    const repository = {
      _extends: "shared",
      ignore: { labels: ["wip"] },
      routes: [{ on: ["pull_request.*"], channel: "triage" }],
      quiet_hours: { from: "20:00", to: "06:00" },
    };
    expect(mergeConfigs(inherited, repository)).toEqual({
      channel: "eng",
      ignore: { authors: ["*[bot]"], labels: ["wip"] },
      routes: [{ on: ["pull_request.*"], channel: "triage" }],
      quiet_hours: { from: "20:00", to: "06:00", timezone: "Europe/Paris" },
    });
  });

  it("keeps inherited lists the repository does not set, and an explicit empty list empties them", () => {
    const inherited = { routes: [{ on: ["issues.opened"] }], ignore: { authors: ["*[bot]"] } };
    expect(mergeConfigs(inherited, { channel: "triage" })).toEqual({
      ...inherited,
      channel: "triage",
    });
    expect(mergeConfigs(inherited, { routes: [], ignore: { authors: [] } })).toEqual({
      routes: [],
      ignore: { authors: [] },
    });
  });

  it("lets a repository's thread and broadcast win, an empty broadcast list included", () => {
    const inherited = { thread: false, broadcast: ["issues.closed" as const] };
    expect(mergeConfigs(inherited, { channel: "eng" })).toEqual({ ...inherited, channel: "eng" });
    expect(mergeConfigs(inherited, { thread: true, broadcast: [] })).toEqual({
      thread: true,
      broadcast: [],
    });
  });

  it("keeps an inherited reminders list, and a repository's own list replaces it whole", () => {
    const inherited = {
      reminders: [
        { at: "weekdays at 09:30", channel: "eng", older_than: "1d" },
        { at: "fri at 16:00", waiting: "any" as const },
      ],
    };
    expect(mergeConfigs(inherited, { channel: "triage" })).toEqual({
      ...inherited,
      channel: "triage",
    });
    const own = { reminders: [{ at: "daily at 08:00", channel: "triage" }] };
    expect(mergeConfigs(inherited, own)).toEqual(own);
    expect(mergeConfigs(inherited, { reminders: [] })).toEqual({ reminders: [] });
  });

  it("does not change its inputs", () => {
    const inherited = { ignore: { authors: ["*[bot]"] } };
    const repository = { ignore: { labels: ["wip"] } };
    mergeConfigs(inherited, repository);
    expect(inherited).toEqual({ ignore: { authors: ["*[bot]"] } });
    expect(repository).toEqual({ ignore: { labels: ["wip"] } });
  });
});
