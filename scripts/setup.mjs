#!/usr/bin/env node
// `npm run setup`: writes .env from .env.example with a freshly generated WEBHOOK_SECRET,
// unless .env exists already (it is never overwritten).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

if (existsSync(".env")) {
  console.log("setup: .env exists already; left as it is");
} else {
  const secret = randomBytes(32).toString("hex");
  const text = readFileSync(".env.example", "utf8").replace(/^WEBHOOK_SECRET=.*$/m, `WEBHOOK_SECRET=${secret}`);
  writeFileSync(".env", text, { mode: 0o600 });
  console.log("setup: wrote .env with a new WEBHOOK_SECRET; add your App's APP_ID, PRIVATE_KEY and SLACK_WEBHOOK_URL (or SLACK_BOT_TOKEN and SLACK_CHANNEL_ID for Slack app mode) there");
}
