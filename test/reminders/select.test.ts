// Which pull requests a reminder lists: tables of pull requests, review states and reminder
// filters, and a check that the filters shared with routes mean what they mean in routes.
import { describe, expect, it } from "vitest";
import type { ReminderConfig, RouteConfig } from "../../src/repo-config/config-schema.js";
import {
  applyMax,
  byWaitingSince,
  matchReminder,
  selectForReviewer,
  selectWaiting,
} from "../../src/reminders/select.js";
import type { OpenPull, ReviewState, WaitingPull } from "../../src/reminders/types.js";
import { matchRoute } from "../../src/route/route.js";
import { exampleEvent } from "../format/example-events.js";

const NOW = new Date("2024-01-15T09:30:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const AT = "weekdays at 09:30";

/** An open pull request waiting two days for alice, on the default branch. */
function pull(changes: Partial<OpenPull> = {}): OpenPull {
  const number = changes.number ?? 1;
  return {
    repository: "acme/api",
    number,
    title: `Change ${number}`,
    url: `https://github.com/acme/api/pull/${number}`,
    author: "octocat",
    draft: false,
    labels: [],
    requestedUsers: ["alice"],
    requestedTeams: [],
    baseBranch: "main",
    defaultBranch: "main",
    createdAt: ago(2 * DAY),
    ...changes,
  };
}

function state(changes: Partial<ReviewState> = {}): ReviewState {
  return {
    installationId: 1,
    repository: "acme/api",
    number: 1,
    open: true,
    draft: false,
    requestedUsers: ["alice"],
    requestedTeams: [],
    lastRequestedAt: null,
    approvals: [],
    // Seen since it was opened: its approvals are all there are.
    approvalsComplete: true,
    updatedAt: NOW,
    ...changes,
  };
}

const numbers = (pulls: readonly { number: number }[]) => pulls.map((p) => p.number);

describe("selectWaiting: which pull requests a reminder lists", () => {
  const cases: {
    name: string;
    reminder: Omit<ReminderConfig, "at">;
    pull: Partial<OpenPull>;
    state?: Partial<ReviewState>;
    listed: boolean;
  }[] = [
    { name: "waiting for a requested user", reminder: {}, pull: {}, listed: true },
    {
      name: "waiting for a requested team only",
      reminder: {},
      pull: { requestedUsers: [], requestedTeams: ["platform"] },
      listed: true,
    },
    {
      name: "nobody requested (or every reviewer answered): not waiting for review",
      reminder: {},
      pull: { requestedUsers: [], requestedTeams: [] },
      listed: false,
    },
    {
      name: "nobody requested, waiting: any",
      reminder: { waiting: "any" },
      pull: { requestedUsers: [] },
      listed: true,
    },
    { name: "a draft", reminder: {}, pull: { draft: true }, listed: false },
    {
      name: "a draft, drafts: true",
      reminder: { drafts: true },
      pull: { draft: true },
      listed: true,
    },
    {
      name: "opened 23 hours ago, default older_than 1d",
      reminder: {},
      pull: { createdAt: ago(23 * HOUR) },
      listed: false,
    },
    {
      name: "opened exactly a day ago",
      reminder: {},
      pull: { createdAt: ago(DAY) },
      listed: true,
    },
    {
      name: "opened a minute ago, older_than 0 lists all",
      reminder: { older_than: "0" },
      pull: { createdAt: ago(60_000) },
      listed: true,
    },
    {
      name: "opened 5 hours ago, older_than 4h",
      reminder: { older_than: "4h" },
      pull: { createdAt: ago(5 * HOUR) },
      listed: true,
    },
    {
      name: "opened days ago but re-requested 2 hours ago: the wait restarted",
      reminder: {},
      pull: {},
      state: { lastRequestedAt: ago(2 * HOUR) },
      listed: false,
    },
    {
      name: "a request the app saw before it was opened does not shorten the wait",
      reminder: {},
      pull: {},
      state: { lastRequestedAt: ago(10 * DAY) },
      listed: true,
    },
    {
      name: "the state of another repository's pull request #1 is not used",
      reminder: {},
      pull: {},
      state: { repository: "acme/web", lastRequestedAt: ago(2 * HOUR) },
      listed: true,
    },
    {
      name: "labels: a glob matches case-insensitively",
      reminder: { labels: ["needs-*"] },
      pull: { labels: ["Needs-Review"] },
      listed: true,
    },
    {
      name: "labels: none of them",
      reminder: { labels: ["needs-*"] },
      pull: { labels: ["bug"] },
      listed: false,
    },
    {
      name: "exclude_labels",
      reminder: { exclude_labels: ["wip"] },
      pull: { labels: ["bug", "WIP"] },
      listed: false,
    },
    {
      name: "authors: a bot glob",
      reminder: { authors: ["*[bot]"] },
      pull: { author: "Dependabot[bot]" },
      listed: true,
    },
    {
      name: "authors: a deleted author matches none",
      reminder: { authors: ["*"] },
      pull: { author: null },
      listed: false,
    },
    {
      name: "exclude_authors",
      reminder: { exclude_authors: ["dependabot[bot]"] },
      pull: { author: "Dependabot[bot]" },
      listed: false,
    },
    {
      name: "exclude_authors: a deleted author is not excluded",
      reminder: { exclude_authors: ["*"] },
      pull: { author: null },
      listed: true,
    },
    {
      name: "branches: $default-branch",
      reminder: { branches: ["$default-branch"] },
      pull: {},
      listed: true,
    },
    {
      name: "branches: $default-branch, into another branch",
      reminder: { branches: ["$default-branch"] },
      pull: { baseBranch: "dev" },
      listed: false,
    },
    {
      name: "branches: $default-branch when GitHub named no default branch",
      reminder: { branches: ["$default-branch"] },
      pull: { defaultBranch: null },
      listed: false,
    },
    {
      name: "branches: * stays within a segment",
      reminder: { branches: ["release/*"] },
      pull: { baseBranch: "release/1/2" },
      listed: false,
    },
    {
      name: "branches: a glob",
      reminder: { branches: ["release/*"] },
      pull: { baseBranch: "release/1.2" },
      listed: true,
    },
  ];

  it.each(cases)(
    "$name: listed $listed",
    ({ reminder, pull: changes, state: stateChanges, listed }) => {
      const states = new Map(stateChanges === undefined ? [] : [[1, state(stateChanges)]]);
      const selected = selectWaiting({
        pulls: [pull(changes)],
        states,
        reminder: { at: AT, ...reminder },
        now: NOW,
      });
      expect(numbers(selected)).toEqual(listed ? [1] : []);
    },
  );

  it("lists oldest waiting first, ties by repository and number, with the state's approvals", () => {
    const pulls = [
      pull({ number: 3, createdAt: ago(3 * DAY) }),
      pull({ number: 2, createdAt: ago(5 * DAY) }),
      pull({ number: 1, createdAt: ago(5 * DAY) }),
      pull({ number: 4, createdAt: ago(9 * DAY) }),
    ];
    const states = new Map([
      [3, state({ number: 3, approvals: ["bob"] })],
      // Re-requested after it was opened: waits since then.
      [4, state({ number: 4, lastRequestedAt: ago(4 * DAY) })],
    ]);

    const selected = selectWaiting({ pulls, states, reminder: { at: AT }, now: NOW });

    expect(
      selected.map((p) => ({
        number: p.number,
        waitingSince: p.waitingSince,
        approvals: p.approvals,
        approvalsKnown: p.approvalsKnown,
      })),
    ).toEqual([
      { number: 1, waitingSince: ago(5 * DAY), approvals: [], approvalsKnown: false },
      { number: 2, waitingSince: ago(5 * DAY), approvals: [], approvalsKnown: false },
      { number: 4, waitingSince: ago(4 * DAY), approvals: [], approvalsKnown: true },
      { number: 3, waitingSince: ago(3 * DAY), approvals: ["bob"], approvalsKnown: true },
    ]);
  });

  it("knows the approvals only of a pull request the app saw opened: one it first saw later may have earlier ones", () => {
    const pulls = [pull({ number: 1 }), pull({ number: 2 }), pull({ number: 3 })];
    const states = new Map([
      [1, state({ number: 1, approvals: ["bob"] })],
      // Opened before the app was installed: bob's approval is what it saw, perhaps not all.
      [2, state({ number: 2, approvals: ["bob"], approvalsComplete: false })],
    ]);
    const read = (selected: { number: number; approvals: string[]; approvalsKnown: boolean }[]) =>
      selected.map((p) => [p.number, p.approvals, p.approvalsKnown]);
    const expected = [
      [1, ["bob"], true],
      [2, ["bob"], false],
      [3, [], false],
    ];

    expect(read(selectWaiting({ pulls, states, reminder: { at: AT }, now: NOW }))).toEqual(
      expected,
    );
    expect(read(selectForReviewer({ pulls, login: "alice", states, now: NOW }))).toEqual(expected);
  });

  it("says why a pull request is left out, naming the filter", () => {
    const reasons = [
      matchReminder({
        pull: pull({ draft: true }),
        state: undefined,
        reminder: { at: AT },
        now: NOW,
      }),
      matchReminder({
        pull: pull({ baseBranch: "dev" }),
        state: undefined,
        reminder: { at: AT, branches: ["$default-branch"] },
        now: NOW,
      }),
      matchReminder({
        pull: pull({ createdAt: ago(HOUR) }),
        state: undefined,
        reminder: { at: AT, older_than: "2h" },
        now: NOW,
      }),
    ];
    expect(reasons).toEqual([
      { matched: false, reason: "is a draft (set drafts: true to include drafts)" },
      {
        matched: false,
        reason:
          'base branch "dev" is not the default branch "main" and matches none of branches [$default-branch]',
      },
      {
        matched: false,
        reason: "has waited since 2024-01-15T08:30:00.000Z, less than older_than 2h",
      },
    ]);
  });

  it("refuses an older_than that is not a duration rather than listing everything", () => {
    expect(() =>
      selectWaiting({
        pulls: [pull()],
        states: new Map(),
        reminder: { at: AT, older_than: "a day" },
        now: NOW,
      }),
    ).toThrow('reminder older_than: "a day" is not a duration');
  });
});

describe("the filters shared with routes mean the same", () => {
  const filters: Pick<
    RouteConfig,
    "labels" | "exclude_labels" | "authors" | "exclude_authors" | "branches" | "drafts"
  >[] = [
    {},
    { labels: ["needs-*"] },
    { labels: ["BUG", "docs"] },
    { exclude_labels: ["wip*"] },
    { authors: ["*[bot]"] },
    { authors: ["octo?at"] },
    { exclude_authors: ["OCTOCAT"] },
    { branches: ["$default-branch"] },
    { branches: ["release/**", "main"] },
    { branches: ["$default-branch", "dev"] },
    { drafts: true },
  ];
  const variants: Partial<OpenPull>[] = [
    {},
    { labels: ["needs-review"] },
    { labels: ["bug", "WIP-later"] },
    { author: "dependabot[bot]" },
    { author: "octocat", draft: true },
    { baseBranch: "release/1.2/hotfix" },
    { baseBranch: "dev", defaultBranch: "dev" },
    { baseBranch: "dev", defaultBranch: null },
  ];
  const cases = filters.flatMap((filter) => variants.map((variant) => ({ filter, variant })));

  it("agree with matchRoute on a pull_request.opened event, over every filter and pull request", () => {
    const example = exampleEvent("pull_request.opened");
    const verdicts = cases.map(({ filter, variant }) => {
      const open = pull(variant);
      const event = {
        ...example,
        actor: { ...example.actor, login: open.author ?? "ghost" },
        labels: open.labels,
        draft: open.draft,
        baseBranch: open.baseBranch,
        repository: { ...example.repository, defaultBranch: open.defaultBranch },
      };
      const routed = matchRoute({ event, route: { on: ["pull_request.*"], ...filter } }).matched;
      const reminded = matchReminder({
        pull: open,
        state: undefined,
        reminder: { at: AT, waiting: "any", older_than: "0", ...filter },
        now: NOW,
      }).matched;
      return { filter, variant, routed, reminded };
    });
    expect(verdicts.filter((verdict) => verdict.routed !== verdict.reminded)).toEqual([]);
    // Both outcomes occur, so agreement is not two filters that accept everything.
    expect(new Set(verdicts.map((verdict) => verdict.routed))).toEqual(new Set([true, false]));
  });
});

describe("selectForReviewer: a person's own reminder", () => {
  it("lists open, non-draft pull requests requesting their review by login, of any age, oldest first", () => {
    const pulls = [
      pull({ number: 1, requestedUsers: ["Octocat"], createdAt: ago(60_000) }),
      pull({ number: 2, requestedUsers: ["alice", "octocat"], createdAt: ago(3 * DAY) }),
      pull({ number: 3, requestedUsers: ["octocat"], draft: true }),
      pull({ number: 4, requestedUsers: [], requestedTeams: ["octocat"] }),
      pull({ number: 5, requestedUsers: ["octocat-2"] }),
    ];
    const states = new Map([[2, state({ number: 2, approvals: ["alice"] })]]);

    const selected = selectForReviewer({ pulls, login: "OCTOCAT", states, now: NOW });

    expect(selected.map((p) => [p.number, p.approvals, p.approvalsKnown])).toEqual([
      [2, ["alice"], true],
      [1, [], false],
    ]);
  });
});

describe("applyMax and byWaitingSince", () => {
  const waiting = (number: number, repository: string, since: Date): WaitingPull => ({
    ...pull({ number, repository }),
    waitingSince: since,
    approvals: [],
  });

  it.each([
    { count: 25, max: undefined, listed: 20, more: 5 },
    { count: 3, max: 2, listed: 2, more: 1 },
    { count: 2, max: 5, listed: 2, more: 0 },
    { count: 0, max: undefined, listed: 0, more: 0 },
  ])(
    "$count pull requests, max $max: $listed listed and $more more",
    ({ count, max, listed, more }) => {
      const pulls = Array.from({ length: count }, (_, index) => index + 1);
      const result = applyMax({ pulls, max });
      expect(result).toEqual({ listed: pulls.slice(0, listed), more });
    },
  );

  it("merges several repositories' selections oldest first, ties by repository then number", () => {
    const since = ago(DAY);
    const merged = [
      waiting(2, "acme/web", since),
      waiting(9, "acme/api", ago(2 * DAY)),
      waiting(3, "Acme/API", since),
      waiting(1, "acme/web", since),
    ].sort(byWaitingSince);
    expect(merged.map((p) => `${p.repository}#${p.number}`)).toEqual([
      "acme/api#9",
      "Acme/API#3",
      "acme/web#1",
      "acme/web#2",
    ]);
  });
});
