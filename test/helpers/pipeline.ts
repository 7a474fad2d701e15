/**
 * The pipeline in-process: a Probot with the receiver loaded, a real store, the worker and a
 * poster, built by the app's own composition root (`composeNotifier`), so tests never test a
 * copy of the wiring. For integration tests that drive `probot.receive`.
 */
import { testAppKey } from "./app-key.js";
import { Probot, ProbotOctokit } from "probot";
import pino from "pino";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createMetrics, type Metrics } from "../../src/ops/metrics.js";
import type { Worker } from "../../src/worker/worker.js";
import { composeNotifier } from "../../src/app.js";
import { createSlackPoster } from "../../src/slack/poster.js";
import { NO_PEOPLE, type PeopleDirectory } from "../../src/settings/people.js";
import { readChannels, type ChannelRegistry } from "../../src/settings/channels.js";
import type { ConfigSource } from "../../src/repo-config/config-source.js";

/** Octokit without retries or throttling, so nock answers are seen as they are. */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));

/** A real RSA key, made once per test process, for App (JWT) authentication against nock. */
export { testAppKey as testPrivateKey } from "./app-key.js";

export function testProbot(): Probot {
  return new Probot({
    appId: 1,
    privateKey: testAppKey(),
    secret: "pipeline-test-secret",
    Octokit: TestOctokit,
    log: pino({ level: "silent" }),
  });
}

export interface Pipeline {
  probot: Probot;
  store: Store;
  worker: Worker;
  metrics: Metrics;
  channels: ChannelRegistry;
  stop(): Promise<void>;
}

/**
 * @example
 * const pipeline = await startPipeline({ databaseUrl: join(dir, "p.db"), env: { SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" } });
 * await pipeline.probot.receive({ id, name: "issues", payload });
 */
export async function startPipeline(params: {
  databaseUrl: string;
  env: Record<string, string>;
  configs?: ConfigSource;
  slackPaceMs?: number;
  burstSummaryAfter?: number;
  leaseMs?: number;
  retentionMs?: number;
  /** The operator's people file, parsed; nobody when absent. */
  people?: PeopleDirectory;
  /** The worker's routing deadline; 60 s when absent. */
  routingDeadlineMs?: number;
  /** How long the worker sleeps with nothing to do; 200 ms when absent. */
  idlePollMs?: number;
  /** A store to use (migrated here) instead of opening `databaseUrl`: e.g. one that counts calls. */
  store?: Store;
  /** Start the worker (default); false leaves `worker.start()` to the test. */
  startWorker?: boolean;
  now?: () => Date;
}): Promise<Pipeline> {
  const probot = testProbot();
  const log = pino({ level: "silent" });
  const store = params.store ?? createStore(params.databaseUrl);
  await store.migrate();
  const metrics = createMetrics({ store, withDefaults: false });
  const channels = readChannels(params.env);
  const { worker, receiver } = composeNotifier({
    settings: {
      // No App: repository config comes from `params.configs`, else the default routes.
      appId: null,
      channels,
      configCacheTtlMs: 300_000,
      slackPaceMs: params.slackPaceMs ?? 0,
      burstSummaryAfter: params.burstSummaryAfter ?? 0,
      retentionMs: params.retentionMs ?? 0,
      webhookSecret: "pipeline-test-secret",
      metricsToken: null,
      // Bot channels (SLACK_CHANNEL_ID*) post through the Web API at SLACK_API_URL.
      slackBotToken: params.env.SLACK_BOT_TOKEN ?? null,
      slackApiUrl: params.env.SLACK_API_URL ?? "https://slack.com/api/",
      people: params.people ?? NO_PEOPLE,
    },
    probot,
    log,
    store,
    now: params.now ?? (() => new Date()),
    metrics,
    overrides: {
      ...(params.configs ? { configs: params.configs } : {}),
      poster: createSlackPoster({ log, timeoutMs: 2_000 }),
      worker: {
        leaseMs: params.leaseMs ?? 5_000,
        idlePollMs: params.idlePollMs ?? 200,
        ...(params.routingDeadlineMs ? { routingDeadlineMs: params.routingDeadlineMs } : {}),
      },
    },
  });
  // No HTTP server here: deliveries arrive through `probot.receive`.
  await probot.load(receiver, { cwd: process.cwd(), addHandler: () => {} });
  if (params.startWorker ?? true) worker.start();
  return {
    probot,
    store,
    worker,
    metrics,
    channels,
    async stop() {
      await worker.stop(2_000);
      await store.close();
    },
  };
}
