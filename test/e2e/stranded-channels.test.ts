/**
 * A channel the operator removes while messages wait for it: the built app keeps the rows
 * (nothing lost) and says at start-up how many wait and which setting would post them.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startApp, unpacedEnv } from "../helpers/app-process.js";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.js";
import { distinctExample } from "../helpers/examples.js";
import { sendDelivery } from "../helpers/webhook.js";
import { readRows } from "../helpers/sqlite-rows.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("notifier-e2e-stranded-");
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
  // Slack fails every post: the message waits in the store for its retry.
  slack.answer = () => ({ status: 500, body: "internal_error" });
});
afterAll(async () => {
  await slack.close();
});

describe("messages waiting for a channel that is no longer configured", () => {
  it("are kept, and the app says at start-up how many wait and what to set", async () => {
    const dbPath = join(dir, "stranded.db");
    const first = await startApp({
      env: unpacedEnv({ databaseUrl: dbPath, slackUrl: `${slack.url}/services/T1/B1/default` }),
    });
    const sent = await sendDelivery({
      baseUrl: first.baseUrl,
      event: "issues",
      payload: distinctExample("issues", "opened"),
    });
    expect(sent.status).toBe(200);
    await vi.waitFor(
      () =>
        expect(
          readRows(dbPath, `SELECT status FROM notifications WHERE delivery_id = ?`, sent.id),
        ).toEqual([{ status: "failed" }]),
      { timeout: 10_000, interval: 50 },
    );
    await first.kill("SIGTERM");

    // The operator replaces channel `default` with `ops`.
    const second = await startApp({
      env: {
        DATABASE_URL: dbPath,
        SLACK_WEBHOOK_URL_OPS: `${slack.url}/services/T1/B1/ops`,
        SLACK_PACE: "0",
        LOG_LEVEL: "info",
      },
    });
    try {
      const line = await second.waitForLog((entry) => entry.stranded === true);
      expect(line.msg).toBe(
        '1 notification waits for channel "default", which is not configured: set SLACK_WEBHOOK_URL (or SLACK_CHANNEL_ID) to post them, or replay their deliveries (notifier replay)',
      );
      expect(
        readRows(dbPath, `SELECT status FROM notifications WHERE delivery_id = ?`, sent.id),
      ).toEqual([{ status: "failed" }]);
    } finally {
      await second.kill("SIGTERM");
    }
  }, 60_000);
});
