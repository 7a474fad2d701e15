/** `WEBHOOK_PROXY_URL`: deliveries relayed from a smee channel reach Slack like direct ones. */
import { afterAll, expect, it } from "vitest";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { startApp, type AppProcess } from "../helpers/app-process.js";
import { startFakeSlack } from "../helpers/fake-slack.js";
import { startFakeSmee } from "../helpers/fake-smee.js";
import { sign } from "../helpers/webhook.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("notifier-relay-");
let app: AppProcess | null = null;
afterAll(async () => {
  await app?.kill("SIGKILL");
});

it("relays a signed delivery from the smee channel to Slack", async () => {
  const slack = await startFakeSlack();
  const smee = await startFakeSmee();
  try {
    app = await startApp({
      env: {
        DATABASE_URL: join(dir, "relay.db"),
        SLACK_WEBHOOK_URL: `${slack.url}/services/T1/B1/relay`,
        SLACK_PACE: "0",
        WEBHOOK_PROXY_URL: smee.url,
      },
    });
    await smee.connected();
    await app.waitForLog((line) => /relaying webhook deliveries/.test(line.msg));

    const payload = exampleOf("issues", "opened");
    const id = randomUUID();
    smee.push({
      headers: {
        "x-github-event": "issues",
        "x-github-delivery": id,
        // smee forwards the parsed body re-serialised; GitHub's compact JSON survives that.
        "x-hub-signature-256": sign(JSON.stringify(payload)),
      },
      body: payload,
    });
    const [post] = await slack.waitForAccepted(1);
    const issue = (payload as { issue: { html_url: string } }).issue;
    expect(JSON.stringify(post?.body)).toContain(issue.html_url);
    await app.waitForLog((line) => line.deliveryId === id && line.msg === "posted to Slack");
  } finally {
    await smee.close();
    await slack.close();
  }
});
