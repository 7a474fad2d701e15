/**
 * `notifier deliveries list|show`, `replay` and `redeliver` against a real SQLite file that the
 * in-process pipeline filled, with Slack and GitHub mocked by nock.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import nock from "nock";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { startPipeline, testPrivateKey, type Pipeline } from "../helpers/pipeline.js";
import { cli } from "../helpers/cli.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";
import { redeliverCommand } from "../../src/cli/redeliver-command.js";

const dir = tempDir("notifier-cli-deliveries-");
const databaseUrl = join(dir, "cli.db");
const SLACK = "https://hooks.slack.com";
const PATH = "/services/T000/B000/cli";
const env = { DATABASE_URL: databaseUrl, SLACK_WEBHOOK_URL: `${SLACK}${PATH}` };
let pipeline: Pipeline;
const ids = { delivered: randomUUID(), dead: randomUUID(), skipped: randomUUID() };

async function settle(id: string, status: string) {
  await vi.waitFor(async () => expect((await pipeline.store.getDelivery(id))?.status).toBe(status), {
    timeout: 5_000,
    interval: 20,
  });
}

beforeAll(async () => {
  pipeline = await startPipeline({ databaseUrl, env });
  nock(SLACK).post(PATH).reply(200, "ok");
  await pipeline.probot.receive({ id: ids.delivered, name: "issues", payload: exampleOf("issues", "opened") } as never);
  await settle(ids.delivered, "delivered");
  nock(SLACK).post(PATH).reply(404, "channel_not_found");
  await pipeline.probot.receive({ id: ids.dead, name: "star", payload: exampleOf("star", "created") } as never);
  await settle(ids.dead, "dead");
  await pipeline.probot.receive({ id: ids.skipped, name: "issues", payload: exampleOf("issues", "edited") } as never);
  await settle(ids.skipped, "skipped");
});
afterAll(async () => {
  await pipeline.stop();
  nock.cleanAll();
});

describe("notifier deliveries", () => {
  it("lists deliveries newest first, filtered by status and repository", async () => {
    const all = await cli(["deliveries", "list"], { env });
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split("\n");
    expect(lines.map((line) => line.split(/\s+/)[1])).toEqual([ids.skipped, ids.dead, ids.delivered]);

    const dead = await cli(["deliveries", "list", "--status", "dead"], { env });
    expect(dead.stdout).toContain(ids.dead);
    expect(dead.stdout).toContain("star.created");
    expect(dead.stdout).toContain("channel_not_found");
    expect(dead.stdout).not.toContain(ids.delivered);

    const none = await cli(["deliveries", "list", "--repo", "nobody/nothing"], { env });
    expect(none.stdout).toBe("no deliveries match\n");
    const bad = await cli(["deliveries", "list", "--status", "lost"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--status must be one of pending, processing, delivered, skipped, failed, dead");
  });

  it("shows one delivery with its notifications and history", async () => {
    const run = await cli(["deliveries", "show", ids.dead], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`delivery   ${ids.dead}`);
    expect(run.stdout).toContain("status     dead");
    expect(run.stdout).toMatch(/default\s+dead\s+posts: 1, error: Slack answered 404: channel_not_found/);
    expect(run.stdout).toMatch(/routing\s+routed\s+star\.created -> default/);
    const missing = await cli(["deliveries", "show", "no-such-id"], { env });
    expect([missing.code, missing.stderr]).toEqual([1, "notifier: no delivery no-such-id in the store\n"]);
  });
});

describe("notifier replay", () => {
  it("does not post again to a channel that got the message, unless --force", async () => {
    const plain = await cli(["replay", ids.delivered], { env });
    expect(plain.stdout).toContain("already sent to default: not posted again; --force to post anyway");
    await settle(ids.delivered, "delivered");
    expect(nock.pendingMocks()).toEqual([]);

    const scope = nock(SLACK).post(PATH).reply(200, "ok");
    const forced = await cli(["replay", ids.delivered, "--force"], { env });
    expect(forced.stdout).toContain("posting again, --force");
    pipeline.worker.wake();
    await vi.waitFor(() => expect(scope.isDone()).toBe(true), { timeout: 10_000, interval: 50 });
    await settle(ids.delivered, "delivered");
  });

  it("sends dead deliveries again with --status dead", async () => {
    const scope = nock(SLACK).post(PATH).reply(200, "ok");
    const run = await cli(["replay", "--status", "dead"], { env });
    expect(run.stdout).toContain(`replaying ${ids.dead}`);
    pipeline.worker.wake();
    await settle(ids.dead, "delivered");
    expect(scope.isDone()).toBe(true);
    const history = (await pipeline.store.getAttempts(ids.dead)).map((a) => a.outcome);
    expect(history).toEqual(["routed", "dead", "replay", "routed", "sent"]);
  });

  it("refuses unknown ids and bad arguments", async () => {
    const unknown = await cli(["replay", "no-such-id"], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no delivery no-such-id in the store");
    expect((await cli(["replay"], { env })).code).toBe(2);
    expect((await cli(["replay", "x", "--status", "dead"], { env })).stderr).toContain("not both");
  });
});

describe("notifier redeliver", () => {
  it("asks GitHub to redeliver a failed delivery the store has not seen", async () => {
    const keyPath = join(dir, "app.pem");
    writeFileSync(keyPath, testPrivateKey());
    const now = new Date();
    const missedGuid = randomUUID();
    const github = nock("https://api.github.com")
      .get("/app/hook/deliveries")
      .query(true)
      .reply(200, [
        {
          id: 9001,
          guid: missedGuid,
          delivered_at: new Date(now.getTime() - 60_000).toISOString(),
          redelivery: false,
          duration: 10,
          status: "Invalid HTTP Response: 502",
          status_code: 502,
          event: "issues",
          action: "opened",
          installation_id: 1,
          repository_id: 1,
        },
        {
          id: 9000,
          guid: ids.delivered,
          delivered_at: new Date(now.getTime() - 120_000).toISOString(),
          redelivery: false,
          duration: 10,
          status: "OK",
          status_code: 200,
          event: "issues",
          action: "opened",
          installation_id: 1,
          repository_id: 1,
        },
      ])
      .post("/app/hook/deliveries/9001/attempts")
      .reply(202, {});
    let stdout = "";
    let stderr = "";
    const code = await redeliverCommand({
      io: {
        env: { ...env, WEBHOOK_SECRET: "cli-secret", APP_ID: "1", PRIVATE_KEY_PATH: keyPath },
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
        cwd: dir,
      },
      since: "1h",
      dryRun: false,
      now,
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain(`${missedGuid}  issues.opened`);
    expect(stdout).toContain("asked");
    expect(stdout).toContain("2 log entries read, 1 missed");
    expect(github.isDone()).toBe(true);
  });

  it("needs the App's credentials", async () => {
    await expect(
      redeliverCommand({
        io: { env: { ...env, WEBHOOK_SECRET: "x" }, stdout: () => {}, stderr: () => {}, cwd: dir },
        since: undefined,
        dryRun: true,
        now: new Date(),
      }),
    ).rejects.toThrow("redeliver needs the App's credentials");
  });
});
