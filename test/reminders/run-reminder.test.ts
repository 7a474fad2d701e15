/**
 * Running one stored reminder run against a real SQLite store (review states written as routing
 * writes them), the operator's channels and people file as the app reads them, and GitHub mocked
 * at the HTTP layer with nock behind a real Probot: the App's key signs the installation-token
 * request, and every list item is built from GitHub's example payloads. Each case says exactly
 * what the run decided and proves every mocked call was made and no other was tried.
 */
import { join } from "node:path";
import nock from "nock";
import { Probot } from "probot";
import pino from "pino";
import type { KnownBlock } from "@slack/types";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { ReviewUpdate, Store } from "../../src/store/types.js";
import { createInstallationAuth } from "../../src/shared/installation-auth.js";
import { RetryLaterError } from "../../src/shared/retry-later.js";
import { readChannels } from "../../src/settings/channels.js";
import { parsePeople } from "../../src/settings/people.js";
import type { ReminderConfig } from "../../src/repo-config/config-schema.js";
import type { SlackMessage } from "../../src/format/slack-message.js";
import type { Log } from "../../src/shared/log.js";
import {
  channelReminders,
  personReminders,
  runOf,
  type KnownReminder,
} from "../../src/reminders/reminder-plan.js";
import {
  createReminderRunner,
  type ReminderMutes,
  type ReminderOutcome,
} from "../../src/reminders/run-reminder.js";
import { testAppKey } from "../helpers/app-key.js";
import { TestOctokit } from "../helpers/pipeline.js";
import { tempDir } from "../helpers/temp-dir.js";
import {
  pullObject,
  reviewObject,
  storedRepository,
  type FakePull,
  type FakeReview,
  type StoredRepository,
} from "../helpers/fake-github-shapes.js";

const API = "https://api.github.com";
const INSTALLATION = 42;
const TOKEN = "ghs_reminder_run";
const API_REPO = storedRepository("acme/api");
const WEB_REPO = storedRepository("acme/web");
/** Monday 2026-01-05, 09:30 in Berlin. */
const NOW = new Date("2026-01-05T08:30:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const ENV = {
  SLACK_WEBHOOK_URL_ENG: "https://hooks.slack.com/services/T0/B0/eng",
  SLACK_BOT_TOKEN: "xoxb-reminder-test",
};
const PEOPLE = [
  "alice: { slack: U01ALICE, remind: 'weekdays at 09:00', timezone: Europe/Berlin }",
  "carol: U01CAROL",
  "",
].join("\n");
const NO_MUTES: ReminderMutes = { repository: () => null, channel: () => null };

const dir = tempDir("notifier-run-reminder-");
let databases = 0;
let store: Store;
let warnings: string[];
/** Requests nock had no answer for: a run must make none, even one whose error it swallowed. */
let unexpected: string[];
const noMatch = (request: { method?: string; path?: string }) =>
  unexpected.push(`${request.method ?? "?"} ${request.path ?? "?"}`);

beforeAll(() => {
  nock.disableNetConnect();
  nock.emitter.on("no match", noMatch);
});
afterAll(() => {
  nock.emitter.removeListener("no match", noMatch);
  nock.enableNetConnect();
});
beforeEach(async () => {
  databases += 1;
  store = createStore(join(dir, `run-${databases}.db`));
  await store.migrate();
  warnings = [];
  unexpected = [];
});
afterEach(async () => {
  await store.close();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, "every mocked GitHub call was made").toEqual([]);
  expect(unexpected, "no GitHub call beyond those mocked").toEqual([]);
});

function recordingLog(): Log {
  const log: Log = {
    debug: () => {},
    info: () => {},
    warn: (_fields, message) => void warnings.push(message),
    error: () => {},
    child: () => log,
  };
  return log;
}

/** The runner as the app builds it: installation clients from a real Probot, the store, settings. */
function runner(params: { env?: Record<string, string>; people?: string } = {}) {
  const probot = new Probot({
    appId: 1,
    privateKey: testAppKey(),
    secret: "run-reminder-test",
    Octokit: TestOctokit,
    log: pino({ level: "silent" }),
  });
  const channels = readChannels(params.env ?? ENV);
  return createReminderRunner({
    auth: createInstallationAuth({ probot }),
    reviews: store,
    people: parsePeople({ text: params.people ?? PEOPLE, file: "people.yml" }),
    channels: {
      get: (name) => channels.get(name),
      mayUse: (channel, owner) => channels.mayUse(channel, owner),
      dm: () => channels.dm(),
    },
    log: recordingLog(),
  });
}

/** The installation's token, which the App's JWT asks for once per run's installation. */
function github(): nock.Scope {
  return nock(API)
    .post(`/app/installations/${INSTALLATION}/access_tokens`)
    .matchHeader("authorization", /^bearer \S+\.\S+\.\S+$/i)
    .reply(201, {
      token: TOKEN,
      expires_at: new Date(Date.now() + HOUR).toISOString(),
      permissions: { pull_requests: "read", metadata: "read" },
      repository_selection: "all",
    });
}

/** One list call: GitHub's first (and only) page of `repository`'s open pull requests. */
function openPulls(scope: nock.Scope, repository: StoredRepository, pulls: FakePull[]) {
  return scope
    .get(`/repos/${repository.fullName}/pulls`)
    .matchHeader("authorization", `token ${TOKEN}`)
    .query({ state: "open", sort: "created", direction: "asc", per_page: "100", page: "1" })
    .reply(
      200,
      pulls.map((pull) => pullObject({ repository, pull })),
    );
}

function failingList(scope: nock.Scope, repository: StoredRepository, status: number) {
  const message =
    status === 404 ? "Not Found" : status === 403 ? "Resource not accessible by integration" : "";
  return scope
    .get(`/repos/${repository.fullName}/pulls`)
    .query(true)
    .reply(status, { message, documentation_url: "https://docs.github.com/rest" });
}

function reviews(
  scope: nock.Scope,
  repository: StoredRepository,
  pull: FakePull,
  list: FakeReview[],
) {
  return scope
    .get(`/repos/${repository.fullName}/pulls/${pull.number}/reviews`)
    .matchHeader("authorization", `token ${TOKEN}`)
    .query({ per_page: "100" })
    .reply(
      200,
      list.map((review, position) => reviewObject({ repository, pull, review, position })),
    );
}

/**
 * A review state as routing writes it from a delivery of `repository`'s pull request, one the app
 * saw opened (its approvals complete) unless `opened: false` says it first saw a later event.
 */
function reviewUpdate(
  repository: StoredRepository,
  changes: Partial<ReviewUpdate & { now: Date }> & { number: number },
): ReviewUpdate & { now: Date } {
  return {
    installationId: INSTALLATION,
    repository: repository.fullName,
    snapshotAt: changes.now ?? ago(HOUR),
    open: true,
    draft: false,
    requestedUsers: [],
    requestedTeams: [],
    requestedAt: null,
    opened: true,
    verdict: null,
    now: ago(HOUR),
    ...changes,
  };
}

/** The stored run of a channel reminder used by `repositories`, due now. */
function channelRun(params: {
  reminder?: Partial<ReminderConfig>;
  repositories?: readonly StoredRepository[];
  dueAt?: Date;
}): string {
  const reminder: ReminderConfig = { channel: "eng", at: "weekdays at 09:30", ...params.reminder };
  const [known] = channelReminders(
    (params.repositories ?? [API_REPO, WEB_REPO]).map((repository) => ({
      installationId: INSTALLATION,
      repository: repository.fullName,
      config: { reminders: [reminder] },
    })),
  );
  return payloadOf(known, params.dueAt);
}

/** The stored run of the people file's reminder for `login`. */
function personRun(login: string): string {
  const people = parsePeople({ text: PEOPLE, file: "people.yml" }).all();
  const known = personReminders(people).find((reminder) => reminder.login === login);
  return payloadOf(known);
}

function payloadOf(reminder: KnownReminder | undefined, dueAt = NOW): string {
  if (reminder === undefined) throw new Error("the test's reminder did not plan");
  return JSON.stringify(runOf({ reminder, scheduledAt: dueAt, dueAt }));
}

function run(payload: string, mutes: ReminderMutes = NO_MUTES, r = runner()) {
  return r.run({ payload, mutes, now: NOW });
}

/** Every text of a message, block by block. */
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

/** The message of a `queue` outcome, failing the test otherwise. */
function messageOf(outcome: ReminderOutcome): SlackMessage {
  if (outcome.kind !== "queue") throw new Error(`expected a message, got: ${outcome.reason}`);
  return outcome.message;
}

const pull = (number: number, changes: Omit<FakePull, "number"> = {}): FakePull => ({
  number,
  title: `Change ${number}`,
  author: "bob",
  requestedReviewers: ["carol"],
  createdAt: ago(3 * DAY),
  ...changes,
});

describe("a channel reminder's run", () => {
  it("posts one message over both repositories: grouped, oldest first across them, max and 'and N more'", async () => {
    const api1 = pull(1, { createdAt: ago(5 * DAY), requestedReviewers: ["alice"] });
    const api2 = pull(2, {
      createdAt: ago(3 * DAY),
      requestedReviewers: [],
      requestedTeams: ["backend"],
    });
    const api3 = pull(3, { createdAt: ago(12 * HOUR) }); // too young for older_than 1d
    const web7 = pull(7, { createdAt: ago(4 * DAY), author: "dave" });
    const web8 = pull(8, { createdAt: ago(2 * DAY) }); // past max: counted, not read further
    const scope = github();
    openPulls(scope, API_REPO, [api1, api2, api3]);
    openPulls(scope, WEB_REPO, [web7, web8]);
    // No state stored for any: the approvals of the three listed are read, one call each.
    reviews(scope, API_REPO, api1, []);
    reviews(scope, API_REPO, api2, [
      { user: "gina", state: "APPROVED" },
      { user: "frank", state: "COMMENTED" },
    ]);
    reviews(scope, WEB_REPO, web7, [{ user: "carol", state: "CHANGES_REQUESTED" }]);

    const outcome = await run(channelRun({ reminder: { max: 3 } }));

    expect(outcome).toEqual({
      kind: "queue",
      channel: "eng",
      message: expect.any(Object),
      dmTo: null,
      owner: "acme",
      detail: "reminder -> eng: 4 pull request(s) waiting",
    });
    expect(look(messageOf(outcome))).toMatchInlineSnapshot(`
      "text: 4 pull requests waiting for review: acme/api #1, #2; acme/web #7 and 1 more
      ---
      :hourglass_flowing_sand: *4 pull requests waiting for review* in 2 repositories
      ---
      *<https://github.com/acme/api|acme/api>*
      • <https://github.com/acme/api/pull/1|#1 Change 1> by bob · waiting 5 days · for <@U01ALICE>
      • <https://github.com/acme/api/pull/2|#2 Change 2> by bob · waiting 3 days · for @backend · approved by gina

      *<https://github.com/acme/web|acme/web>*
      • <https://github.com/acme/web/pull/7|#7 Change 7> by dave · waiting 4 days · for <@U01CAROL>
      ---
      …and 1 more waiting | Reminder “weekdays at 09:30”"
    `);
    expect(scope.isDone()).toBe(true);
  });

  it("says open pull requests for a reminder of every open one (waiting: any)", async () => {
    const requested = pull(1, { createdAt: ago(5 * DAY) });
    const unrequested = pull(2, { createdAt: ago(2 * DAY), requestedReviewers: [] });
    const scope = github();
    openPulls(scope, API_REPO, [requested, unrequested]);
    reviews(scope, API_REPO, requested, []);
    reviews(scope, API_REPO, unrequested, []);

    const outcome = await run(
      channelRun({ reminder: { waiting: "any" }, repositories: [API_REPO] }),
    );

    const message = messageOf(outcome);
    expect(message.text).toBe("2 open pull requests: acme/api #1, #2");
    expect(look(message)).toContain(":hourglass_flowing_sand: *2 open pull requests*");
    expect(look(message)).not.toContain("waiting for review");
    expect(scope.isDone()).toBe(true);
  });

  it("reads approvals from GitHub only for listed pull requests the app has no state for", async () => {
    const known = pull(1, { createdAt: ago(4 * DAY) });
    const unknown = pull(2, { createdAt: ago(2 * DAY) });
    await store.recordReviewUpdate(
      reviewUpdate(API_REPO, {
        number: 1,
        requestedUsers: ["carol"],
        verdict: { login: "dave", verdict: "approved", at: ago(HOUR) },
      }),
    );
    const scope = github();
    openPulls(scope, API_REPO, [known, unknown]);
    // #1's approvals are the store's: a reviews call for it would find no mock and fail the test.
    reviews(scope, API_REPO, unknown, [
      { user: "erin", state: "APPROVED" },
      { user: "frank", state: "APPROVED" },
      { user: "frank", state: "DISMISSED" },
    ]);

    const outcome = await run(channelRun({ repositories: [API_REPO] }));

    expect(look(messageOf(outcome))).toMatchInlineSnapshot(`
      "text: 2 pull requests waiting for review: acme/api #1, #2
      ---
      :hourglass_flowing_sand: *2 pull requests waiting for review*
      ---
      *<https://github.com/acme/api|acme/api>*
      • <https://github.com/acme/api/pull/1|#1 Change 1> by bob · waiting 4 days · for <@U01CAROL> · approved by dave
      • <https://github.com/acme/api/pull/2|#2 Change 2> by bob · waiting 2 days · for <@U01CAROL> · approved by erin
      ---
      Reminder “weekdays at 09:30”"
    `);
    expect(scope.isDone()).toBe(true);
  });

  it("reads the approvals of a pull request the app first saw after its opening: those given before count", async () => {
    // Opened, and approved by erin, before the app was installed; the app first saw a review
    // request, then dave's approval.
    const seenLate = pull(1, { createdAt: ago(4 * DAY) });
    await store.recordReviewUpdate(
      reviewUpdate(API_REPO, { number: 1, opened: false, requestedUsers: ["carol"] }),
    );
    await store.recordReviewUpdate(
      reviewUpdate(API_REPO, {
        number: 1,
        opened: false,
        requestedUsers: ["carol"],
        verdict: { login: "dave", verdict: "approved", at: ago(HOUR) },
      }),
    );
    const scope = github();
    openPulls(scope, API_REPO, [seenLate]);
    // One call, for the one pull request whose approvals the app may not have all.
    reviews(scope, API_REPO, seenLate, [
      { user: "erin", state: "APPROVED" },
      { user: "dave", state: "APPROVED" },
    ]);

    const outcome = await run(channelRun({ repositories: [API_REPO] }));

    expect(look(messageOf(outcome))).toContain(
      "• <https://github.com/acme/api/pull/1|#1 Change 1> by bob · waiting 4 days · for <@U01CAROL> · approved by erin, dave",
    );
    expect(scope.isDone()).toBe(true);
  });

  it("counts the wait from the last review request the app saw, not from the opening", async () => {
    // Opened 5 days ago but re-requested 2 hours ago: not yet waiting a day.
    const reRequested = pull(1, { createdAt: ago(5 * DAY) });
    // Opened 3 days ago, requested 2 days ago: waiting 2 days.
    const requested = pull(2, { createdAt: ago(3 * DAY) });
    await store.recordReviewUpdate(
      reviewUpdate(API_REPO, { number: 1, requestedUsers: ["carol"], requestedAt: ago(2 * HOUR) }),
    );
    await store.recordReviewUpdate(
      reviewUpdate(API_REPO, { number: 2, requestedUsers: ["carol"], requestedAt: ago(2 * DAY) }),
    );
    const scope = github();
    openPulls(scope, API_REPO, [reRequested, requested]);

    const outcome = await run(
      channelRun({ repositories: [API_REPO], reminder: { older_than: "1d" } }),
    );

    expect(outcome).toMatchObject({
      kind: "queue",
      detail: "reminder -> eng: 1 pull request(s) waiting",
    });
    expect(look(messageOf(outcome))).toContain(
      "• <https://github.com/acme/api/pull/2|#2 Change 2> by bob · waiting 2 days · for <@U01CAROL>",
    );
    expect(look(messageOf(outcome))).not.toContain("/pull/1|");
    expect(scope.isDone()).toBe(true);
  });

  it("reads a repository GitHub now spells otherwise (renamed in case) with its approvals", async () => {
    // Discovery found `acme/API`; GitHub's list answers with the new spelling `acme/api`.
    const before = storedRepository("acme/API");
    const waiting = pull(1);
    const scope = github();
    scope
      .get(`/repos/${before.fullName}/pulls`)
      .query(true)
      .reply(200, [pullObject({ repository: API_REPO, pull: waiting })]);
    scope
      .get(`/repos/${before.fullName}/pulls/1/reviews`)
      .query(true)
      .reply(200, [
        reviewObject({
          repository: API_REPO,
          pull: waiting,
          review: { user: "gina", state: "APPROVED" },
          position: 0,
        }),
      ]);

    const outcome = await run(channelRun({ repositories: [before] }));

    expect(look(messageOf(outcome))).toContain(
      "• <https://github.com/acme/api/pull/1|#1 Change 1> by bob · waiting 3 days · for <@U01CAROL> · approved by gina",
    );
    expect(scope.isDone()).toBe(true);
  });

  it("leaves a muted repository out, saying so, and lists the other", async () => {
    const scope = github();
    openPulls(scope, API_REPO, [pull(1)]);
    reviews(scope, API_REPO, pull(1), []);
    const mutes: ReminderMutes = {
      repository: (name) =>
        name === "acme/web"
          ? "muted until 2026-01-05T10:00:00.000Z by notifier mute: migration"
          : null,
      channel: () => null,
    };

    const outcome = await run(channelRun({}), mutes);

    expect(outcome).toMatchObject({
      kind: "queue",
      detail:
        "reminder -> eng: 1 pull request(s) waiting (acme/web: muted until 2026-01-05T10:00:00.000Z by notifier mute: migration)",
    });
    expect(messageOf(outcome).text).toBe("1 pull request waiting for review: acme/api #1");
    expect(scope.isDone()).toBe(true);
  });

  it("skips the whole run for a muted channel, reading nothing", async () => {
    const mutes: ReminderMutes = {
      repository: () => null,
      channel: (name) => (name === "eng" ? "muted for 2h by notifier mute: release day" : null),
    };

    expect(await run(channelRun({}), mutes)).toEqual({
      kind: "skip",
      reason: "muted for 2h by notifier mute: release day",
    });
  });

  it("skips a channel the operator no longer configures, reading nothing", async () => {
    expect(await run(channelRun({ reminder: { channel: "retired" } }))).toEqual({
      kind: "skip",
      reason: "channel retired is no longer configured",
    });
  });

  it("leaves out a repository whose owner the channel is not reserved for, reading nothing", async () => {
    const reserved = runner({ env: { ...ENV, SLACK_CHANNEL_OWNERS_ENG: "octo-org" } });

    expect(await run(channelRun({ repositories: [API_REPO] }), NO_MUTES, reserved)).toEqual({
      kind: "skip",
      reason: "nothing waiting (acme/api: channel eng is reserved for other owners)",
    });
  });

  it.each([
    [404, "gone"],
    [403, "refused for good"],
  ])("notes a repository GitHub answers %i (%s) and lists the others", async (status) => {
    const scope = github();
    failingList(scope, API_REPO, status);
    openPulls(scope, WEB_REPO, [pull(7)]);
    reviews(scope, WEB_REPO, pull(7), []);

    const outcome = await run(channelRun({}));

    expect(outcome).toMatchObject({
      kind: "queue",
      detail:
        "reminder -> eng: 1 pull request(s) waiting (acme/api: not readable by the installation any more)",
    });
    expect(messageOf(outcome).text).toBe("1 pull request waiting for review: acme/web #7");
    expect(scope.isDone()).toBe(true);
  });

  it("throws RetryLaterError when GitHub fails with a 502, so the run is tried again", async () => {
    const scope = github();
    openPulls(scope, API_REPO, [pull(1)]);
    failingList(scope, WEB_REPO, 502);

    const outcome = run(channelRun({}));

    await expect(outcome).rejects.toBeInstanceOf(RetryLaterError);
    await expect(outcome).rejects.toThrow(
      "cannot list the open pull requests of acme/web from GitHub now (HTTP 502); the reminder should be retried later",
    );
    expect(scope.isDone()).toBe(true);
  });

  it("skips a run more than an hour past its due time without asking GitHub, and runs one less late", async () => {
    const late = await run(channelRun({ dueAt: new Date(NOW.getTime() - HOUR - 1_000) }));

    expect(late).toEqual({
      kind: "skip",
      reason: "more than an hour late (due 2026-01-05T07:29:59.000Z)",
    });
    expect(warnings).toEqual(["reminder run skipped: more than an hour late"]);

    const scope = github();
    openPulls(scope, API_REPO, []);
    const inTime = await run(
      channelRun({ repositories: [API_REPO], dueAt: new Date(NOW.getTime() - HOUR + 60_000) }),
    );
    expect(inTime).toEqual({ kind: "skip", reason: "nothing waiting" });
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ["not JSON", "{"],
    ["not an object", "42"],
    ["an unknown kind", JSON.stringify({ kind: "team", key: "k", scheduledAt: NOW, dueAt: NOW })],
    [
      "a channel run without repositories",
      JSON.stringify({
        kind: "channel",
        key: "k",
        scheduledAt: NOW,
        dueAt: NOW,
        installationId: INSTALLATION,
        channel: "eng",
        reminder: { at: "daily at 09:00" },
      }),
    ],
    ["a time that is no time", channelRun({}).replace(/"dueAt":"[^"]+"/, '"dueAt":"soon"')],
  ])("skips a malformed run (%s) without asking GitHub", async (_, payload) => {
    expect(await run(payload)).toEqual({ kind: "skip", reason: "malformed reminder run" });
  });

  it("reads a reminder's repositories a few at a time, not one after another", async () => {
    // A reminder an owner's `.github` gives 300 repositories reads 300 lists: one after another
    // at GitHub's usual 0.2-0.5 s each, that outlives the worker's 60 s routing deadline twice,
    // and the run ends dead without a message.
    const repositories = [1, 2, 3, 4, 5, 6].map((n) => storedRepository(`acme/r${n}`));
    // States known, so no approvals are read: only the lists are asked.
    for (const repository of repositories) {
      await store.recordReviewUpdate(reviewUpdate(repository, { number: 1 }));
    }
    let waiting = 0;
    let mostAtOnce = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    setTimeout(release, 300).unref();
    const scope = github();
    for (const repository of repositories) {
      scope
        .get(`/repos/${repository.fullName}/pulls`)
        .query(true)
        .reply(async () => {
          waiting += 1;
          mostAtOnce = Math.max(mostAtOnce, waiting);
          if (waiting >= 4) release();
          await gate;
          waiting -= 1;
          return [200, [pullObject({ repository, pull: pull(1) })]];
        });
    }
    const outcome = await run(channelRun({ repositories }));

    expect(mostAtOnce).toBe(4);
    expect(outcome.kind).toBe("queue");
    expect(
      look(messageOf(outcome))
        .match(/acme\/r\d/g)
        ?.slice(0, 12),
    ).toEqual(expect.arrayContaining(repositories.map((repository) => repository.fullName)));
    expect(scope.isDone()).toBe(true);
  });

  it("posts nothing when nothing waits: a draft, a young one, one without reviewers", async () => {
    const scope = github();
    openPulls(scope, API_REPO, [
      pull(1, { draft: true }),
      pull(2, { createdAt: ago(12 * HOUR) }),
      pull(3, { requestedReviewers: [] }),
    ]);

    expect(await run(channelRun({ repositories: [API_REPO] }))).toEqual({
      kind: "skip",
      reason: "nothing waiting",
    });
    expect(scope.isDone()).toBe(true);
  });
});

describe("a person's reminder run", () => {
  it("lists what still waits for them across their candidates' repositories, and forgets the closed", async () => {
    const requested = (repository: StoredRepository, number: number, at: Date) =>
      store.recordReviewUpdate(
        reviewUpdate(repository, {
          number,
          requestedUsers: ["alice"],
          requestedAt: at,
          now: at,
        }),
      );
    await requested(API_REPO, 1, ago(2 * DAY)); // still waiting
    await requested(API_REPO, 2, ago(3 * DAY)); // merged unseen: GitHub no longer lists it open
    await requested(API_REPO, 3, ago(4 * DAY)); // alice no longer requested
    await requested(WEB_REPO, 7, ago(5 * DAY)); // turned into a draft
    await requested(WEB_REPO, 8, ago(6 * HOUR)); // waiting, however young
    const scope = github();
    openPulls(scope, API_REPO, [
      pull(1, { createdAt: ago(3 * DAY), requestedReviewers: ["alice", "carol"] }),
      pull(3, { createdAt: ago(5 * DAY), requestedReviewers: ["carol"] }),
    ]);
    openPulls(scope, WEB_REPO, [
      pull(7, { createdAt: ago(6 * DAY), requestedReviewers: ["alice"], draft: true }),
      pull(8, { createdAt: ago(DAY), requestedReviewers: ["alice"], author: "carol" }),
    ]);

    const outcome = await run(personRun("alice"));

    expect(outcome).toEqual({
      kind: "queue",
      channel: "@dm",
      message: expect.any(Object),
      dmTo: "U01ALICE",
      owner: "",
      detail: "reminder -> direct message to alice: 2 pull request(s) waiting",
    });
    expect(look(messageOf(outcome))).toMatchInlineSnapshot(`
      "text: 2 pull requests waiting for your review: acme/api #1; acme/web #8
      ---
      :eyes: *2 pull requests waiting for your review*
      ---
      *<https://github.com/acme/api|acme/api>*
      • <https://github.com/acme/api/pull/1|#1 Change 1> by bob · waiting 2 days · also waiting for <@U01CAROL>

      *<https://github.com/acme/web|acme/web>*
      • <https://github.com/acme/web/pull/8|#8 Change 8> by <@U01CAROL> · waiting 6 hours"
    `);
    expect(scope.isDone()).toBe(true);
    const left = await store.waitingFor({ login: "alice", limit: 10 });
    expect(left.map((state) => `${state.repository}#${state.number}`).sort()).toEqual([
      "acme/api#1",
      "acme/api#3",
      "acme/web#7",
      "acme/web#8",
    ]);
  });

  it("forgets the candidates of a repository gone for the installation, which no webhook will close", async () => {
    // The repository was removed from the installation (or deleted): its states stayed open,
    // read once more at every reminder and, oldest first, crowding out the candidates that count.
    await store.recordReviewUpdate(
      reviewUpdate(API_REPO, { number: 1, requestedUsers: ["alice"], requestedAt: ago(9 * DAY) }),
    );
    await store.recordReviewUpdate(
      reviewUpdate(WEB_REPO, { number: 8, requestedUsers: ["alice"], requestedAt: ago(DAY) }),
    );
    const scope = github();
    failingList(scope, API_REPO, 404);
    openPulls(scope, WEB_REPO, [pull(8, { requestedReviewers: ["alice"] })]);

    expect(messageOf(await run(personRun("alice"))).text).toBe(
      "1 pull request waiting for your review: acme/web #8",
    );
    expect(scope.isDone()).toBe(true);
    const left = await store.waitingFor({ login: "alice", limit: 10 });
    expect(left.map((state) => `${state.repository}#${state.number}`)).toEqual(["acme/web#8"]);
  });

  it("keeps the candidates of a repository GitHub refuses to list (a permission, not a deletion)", async () => {
    await store.recordReviewUpdate(
      reviewUpdate(API_REPO, { number: 1, requestedUsers: ["alice"], requestedAt: ago(DAY) }),
    );
    const scope = github();
    failingList(scope, API_REPO, 403);

    expect(await run(personRun("alice"))).toEqual({
      kind: "skip",
      reason: "nothing waits for alice's review",
    });
    expect(scope.isDone()).toBe(true);
    const left = await store.waitingFor({ login: "alice", limit: 10 });
    expect(left.map((state) => `${state.repository}#${state.number}`)).toEqual(["acme/api#1"]);
  });

  it("skips without a bot token: a direct message needs one", async () => {
    await store.recordReviewUpdate(
      reviewUpdate(API_REPO, { number: 1, requestedUsers: ["alice"], requestedAt: ago(DAY) }),
    );
    const noBot = runner({ env: { SLACK_WEBHOOK_URL_ENG: ENV.SLACK_WEBHOOK_URL_ENG } });

    expect(await run(personRun("alice"), NO_MUTES, noBot)).toEqual({
      kind: "skip",
      reason: "direct messages need SLACK_BOT_TOKEN",
    });
  });

  it("skips a person no longer in the people file", async () => {
    await store.recordReviewUpdate(
      reviewUpdate(API_REPO, { number: 1, requestedUsers: ["alice"], requestedAt: ago(DAY) }),
    );
    const without = runner({ people: "carol: U01CAROL\n" });

    expect(await run(personRun("alice"), NO_MUTES, without)).toEqual({
      kind: "skip",
      reason: "alice is no longer in the people file",
    });
  });
});
