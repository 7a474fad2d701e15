/**
 * `notifier reminders preview owner/repo` in-process through `runCli`: a real SQLite file, a
 * test App key, and GitHub mocked at the HTTP layer with nock (the App's installation lookup,
 * the installation token, the config file, the open pull requests and their reviews), answered
 * with objects built from GitHub's example payloads. Nothing may reach Slack.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import nock from "nock";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp-dir.js";
import { writeTestAppKey } from "../helpers/app-key.js";
import {
  installationObject,
  pullObject,
  reviewObject,
  storedRepository,
  type FakePull,
  type FakeReview,
} from "../helpers/fake-github-shapes.js";

const API = "https://api.github.com";
const INSTALLATION_ID = 42;
const REPOSITORY = storedRepository("acme/api");
/** Monday 2026-01-05, 08:00 UTC: 09:00 in Berlin, 03:00 in New York. */
const NOW = new Date("2026-01-05T08:00:00Z");
const DAY_MS = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

const dir = tempDir("notifier-cli-reminders-");
const keyPath = writeTestAppKey(dir);
const peopleFile = join(dir, "people.yml");
writeFileSync(peopleFile, "alice: U01ALICE\n");
let databases = 0;

/** The operator's environment, with a database of its own per call (the config cache is in it). */
function environment(overrides: Record<string, string> = {}): Record<string, string> {
  databases += 1;
  return {
    DATABASE_URL: join(dir, `reminders-${databases}.db`),
    WEBHOOK_SECRET: "reminders-preview-secret",
    APP_ID: "1",
    PRIVATE_KEY_PATH: keyPath,
    SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/default",
    SLACK_WEBHOOK_URL_ENG: "https://hooks.slack.com/services/T0/B0/eng",
    SLACK_WEBHOOK_URL_RELEASES: "https://hooks.slack.com/services/T0/B0/releases",
    SLACK_PEOPLE_FILE: peopleFile,
    ...overrides,
  };
}

const preview = (argv: string[], env: Record<string, string>) =>
  cli(argv, { env, deps: { now: () => NOW } });

/** The App's lookup of its installation and the installation's token: what every read starts with. */
function installed(): nock.Scope {
  return nock(API)
    .get(`/repos/${REPOSITORY.fullName}/installation`)
    .reply(
      200,
      installationObject({ installation: { id: INSTALLATION_ID, account: "acme" }, appId: 1 }),
    )
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .reply(201, {
      token: "ghs_reminders_preview",
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      permissions: { pull_requests: "read", contents: "read", metadata: "read" },
      repository_selection: "all",
    });
}

/** The repository's `.github/notifier.yml`, as the contents API answers the raw media type. */
function configFile(scope: nock.Scope, text: string): nock.Scope {
  return scope
    .get(`/repos/${REPOSITORY.fullName}/contents/${encodeURIComponent(".github/notifier.yml")}`)
    .reply(200, text, { "content-type": "text/plain; charset=utf-8", etag: '"v1"' });
}

function openPulls(scope: nock.Scope, pulls: FakePull[], times = 1): nock.Scope {
  return scope
    .get(`/repos/${REPOSITORY.fullName}/pulls`)
    .query({ state: "open", sort: "created", direction: "asc", per_page: "100", page: "1" })
    .times(times)
    .reply(
      200,
      pulls.map((pull) => pullObject({ repository: REPOSITORY, pull })),
    );
}

function reviews(scope: nock.Scope, pull: FakePull, list: FakeReview[], times = 1): nock.Scope {
  return scope
    .get(`/repos/${REPOSITORY.fullName}/pulls/${pull.number}/reviews`)
    .query(true)
    .times(times)
    .reply(
      200,
      list.map((review, position) =>
        reviewObject({ repository: REPOSITORY, pull, review, position }),
      ),
    );
}

const TWO_REMINDERS = `# acme/api's reminders
reminders:
  - channel: eng
    at: "weekdays at 09:30"
    timezone: Europe/Berlin
  - channel: releases
    at: "mon,wed,fri at 16:00"
    timezone: America/New_York
    waiting: any
    older_than: 2d
    labels: [needs-review]
`;

const LOGIN_FIX: FakePull = {
  number: 1,
  title: "Fix the login redirect",
  author: "bob",
  requestedReviewers: ["alice"],
  createdAt: ago(3),
};
const RATE_LIMITS: FakePull = {
  number: 2,
  title: "Add rate limits",
  author: "carol",
  requestedTeams: ["backend"],
  labels: ["needs-review"],
  createdAt: ago(5),
};
const DRAFT: FakePull = {
  number: 3,
  title: "Try a new cache",
  author: "dave",
  requestedReviewers: ["alice"],
  draft: true,
  createdAt: ago(4),
};
const DEPENDENCIES: FakePull = {
  number: 4,
  title: "Bump the dependencies",
  author: "erin",
  labels: ["needs-review"],
  createdAt: ago(10),
};

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, "every mocked GitHub call was made").toEqual([]);
});

describe("notifier reminders preview", () => {
  it("prints each reminder's next time in its zone and the pull requests it would list now", async () => {
    const scope = installed();
    configFile(scope, TWO_REMINDERS);
    // Once per reminder: each run reads GitHub's list, as each scheduled run would.
    openPulls(scope, [DEPENDENCIES, RATE_LIMITS, DRAFT, LOGIN_FIX], 2);
    reviews(scope, LOGIN_FIX, [{ user: "frank", state: "COMMENTED" }]);
    reviews(scope, RATE_LIMITS, [{ user: "gina", state: "APPROVED" }], 2);
    reviews(scope, DEPENDENCIES, []);

    const run = await preview(["reminders", "preview", "acme/api"], environment());

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(run.stdout).toMatchInlineSnapshot(`
      "reminders for acme/api (config from acme/api:.github/notifier.yml), as of 2026-01-05T08:00:00.000Z:

      - eng (webhook channel): weekdays at 09:30, Europe/Berlin
        lists: open pull requests whose requested reviewers have not answered; waiting 1d or more; no drafts; at most 20, oldest first
        next: Mon 2026-01-05 09:30 Europe/Berlin (in 30m) = 2026-01-05T08:30:00.000Z
        now: would post to eng:
          :hourglass_flowing_sand: *2 pull requests waiting for review*
          *<https://github.com/acme/api|acme/api>*
          • <https://github.com/acme/api/pull/2|#2 Add rate limits> by carol · waiting 5 days · for @backend · approved by gina
          • <https://github.com/acme/api/pull/1|#1 Fix the login redirect> by bob · waiting 3 days · for <@U01ALICE>
          Reminder “weekdays at 09:30”

      - releases (webhook channel): mon,wed,fri at 16:00, America/New_York
        lists: every open pull request; waiting 2d or more; no drafts; labels needs-review; at most 20, oldest first
        next: Mon 2026-01-05 16:00 America/New_York (in 13h) = 2026-01-05T21:00:00.000Z
        now: would post to releases:
          :hourglass_flowing_sand: *2 open pull requests*
          *<https://github.com/acme/api|acme/api>*
          • <https://github.com/acme/api/pull/4|#4 Bump the dependencies> by erin · waiting 10 days · no reviewer requested
          • <https://github.com/acme/api/pull/2|#2 Add rate limits> by carol · waiting 5 days · for @backend · approved by gina
          Reminder “mon,wed,fri at 16:00”
      "
    `);
    expect(scope.isDone()).toBe(true);
  });

  it("says when nothing waits, and when quiet hours hold or drop the next time", async () => {
    const scope = installed();
    configFile(
      scope,
      [
        "quiet_hours: { from: '22:00', to: '08:00', timezone: Europe/Berlin }",
        "reminders:",
        "  - { channel: eng, at: 'weekdays at 07:00', timezone: Europe/Berlin }",
        "",
      ].join("\n"),
    );
    // Only a draft and a pull request too young to wait: nothing to post.
    openPulls(scope, [DRAFT, { ...LOGIN_FIX, createdAt: ago(0.5) }]);

    const run = await preview(["reminders", "preview", "acme/api"], environment());

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(run.stdout).toContain(
      "  next: Tue 2026-01-06 07:00 Europe/Berlin (in 22h) = 2026-01-06T06:00:00.000Z, held by quiet hours (22:00–08:00 Europe/Berlin) until Tue 2026-01-06 08:00 Europe/Berlin (in 23h) = 2026-01-06T07:00:00.000Z\n",
    );
    expect(run.stdout).toContain("  now: would post nothing: nothing waiting\n");

    const dropping = installed();
    configFile(
      dropping,
      [
        "quiet_hours: { from: '22:00', to: '08:00', timezone: Europe/Berlin }",
        "quiet_hours_action: drop",
        "reminders:",
        "  - { channel: eng, at: 'mon,fri at 07:00', timezone: Europe/Berlin, waiting: any }",
        "",
      ].join("\n"),
    );
    openPulls(dropping, []);
    const dropped = await preview(["reminders", "preview", "acme/api"], environment());
    expect(dropped.stdout).toContain(
      "  next: Fri 2026-01-09 07:00 Europe/Berlin (in 3d 22h) = 2026-01-09T06:00:00.000Z, dropped: quiet hours (22:00–08:00 Europe/Berlin), quiet_hours_action: drop\n" +
        "  then: never posted: quiet hours drop every time it fires\n",
    );
    expect(dropped.stdout).toContain("  now: would post nothing: nothing waiting\n");

    // New York's 02:30 is 07:30 in Berlin while only the US has moved its clocks (quiet), and
    // 08:30 once Berlin follows on March 29th: the preview names the first time that posts.
    const acrossZones = installed();
    configFile(
      acrossZones,
      [
        "quiet_hours: { from: '22:00', to: '08:00', timezone: Europe/Berlin }",
        "quiet_hours_action: drop",
        "reminders:",
        "  - { channel: eng, at: 'daily at 02:30', timezone: America/New_York, waiting: any }",
        "",
      ].join("\n"),
    );
    openPulls(acrossZones, []);
    const march = await cli(["reminders", "preview", "acme/api"], {
      env: environment(),
      deps: { now: () => new Date("2026-03-10T12:00:00Z") },
    });
    expect(march.stdout).toContain(
      "  next: Wed 2026-03-11 02:30 America/New_York (in 18h 30m) = 2026-03-11T06:30:00.000Z, dropped: quiet hours (22:00–08:00 Europe/Berlin), quiet_hours_action: drop\n" +
        "  then: Sun 2026-03-29 02:30 America/New_York (in 18d 18h) = 2026-03-29T06:30:00.000Z\n",
    );
  });

  it("posts nothing to a muted channel, without reading the pull requests", async () => {
    const env = environment();
    const muted = await preview(["mute", "eng", "--for", "2h", "--reason", "release day"], env);
    expect(muted.code).toBe(0);
    const scope = installed();
    configFile(scope, "reminders:\n  - { channel: eng, at: 'daily at 09:00' }\n");

    const run = await preview(["reminders", "preview", "acme/api"], env);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "  now: would post nothing: muted until 2026-01-05T10:00:00.000Z by notifier mute: release day\n",
    );
  });

  it("says a repository without reminders has none, and where its config came from", async () => {
    const scope = installed();
    configFile(scope, "channel: eng\n");

    const run = await preview(["reminders", "preview", "acme/api"], environment());

    expect(run).toEqual({
      code: 0,
      stdout: "acme/api has no reminders (config from acme/api:.github/notifier.yml)\n",
      stderr: "",
    });
  });

  it("fails with exit 1 when GitHub cannot list the pull requests", async () => {
    const scope = installed();
    configFile(scope, "reminders:\n  - { channel: eng, at: 'daily at 09:00' }\n");
    scope
      .get(`/repos/${REPOSITORY.fullName}/pulls`)
      .query(true)
      .reply(502, { message: "Server Error" });

    const run = await preview(["reminders", "preview", "acme/api"], environment());

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^notifier: eng: GitHub could not be read: .*502/);
    expect(run.stdout).toContain("  now: unknown, GitHub could not be read (see above)\n");
  });

  it("says the App is not installed on the repository", async () => {
    const scope = nock(API).get(`/repos/${REPOSITORY.fullName}/installation`).reply(404, {
      message: "Not Found",
      documentation_url:
        "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app",
    });

    const run = await preview(["reminders", "preview", "acme/api"], environment());

    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: "notifier: the App is not installed on acme/api\n",
    });
    expect(scope.isDone()).toBe(true);
  });

  it("needs the App's credentials, and asks nothing of GitHub without them", async () => {
    const { APP_ID: _id, PRIVATE_KEY_PATH: _key, ...withoutApp } = environment();

    const run = await preview(["reminders", "preview", "acme/api"], withoutApp);

    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "notifier: reminders preview reads GitHub as the App: set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH)\n",
    });
  });

  it("refuses an argument that is not one repository", async () => {
    for (const argv of [["acme"], ["acme/api/extra"], ["-/api"], []]) {
      const run = await preview(["reminders", "preview", ...argv], environment());
      expect(run.code, argv.join(" ")).toBe(2);
      expect(run.stdout).toBe("");
    }
    const bad = await preview(["reminders", "preview", "acme"], environment());
    expect(bad.stderr).toBe(
      'notifier: "acme" is not a repository: write owner/name, like acme/api\n',
    );
    const none = await preview(["reminders", "preview"], environment());
    expect(none.stderr).toBe(
      "notifier: reminders preview needs one repository: owner/name, like acme/api\n",
    );
  });
});
