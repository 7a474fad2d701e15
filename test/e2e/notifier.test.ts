/**
 * The built app as a user runs it: signed HTTP in, a loopback fake Slack out, a real SQLite file.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { join } from "node:path";
import { startApp, runAppExpectingExit, type AppProcess } from "../helpers/app-process.js";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.js";
import { sendDelivery } from "../helpers/webhook.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";
import { readRows } from "../helpers/sqlite-rows.js";
import { holdsFor } from "../helpers/wait.js";

const dir = tempDir("notifier-e2e-");
let slack: FakeSlack;
let dbCount = 0;
const running: AppProcess[] = [];

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.kill("SIGKILL");
  slack.reset();
});

function freshDb(): string {
  dbCount += 1;
  return join(dir, `notifier-${dbCount}.db`);
}

async function launch(env: Record<string, string>): Promise<AppProcess> {
  const app = await startApp({ env: { SLACK_PACE: "0", ...env } });
  running.push(app);
  return app;
}

describe("the running app", () => {
  it("posts a signed issues.opened delivery to Slack within a second", async () => {
    const dbPath = freshDb();
    const app = await launch({
      DATABASE_URL: dbPath,
      SLACK_WEBHOOK_URL: `${slack.url}/services/T1/B1/default`,
    });
    const payload = exampleOf("issues", "opened");
    const started = Date.now();
    const sent = await sendDelivery({ baseUrl: app.baseUrl, event: "issues", payload });
    expect(sent.status).toBe(200);

    const [post] = await slack.waitForAccepted(1, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(post?.path).toBe("/services/T1/B1/default");
    const issue = (payload as { issue: { title: string; html_url: string } }).issue;
    expect(post?.body.text).toContain(
      issue.title.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"),
    );
    expect(JSON.stringify(post?.body.blocks)).toContain(issue.html_url);

    await app.waitForLog((line) => line.deliveryId === sent.id && line.msg === "posted to Slack");
    const stored = readRows(dbPath, `SELECT id, status FROM deliveries`);
    expect(stored).toEqual([{ id: sent.id, status: "delivered" }]);
  });

  it("refuses a bad or missing signature with 4xx and stores nothing", async () => {
    const dbPath = freshDb();
    const app = await launch({
      DATABASE_URL: dbPath,
      SLACK_WEBHOOK_URL: `${slack.url}/services/T1/B1/default`,
    });
    const payload = exampleOf("issues", "opened");

    const wrongSecret = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload,
      secret: "not-the-secret",
    });
    const missing = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload,
      signature: null,
    });
    const garbage = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload,
      signature: "sha256=00",
    });
    for (const response of [wrongSecret, missing, garbage]) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    // Signed, but not JSON.
    const notJson = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload: null,
      rawBody: "{not json",
    });
    expect(notJson.status).toBe(400);

    expect(readRows(dbPath, `SELECT id FROM deliveries`)).toEqual([]);
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/notifier_deliveries_rejected_total\{status="400"\} 4/);
    expect(slack.posts).toHaveLength(0);
  });

  it("answers 413 to a body over GitHub's 25 MB cap and stores nothing", async () => {
    const dbPath = freshDb();
    const app = await launch({ DATABASE_URL: dbPath });
    const huge = Buffer.alloc(25 * 1024 * 1024 + 10, 0x20);
    const response = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload: null,
      rawBody: huge,
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.text)).toEqual({ error: expect.stringContaining("25 MB") });
    expect(readRows(dbPath, `SELECT id FROM deliveries`)).toEqual([]);
  });

  it("posts one message for a delivery id sent three times", async () => {
    const dbPath = freshDb();
    const app = await launch({
      DATABASE_URL: dbPath,
      SLACK_WEBHOOK_URL: `${slack.url}/services/T1/B1/default`,
    });
    const payload = exampleOf("pull_request", "opened");
    const first = await sendDelivery({ baseUrl: app.baseUrl, event: "pull_request", payload });
    const again = await Promise.all([
      sendDelivery({ baseUrl: app.baseUrl, event: "pull_request", payload, id: first.id }),
      sendDelivery({ baseUrl: app.baseUrl, event: "pull_request", payload, id: first.id }),
    ]);
    expect([first, ...again].map((r) => r.status)).toEqual([200, 200, 200]);
    await slack.waitForAccepted(1);
    await app.waitForLog((line) => line.deliveryId === first.id && line.msg === "posted to Slack");
    // Give a wrongly queued second copy the time it would need to arrive.
    await holdsFor(() => expect(slack.posts).toHaveLength(1), { ms: 500 });
    expect(readRows(dbPath, `SELECT count(*) AS n FROM deliveries`)).toEqual([{ n: 1 }]);
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/notifier_deliveries_duplicate_total 2/);
  });

  it("delivers after a SIGKILL that struck after the acknowledgement and before Slack answered", async () => {
    const dbPath = freshDb();
    const env = { DATABASE_URL: dbPath, SLACK_WEBHOOK_URL: `${slack.url}/services/T1/B1/default` };
    const app = await launch(env);
    // Slack receives the post but never answers: the process dies inside the documented window.
    slack.answer = () => ({ hang: true });
    const sent = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "issues",
      payload: exampleOf("issues", "opened"),
    });
    expect(sent.status).toBe(200);
    await vi.waitFor(() => expect(slack.posts).toHaveLength(1), { timeout: 10_000 });
    await app.kill("SIGKILL");

    slack.answer = () => ({ status: 200 });
    const restarted = await launch(env);
    const accepted = await slack.waitForAccepted(1, 45_000);
    expect(accepted).toHaveLength(1);
    // Slack saw the message twice: once unanswered before the kill, once accepted after.
    expect(slack.posts).toHaveLength(2);
    await restarted.waitForLog(
      (line) => line.deliveryId === sent.id && line.msg === "posted to Slack",
    );
    expect(readRows(dbPath, `SELECT status FROM deliveries`)).toEqual([{ status: "delivered" }]);
  }, 60_000);

  it("answers health and metrics", async () => {
    const app = await launch({ DATABASE_URL: freshDb() });
    const health = await fetch(`${app.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toContain('notifier_deliveries{status="pending"} 0');
    expect(metrics).toContain("notifier_queue_depth 0");
  });

  it("logs messages instead of posting when no Slack URL is configured, and says so at start-up", async () => {
    const app = await launch({ DATABASE_URL: freshDb() });
    await app.waitForLog((line) => /no Slack webhook URL or channel id is configured/.test(line.msg));
    const sent = await sendDelivery({
      baseUrl: app.baseUrl,
      event: "star",
      payload: exampleOf("star", "created"),
    });
    const logged = await app.waitForLog(
      (line) => line.deliveryId === sent.id && line.msg === "posted to Slack",
    );
    expect(logged.channel).toBe("default");
  });
});

describe("start-up checks", () => {
  it("refuses to start without WEBHOOK_SECRET", async () => {
    const result = await runAppExpectingExit({
      env: { DATABASE_URL: freshDb() },
      unset: ["WEBHOOK_SECRET"],
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("WEBHOOK_SECRET is not set");
  });

  it("refuses Probot's `development` fallback secret", async () => {
    const result = await runAppExpectingExit({
      env: { DATABASE_URL: freshDb(), WEBHOOK_SECRET: "development" },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("WEBHOOK_SECRET is `development`");
  });

  it("names the variable of a bad setting", async () => {
    const result = await runAppExpectingExit({
      env: { DATABASE_URL: freshDb(), SLACK_PACE: "fast" },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("SLACK_PACE");
  });
});
