/**
 * The composition root's word on reminders without a GitHub App: reminders read GitHub's open
 * pull requests, so none runs without APP_ID and PRIVATE_KEY; a people file that asks for a
 * personal reminder then gets a warning at start-up instead of a reminder that silently never
 * comes.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { composeNotifier } from "../src/app.js";
import { createStore } from "../src/store/create-store.js";
import type { Store } from "../src/store/types.js";
import { readChannels } from "../src/settings/channels.js";
import { parsePeople } from "../src/settings/people.js";
import { createMetrics } from "../src/ops/metrics.js";
import pino from "pino";
import { testProbot } from "./helpers/pipeline.js";
import { tempDir } from "./helpers/temp-dir.js";

const dir = tempDir("notifier-app-");
let stores = 0;
let store: Store | null = null;

afterEach(async () => {
  await store?.close();
  store = null;
});

/** Composes the app without an App, with `people`, and answers its warnings. */
async function warningsComposing(people: string): Promise<string[]> {
  stores += 1;
  store = createStore(join(dir, `app-${stores}.db`));
  await store.migrate();
  const warnings: string[] = [];
  const log = pino(
    { level: "warn" },
    { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) },
  );
  const env = {
    SLACK_CHANNEL_ID: "C0123456789",
    SLACK_BOT_TOKEN: "xoxb-app-test",
  };
  const composed = composeNotifier({
    settings: {
      appId: null,
      channels: readChannels(env),
      configCacheTtlMs: 300_000,
      slackPaceMs: 0,
      burstSummaryAfter: 0,
      retentionMs: 0,
      webhookSecret: "app-test-secret",
      metricsToken: null,
      slackBotToken: env.SLACK_BOT_TOKEN,
      slackApiUrl: "https://slack.com/api/",
      people: parsePeople({ text: people, file: "people.yml" }),
    },
    probot: testProbot(),
    log,
    store,
    now: () => new Date(),
    metrics: createMetrics({ store, withDefaults: false }),
  });
  expect(composed.reminders).toBeNull();
  return warnings;
}

describe("reminders without a GitHub App", () => {
  it("warns that the people file's reminders are not sent", async () => {
    const warnings = await warningsComposing(
      "lisa: { slack: U0999ZZZZ, remind: 'weekdays at 09:00', timezone: Europe/Berlin }\n",
    );
    expect(warnings).toEqual([
      'SLACK_PEOPLE_FILE gives lisa a reminder (remind: "weekdays at 09:00"), but APP_ID and PRIVATE_KEY are not set: reminders read the pull requests waiting from GitHub as the App, so none is sent; set them, or remove remind',
    ]);
  });

  it("says nothing when nobody asked for one", async () => {
    expect(await warningsComposing("octocat: U0123ABCD\n")).toEqual([]);
  });
});
