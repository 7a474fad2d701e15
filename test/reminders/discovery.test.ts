/**
 * Discovery of the repositories that have reminders, against the fake GitHub started in-process
 * (GitHub's shapes, paging and per-installation tenancy) through a real Probot signing as the
 * App and as its installations, with the app's own config source reading `.github/notifier.yml`
 * through its cache on a real SQLite store. What each case proves: what is found, what is kept
 * when a read fails, what is forgotten, and which GitHub calls it took.
 */
import { join } from "node:path";
import { Probot } from "probot";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createInstallationAuth } from "../../src/shared/installation-auth.js";
import { readChannels } from "../../src/settings/channels.js";
import { createConfigSource } from "../../src/repo-config/repo-config-source.js";
import type { ConfigSource } from "../../src/repo-config/config-source.js";
import type { Log } from "../../src/shared/log.js";
import { RetryLaterError } from "../../src/shared/retry-later.js";
import { createReminderDiscovery, type ReminderDiscovery } from "../../src/reminders/discovery.js";
import type { RepositoryConfig } from "../../src/reminders/reminder-plan.js";
import { testAppKey } from "../helpers/app-key.js";
import { TestOctokit } from "../helpers/pipeline.js";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.js";
import { tempDir } from "../helpers/temp-dir.js";

const APP_ID = 1;
const CONFIG = ".github/notifier.yml";
const REMINDER =
  "reminders:\n  - { channel: eng, at: 'weekdays at 09:30', timezone: Europe/Berlin }\n";
const NO_REMINDER = "channel: eng\n";
const INSTALLATIONS_ROUTE = "GET /app/installations";
const REPOSITORIES_ROUTE = "GET /installation/repositories";
const CONTENTS_ROUTE = "GET /repos/{owner}/{repo}/contents/{path}";
const TOKEN_ROUTE = "POST /app/installations/{installation_id}/access_tokens";

const dir = tempDir("notifier-discovery-");
let databases = 0;
let github: FakeGitHub;
let store: Store;
let warnings: string[];

beforeEach(async () => {
  github = await startFakeGitHub({ appId: String(APP_ID) });
  databases += 1;
  store = createStore(join(dir, `discovery-${databases}.db`));
  await store.migrate();
  warnings = [];
});
afterEach(async () => {
  await github.close();
  await store.close();
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

/**
 * Discovery as the app wires it, against the fake GitHub. `configs` wraps the real config
 * source when a case needs a read to fail in a way the config cache would otherwise cover.
 */
function discovery(
  wrap: (configs: Pick<ConfigSource, "load">) => Pick<ConfigSource, "load"> = (c) => c,
): ReminderDiscovery {
  const probot = new Probot({
    appId: APP_ID,
    privateKey: testAppKey(),
    secret: "discovery-test",
    baseUrl: `${github.url}/api/v3`,
    Octokit: TestOctokit,
    log: pino({ level: "silent" }),
  });
  const auth = createInstallationAuth({ probot });
  const log = recordingLog();
  const configs = createConfigSource({
    auth,
    ttlMs: 60_000,
    channels: readChannels({ SLACK_WEBHOOK_URL_ENG: "https://hooks.slack.com/services/T0/B0/eng" }),
    store,
    log,
  });
  return createReminderDiscovery({
    app: () => probot.auth(),
    installation: auth,
    configs: wrap(configs),
    log,
  });
}

function setConfig(fullName: string, text: string): void {
  const [owner = "", repo = ""] = fullName.split("/");
  github.setFile({ owner, repo, path: CONFIG, text });
}

/** `installation:owner/name` of each finding, sorted. */
const names = (found: readonly RepositoryConfig[]) =>
  found.map(({ installationId, repository }) => `${installationId}:${repository}`).sort();

/** Two tenants: acme (installation 1) with a reminder in api, none in web; octo-org (2) with one in site. */
function twoInstallations(): void {
  github.setInstallations([
    { id: 1, account: "acme" },
    { id: 2, account: "octo-org", accountType: "User" },
  ]);
  github.setRepositories(1, ["acme/api", "acme/web"]);
  github.setRepositories(2, ["octo-org/site"]);
  setConfig("acme/api", REMINDER);
  setConfig("acme/web", NO_REMINDER);
  setConfig("octo-org/site", REMINDER);
}

describe("reminder discovery", () => {
  it("finds the repositories with reminders across installations, with their config", async () => {
    twoInstallations();

    const found = await discovery().discover();

    expect(names(found)).toEqual(["1:acme/api", "2:octo-org/site"]);
    expect(found.find((entry) => entry.repository === "acme/api")?.config.reminders).toEqual([
      { channel: "eng", at: "weekdays at 09:30", timezone: "Europe/Berlin" },
    ]);
    expect(github.count(INSTALLATIONS_ROUTE)).toBe(1);
    expect(github.count(REPOSITORIES_ROUTE)).toBe(2);
    expect(warnings).toEqual([]);
  });

  it("reads past the first 100 repositories with one more list call", async () => {
    github.setInstallations([{ id: 1, account: "acme" }]);
    const many = Array.from(
      { length: 130 },
      (_, index) => `acme/repo-${String(index).padStart(3, "0")}`,
    );
    github.setRepositories(1, many);
    // One on each page, and the owner's `.github` file gives the others none.
    setConfig("acme/repo-007", REMINDER);
    setConfig("acme/repo-121", REMINDER);

    const found = await discovery().discover();

    expect(names(found)).toEqual(["1:acme/repo-007", "1:acme/repo-121"]);
    expect(github.count(REPOSITORIES_ROUTE)).toBe(2);
    expect(
      github.requests
        .filter((request) => request.route === REPOSITORIES_ROUTE)
        .map((request) => new URL(request.path, github.url).searchParams.get("page")),
    ).toEqual(["1", "2"]);
  });

  it("skips a suspended installation without asking a token for it", async () => {
    twoInstallations();
    github.setInstallations([
      { id: 1, account: "acme" },
      { id: 2, account: "octo-org", suspendedAt: "2026-01-02T00:00:00Z" },
    ]);

    const found = await discovery().discover();

    expect(names(found)).toEqual(["1:acme/api"]);
    expect(
      github.requests.filter((request) => request.route === TOKEN_ROUTE).map((r) => r.path),
    ).toEqual(["/app/installations/1/access_tokens"]);
    expect(warnings).toEqual([]);
  });

  it("skips an archived repository without reading its config", async () => {
    github.setInstallations([{ id: 1, account: "acme" }]);
    github.setRepositories(1, ["acme/api", { fullName: "acme/old", archived: true }]);
    setConfig("acme/api", REMINDER);
    setConfig("acme/old", REMINDER);

    const found = await discovery().discover();

    expect(names(found)).toEqual(["1:acme/api"]);
    expect(
      github.requests.filter(
        (request) =>
          request.route === CONTENTS_ROUTE && request.path.startsWith("/repos/acme/old/"),
      ),
    ).toEqual([]);
  });

  it("keeps a repository's finding when its config cannot be read, and finds none for one never read", async () => {
    twoInstallations();
    // octo-org's files answer 502 and nothing of it is cached: its first read throws.
    github.failContentsFor("octo-org", 502);
    const outage = new Set<string>();
    const found = discovery((configs) => ({
      load: (params) =>
        outage.has(`${params.owner}/${params.repo}`)
          ? Promise.reject(
              new RetryLaterError({ message: "the config cache is unavailable", retryAt: null }),
            )
          : configs.load(params),
    }));

    expect(names(await found.discover())).toEqual(["1:acme/api"]);
    expect(warnings).toEqual([
      "could not read a repository's config for reminders; keeping what was found before",
    ]);

    // Now acme/api's read fails (whatever cache it had) and octo-org answers again.
    github.failContentsFor("octo-org", null);
    outage.add("acme/api");
    warnings = [];
    const again = await found.discover();

    expect(names(again)).toEqual(["1:acme/api", "2:octo-org/site"]);
    expect(again.find((entry) => entry.repository === "acme/api")?.config.reminders).toHaveLength(
      1,
    );
    expect(warnings).toEqual([
      "could not read a repository's config for reminders; keeping what was found before",
    ]);
  });

  it("keeps an installation's findings when its repositories cannot be listed, and updates the others", async () => {
    twoInstallations();
    const found = discovery();
    expect(names(await found.discover())).toEqual(["1:acme/api", "2:octo-org/site"]);

    // Installation 1 is listed first: its list fails; installation 2 lost its repository.
    github.failNext({ route: REPOSITORIES_ROUTE, status: 502 });
    github.setRepositories(2, []);
    const again = await found.discover();

    expect(names(again)).toEqual(["1:acme/api"]);
    expect(warnings).toEqual([
      "could not list an installation's repositories for reminders; keeping what was found before",
    ]);
  });

  it("forgets an uninstalled installation's repositories on the next discovery", async () => {
    twoInstallations();
    const found = discovery();
    expect(names(await found.discover())).toEqual(["1:acme/api", "2:octo-org/site"]);

    github.setInstallations([{ id: 1, account: "acme" }]);

    expect(names(await found.discover())).toEqual(["1:acme/api"]);
    expect(warnings).toEqual([]);
  });

  it("keeps everything when the App's installations cannot be listed, asking nothing more", async () => {
    twoInstallations();
    const found = discovery();
    const first = await found.discover();
    expect(names(first)).toEqual(["1:acme/api", "2:octo-org/site"]);
    const before = github.requests.length;

    github.failNext({ route: INSTALLATIONS_ROUTE, status: 500 });
    const again = await found.discover();

    expect(again).toEqual(first);
    expect(github.requests.slice(before).map((request) => request.route)).toEqual([
      INSTALLATIONS_ROUTE,
    ]);
    expect(warnings).toEqual(["could not list the App's installations for reminders"]);
  });
});
