/**
 * The adversarial suite: hostile tenants attack the built app through what a repository
 * controls (its `.github/notifier.yml`, the files it names, the events it causes), and a
 * neighbour tenant measures what it sees meanwhile. A neighbour's `/healthz` must answer within
 * 2 s, its delivery be acknowledged within 2 s and posted within 5 s; nothing one owner may
 * read or use may reach another. Receipt attacks by strangers without the secret (oversized
 * bodies, replays, file modes) are in `receipt-attacks.test.ts`.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startApp, type AppProcess } from "../helpers/app-process.js";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.js";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.js";
import { exampleOf } from "../helpers/examples.js";
import { sendDelivery } from "../helpers/webhook.js";
import { tempDir } from "../helpers/temp-dir.js";
import { writeTestAppKey } from "../helpers/app-key.js";
import { readRows } from "../helpers/sqlite-rows.js";

const CONFIG_PATH = ".github/notifier.yml";
const CONTENTS = "GET /repos/{owner}/{repo}/contents/{path}";

/** The neighbour: a well-behaved owner whose alerts must keep flowing. */
const GOOD = { owner: "goodorg", repo: "api", installation: 101 } as const;
/** The attacker: another owner with the App installed, in full control of its repositories. */
const EVIL = { owner: "evil", installation: 666 } as const;

const DEFAULT_PATH = "/services/T1/B0/default";
const GOOD_PATH = "/services/T1/B1/good-alerts";
const SHARED_PATH = "/services/T1/B2/shared";

const GOOD_CONFIG = "routes:\n  - on: [issues.opened, issues.reopened]\n    channel: good-alerts\n";

const dir = tempDir("notifier-e2e-tenants-");
let github: FakeGitHub;
let slack: FakeSlack;
let keyPath: string;
let launches = 0;
const running: AppProcess[] = [];

beforeAll(async () => {
  [github, slack] = await Promise.all([startFakeGitHub(), startFakeSlack()]);
  keyPath = writeTestAppKey(dir);
  github.setFile({ ...GOOD, path: CONFIG_PATH, text: GOOD_CONFIG });
});
afterAll(async () => {
  await Promise.all([github.close(), slack.close()]);
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.kill("SIGKILL");
  slack.reset();
});

async function launch(
  params: { env?: Record<string, string>; dbPath?: string } = {},
): Promise<{ app: AppProcess; dbPath: string }> {
  launches += 1;
  const dbPath = params.dbPath ?? join(dir, `tenants-${launches}.db`);
  const app = await startApp({
    env: {
      APP_ID: "1",
      PRIVATE_KEY_PATH: keyPath,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      DATABASE_URL: dbPath,
      SLACK_WEBHOOK_URL: `${slack.url}${DEFAULT_PATH}`,
      SLACK_WEBHOOK_URL_GOOD_ALERTS: `${slack.url}${GOOD_PATH}`,
      SLACK_CHANNEL_OWNERS_GOOD_ALERTS: GOOD.owner,
      SLACK_WEBHOOK_URL_SHARED: `${slack.url}${SHARED_PATH}`,
      SLACK_PACE: "0",
      BURST_SUMMARY_AFTER: "0",
      REDELIVERY_INTERVAL: "0",
      LOG_LEVEL: "info",
      ...params.env,
    },
  });
  running.push(app);
  return { app, dbPath };
}

/** A real `issues` example, moved into `owner/repo` under `installation`. */
function issueOf(params: {
  owner: string;
  repo: string;
  installation: number;
  action?: "opened" | "reopened";
  title: string;
  login?: string;
}): Record<string, unknown> {
  const payload = structuredClone(exampleOf("issues", params.action ?? "opened")) as unknown as {
    repository: { name: string; full_name: string; owner: { login: string }; html_url: string };
    issue: { title: string; body: string | null };
    sender: { login: string };
    installation?: { id: number };
  };
  payload.repository.name = params.repo;
  payload.repository.full_name = `${params.owner}/${params.repo}`;
  payload.repository.owner.login = params.owner;
  payload.repository.html_url = `https://github.com/${params.owner}/${params.repo}`;
  payload.issue.title = params.title;
  // Every delivery GitHub sends has a body of its own; the same body twice is a replay.
  payload.issue.body = `nonce ${randomUUID()}`;
  if (params.login !== undefined) payload.sender.login = params.login;
  payload.installation = { id: params.installation };
  return payload as unknown as Record<string, unknown>;
}

async function waitForDelivery(
  dbPath: string,
  id: string,
  statuses: readonly string[],
  // A poisoned delivery held by a killed process waits for its 15 s lease to expire.
  timeout = 30_000,
): Promise<{ status: string; reason: string | null; error: string | null }> {
  let found: { status: string; reason: string | null; error: string | null } | undefined;
  await vi.waitFor(
    () => {
      [found] = readRows<{ status: string; reason: string | null; error: string | null }>(
        dbPath,
        "SELECT status, reason, error FROM deliveries WHERE id = ?",
        id,
      );
      expect(statuses).toContain(found?.status);
    },
    { timeout, interval: 50 },
  );
  return found as { status: string; reason: string | null; error: string | null };
}

/**
 * What the neighbour sees while an attack runs: `/healthz` within 2 s, its delivery
 * acknowledged within 2 s and posted to its own channel within 5 s.
 */
async function neighbourIsServed(app: AppProcess, label: string): Promise<void> {
  const healthStart = performance.now();
  const health = await fetch(`${app.baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
  expect(health.status).toBe(200);
  const healthMs = performance.now() - healthStart;
  expect(healthMs).toBeLessThan(2_000);

  const marker = `neighbour-${randomUUID().slice(0, 8)}`;
  const sentAt = performance.now();
  const sent = await Promise.race([
    sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload: issueOf({ ...GOOD, title: `${label} ${marker}` }),
    }),
    new Promise<never>((_, reject) =>
      setTimeout(
        () =>
          reject(new Error(`${label}: the neighbour's delivery was not acknowledged within 2 s`)),
        2_000,
      ),
    ),
  ]);
  expect(sent.status).toBe(200);
  const ackMs = performance.now() - sentAt;
  expect(ackMs).toBeLessThan(2_000);

  await vi.waitFor(
    () => {
      const post = slack.posts.find((candidate) => (candidate.body.text ?? "").includes(marker));
      expect(post, `${label}: the neighbour's alert was not posted within 5 s`).toBeDefined();
      expect(post?.path).toBe(GOOD_PATH);
    },
    { timeout: 5_000, interval: 25 },
  );
  const postedMs = performance.now() - sentAt;
  console.info(
    `neighbour during "${label}": /healthz ${healthMs.toFixed(0)} ms, acknowledged ${ackMs.toFixed(0)} ms, posted ${postedMs.toFixed(0)} ms`,
  );
}

describe("a hostile tenant cannot stall its neighbours", () => {
  it("survives a catastrophic-backtracking title regex", async () => {
    github.setFile({
      owner: EVIL.owner,
      repo: "redos",
      path: CONFIG_PATH,
      text: 'routes:\n  - on: [issues.opened]\n    title: "^(a+)+$"\n',
    });
    const { app, dbPath } = await launch();
    const poison = await Promise.all(
      Array.from({ length: 5 }, () =>
        sendDelivery({
          baseUrl: app.baseUrl,
          event: "issues",
          payload: issueOf({
            owner: EVIL.owner,
            repo: "redos",
            installation: EVIL.installation,
            title: `${"a".repeat(40)}!`,
          }),
        }),
      ),
    );
    expect(poison.map((sent) => sent.status)).toEqual([200, 200, 200, 200, 200]);
    await neighbourIsServed(app, "redos");
    // The pattern is refused at validation or runs in linear time; either way the attack's
    // deliveries were decided, not left hanging.
    for (const sent of poison) {
      await waitForDelivery(dbPath, sent.id, ["skipped", "delivered"]);
    }
  });

  it("survives wildcard-heavy globs against a long login", async () => {
    github.setFile({
      owner: EVIL.owner,
      repo: "globs",
      path: CONFIG_PATH,
      text: 'ignore:\n  authors: ["*a*a*a*a*a*a*a*a*a*a*a*a*b"]\nroutes:\n  - on: [issues.opened]\n    authors: ["*a*a*a*a*a*a*a*a*a*a*a*a*c"]\n',
    });
    const { app, dbPath } = await launch();
    const sent = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload: issueOf({
        owner: EVIL.owner,
        repo: "globs",
        installation: EVIL.installation,
        title: "globs",
        login: "a".repeat(5_000),
      }),
    });
    expect(sent.status).toBe(200);
    await neighbourIsServed(app, "globs");
    await waitForDelivery(dbPath, sent.id, ["skipped", "delivered"]);
  });

  it("survives a 1 MB config of 90,000 unknown keys and a 10,000-route config", async () => {
    github.setFile({
      owner: EVIL.owner,
      repo: "huge",
      path: CONFIG_PATH,
      text: Array.from({ length: 90_000 }, (_, index) => `k${index}: 1`).join("\n"),
    });
    github.setFile({
      owner: EVIL.owner,
      repo: "routes",
      path: CONFIG_PATH,
      text: `routes:\n${'  - on: ["issues.*"]\n    authors: ["*x*y*"]\n'.repeat(10_000)}`,
    });
    const { app, dbPath } = await launch();
    const attacks = await Promise.all(
      ["huge", "routes", "huge", "routes"].map((repo) =>
        sendDelivery({
          baseUrl: app.baseUrl,
          event: "issues",
          payload: issueOf({
            owner: EVIL.owner,
            repo,
            installation: EVIL.installation,
            title: repo,
          }),
        }),
      ),
    );
    await neighbourIsServed(app, "huge configs");
    for (const sent of attacks) await waitForDelivery(dbPath, sent.id, ["skipped", "delivered"]);
    // Refused at validation: the limits are named in the log the operator reads.
    const refused = app.logs.filter((line) => /config has errors/.test(line.msg));
    expect(JSON.stringify(refused)).toMatch(/KiB|limit|at most/i);
  });

  it("keeps serving others while one tenant's config reads fail", async () => {
    github.failContentsFor(EVIL.owner, 500);
    try {
      const { app, dbPath } = await launch();
      const failing = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          sendDelivery({
            baseUrl: app.baseUrl,
            event: "issues",
            payload: issueOf({
              owner: EVIL.owner,
              repo: `down-${index}`,
              installation: EVIL.installation,
              title: "down",
            }),
          }),
        ),
      );
      expect(failing.every((sent) => sent.status === 200)).toBe(true);
      await neighbourIsServed(app, "GitHub 500 for one tenant");
      await neighbourIsServed(app, "GitHub 500 for one tenant, again");
      // The failing tenant's deliveries wait for GitHub, retried on the schedule.
      const [sample] = failing;
      const state = await waitForDelivery(dbPath, sample?.id ?? "", ["failed"]);
      expect(state.error).toMatch(/500|unavailable|GitHub/i);
    } finally {
      github.failContentsFor(EVIL.owner, null);
    }
  }, 60_000);

  it("is not stalled again by the same poisoned deliveries after a restart", async () => {
    github.setFile({
      owner: EVIL.owner,
      repo: "redos",
      path: CONFIG_PATH,
      text: 'routes:\n  - on: [issues.opened]\n    title: "^(a+)+$"\n',
    });
    const first = await launch();
    const poison = await Promise.all(
      Array.from({ length: 5 }, () =>
        sendDelivery({
          baseUrl: first.app.baseUrl,
          event: "issues",
          payload: issueOf({
            owner: EVIL.owner,
            repo: "redos",
            installation: EVIL.installation,
            title: `${"a".repeat(40)}!`,
          }),
        }),
      ),
    );
    await first.app.kill("SIGKILL");
    const { app } = await launch({ dbPath: first.dbPath });
    await neighbourIsServed(app, "restart");
    for (const sent of poison)
      await waitForDelivery(first.dbPath, sent.id, ["skipped", "delivered"]);
  }, 60_000);
});

describe("nothing of one owner reaches another", () => {
  it("does not route an installation by a private file only another installation can read", async () => {
    // goodorg's private shared config announces reopened issues; the defaults do not.
    github.setFile({
      owner: GOOD.owner,
      repo: "secret",
      path: CONFIG_PATH,
      text: "routes:\n  - on: [issues.reopened]\n    channel: shared\n",
      readableBy: [GOOD.installation],
    });
    github.setFile({
      owner: GOOD.owner,
      repo: "uses-secret",
      path: CONFIG_PATH,
      text: "_extends: secret\n",
    });
    github.setFile({
      owner: EVIL.owner,
      repo: "thief",
      path: CONFIG_PATH,
      text: "_extends: goodorg/secret\n",
    });
    const { app, dbPath } = await launch();

    // goodorg reads (and so caches) its private file first.
    const good = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload: issueOf({
        owner: GOOD.owner,
        repo: "uses-secret",
        installation: GOOD.installation,
        action: "reopened",
        title: "good reopened",
      }),
    });
    await waitForDelivery(dbPath, good.id, ["delivered"]);
    expect(slack.posts.filter((post) => post.path === SHARED_PATH)).toHaveLength(1);

    const stolen = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload: issueOf({
        owner: EVIL.owner,
        repo: "thief",
        installation: EVIL.installation,
        action: "reopened",
        title: "evil reopened",
      }),
    });
    const state = await waitForDelivery(dbPath, stolen.id, [
      "skipped",
      "delivered",
      "failed",
      "dead",
    ]);
    expect(state.status).toBe("skipped");
    expect(slack.posts.filter((post) => post.path === SHARED_PATH)).toHaveLength(1);
    expect(slack.posts.some((post) => (post.body.text ?? "").includes("evil reopened"))).toBe(
      false,
    );

    // evil's installation asked GitHub itself, with its own token, and was refused.
    const evilReads = github.requests.filter(
      (request) =>
        request.route === CONTENTS &&
        request.path.startsWith("/repos/goodorg/secret/") &&
        github.installationOf((request.authorization ?? "").replace(/^token /, "")) ===
          EVIL.installation,
    );
    expect(evilReads.length).toBeGreaterThanOrEqual(1);
    expect(evilReads.every((request) => request.status === 404)).toBe(true);
  });

  it("keeps a channel reserved for its owners on every path: no config, no channel named, last valid config", async () => {
    github.setFile({
      owner: EVIL.owner,
      repo: "no-channel",
      path: CONFIG_PATH,
      text: "routes:\n  - on: [issues.opened]\n",
    });
    github.setFile({
      owner: EVIL.owner,
      repo: "was-shared",
      path: CONFIG_PATH,
      text: "routes:\n  - on: [issues.opened]\n    channel: shared\n",
    });

    // Before the operator reserves `shared`, evil uses it and the config becomes its last valid one.
    const before = await launch();
    const allowed = await sendDelivery({
      baseUrl: before.app.baseUrl,
      event: "issues",
      payload: issueOf({
        owner: EVIL.owner,
        repo: "was-shared",
        installation: EVIL.installation,
        title: "allowed then",
      }),
    });
    await waitForDelivery(before.dbPath, allowed.id, ["delivered"]);
    await before.app.kill("SIGTERM");
    slack.reset();

    // The operator reserves `default` and `shared` for goodorg and restarts on the same store.
    const { app, dbPath } = await launch({
      dbPath: before.dbPath,
      env: { SLACK_CHANNEL_OWNERS_DEFAULT: GOOD.owner, SLACK_CHANNEL_OWNERS_SHARED: GOOD.owner },
    });
    const attempts = await Promise.all(
      [
        { repo: "no-config", title: "default routes" },
        { repo: "no-channel", title: "route without channel" },
        { repo: "was-shared", title: "last valid config" },
      ].map(({ repo, title }) =>
        sendDelivery({
          baseUrl: app.baseUrl,
          event: "issues",
          payload: issueOf({ owner: EVIL.owner, repo, installation: EVIL.installation, title }),
        }),
      ),
    );
    for (const sent of attempts) {
      const state = await waitForDelivery(dbPath, sent.id, [
        "skipped",
        "delivered",
        "failed",
        "dead",
      ]);
      expect(state.status, JSON.stringify(state)).toBe("skipped");
      expect(state.reason).toMatch(/reserved/);
    }
    // The owner it is reserved for still gets through.
    await neighbourIsServed(app, "after reserving");
    const defaultGood = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload: issueOf({
        owner: GOOD.owner,
        repo: "no-config",
        installation: GOOD.installation,
        title: "good default",
      }),
    });
    await waitForDelivery(dbPath, defaultGood.id, ["delivered"]);
    expect(slack.posts.filter((post) => post.path === SHARED_PATH)).toEqual([]);
    expect(slack.posts.filter((post) => post.path === DEFAULT_PATH)).toHaveLength(1);
    expect(
      slack.posts.some((post) =>
        /default routes|route without channel|last valid config/.test(post.body.text ?? ""),
      ),
    ).toBe(false);
  });
});

describe("operator endpoints", () => {
  it("puts /metrics behind METRICS_TOKEN and tells /healthz callers only up or down", async () => {
    const token = "metrics-token-7c1d9e2a4b";
    const { app } = await launch({ env: { METRICS_TOKEN: token } });
    const anonymous = await fetch(`${app.baseUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toMatch(/notifier_/);
    const wrong = await fetch(`${app.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${token}x` },
    });
    expect(wrong.status).toBe(401);
    const authorised = await fetch(`${app.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(authorised.status).toBe(200);
    expect(await authorised.text()).toMatch(/notifier_deliveries_received_total/);
    const health = await fetch(`${app.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
  });
});
