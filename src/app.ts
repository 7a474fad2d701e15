/**
 * Wires the pipeline into one running process: store, Probot's verified webhook middleware,
 * the receiver, operator routes, the worker, and the smee relay in development.
 */
import { createServer, type Server } from "node:http";
import { Probot, createNodeMiddleware, type ApplicationFunction, type Logger } from "probot";
import type { Settings } from "./settings/settings.js";
import type { Store } from "./store/types.js";
import { createStore } from "./store/create-store.js";
import { createMetrics, type Metrics } from "./ops/metrics.js";
import { createOpsRoutes } from "./ops/routes.js";
import { createDeliveryAcceptor, createReceiver, WEBHOOK_PATH } from "./receive/receiver.js";
import { createWebhookGuard } from "./receive/webhook-guard.js";
import { createWorker, type Worker, type WorkerParams } from "./worker/worker.js";
import { createSlackPoster, type SlackPoster } from "./slack/poster.js";
import { createSlackWebApi } from "./slack/web-api.js";
import { createThreadPoster } from "./threads/thread-poster.js";
import { createConfigSource } from "./repo-config/repo-config-source.js";
import type { ConfigSource } from "./repo-config/config-source.js";
import { createConfigCheckStep } from "./config-check/config-check.js";
import { createInstallationAuth } from "./shared/installation-auth.js";
import { startWebhookRelay } from "./receive/webhook-relay.js";
import { checkRedis } from "./settings/check-redis.js";
import { clockFrom, TEST_CLOCK_VARIABLE } from "./settings/test-clock.js";
import { recoverMissedDeliveries, startRedeliveryTimer } from "./redelivery/redelivery.js";
import { createReminderRunner } from "./reminders/run-reminder.js";
import { createReminderDiscovery } from "./reminders/discovery.js";
import { createReminderScheduler } from "./reminders/scheduler.js";
import { createReminderService, type ReminderService } from "./reminders/reminder-service.js";
import { personReminders } from "./reminders/reminder-plan.js";

export interface NotifierApp {
  server: Server;
  store: Store;
  worker: Worker;
  metrics: Metrics;
  log: Logger;
  /** The port actually listened on (useful with `PORT=0`). */
  port: number;
  /** Stops accepting, lets the worker finish or give back its claims, closes the store. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the notifier with validated settings.
 *
 * @example
 * const app = await startNotifier(readSettings(process.env));
 */
export async function startNotifier(settings: Settings): Promise<NotifierApp> {
  if (settings.redisUrl) await checkRedis(settings.redisUrl);
  const probot = new Probot({
    ...(settings.appId !== null && settings.privateKey !== null
      ? { appId: settings.appId, privateKey: settings.privateKey }
      : // Without an App there is no GitHub API access; the token is never used.
        { githubToken: "no-github-app-configured" }),
    secret: settings.webhookSecret,
    baseUrl: settings.githubBaseUrl,
    ...(settings.redisUrl ? { redisConfig: settings.redisUrl } : {}),
    // pino knows `silent`; Probot's option type leaves it out.
    logLevel: settings.logLevel as "info",
    logFormat: settings.logFormat,
  });
  await probot.ready();
  const log = probot.log.child({ name: "notifier" });
  // Read once: every part that decides by the time (digest windows, quiet hours, retries) shares it.
  const now = clockFrom({ clock: settings.testClock, realNow: () => Date.now() });
  if (settings.testClock.kind === "test") {
    log.warn(
      { variable: TEST_CLOCK_VARIABLE, start: settings.testClock.start.toISOString() },
      `test clock in use (${TEST_CLOCK_VARIABLE}, NODE_ENV=test): this app's time is not the real time`,
    );
  } else if (settings.testClock.kind === "ignored") {
    log.warn(
      { variable: TEST_CLOCK_VARIABLE, nodeEnv: settings.testClock.nodeEnv },
      `${TEST_CLOCK_VARIABLE} is set but ignored: it is test-only and NODE_ENV is not "test"`,
    );
  }

  const store = createStore(settings.databaseUrl, {
    onCheckpointError: (error, whatNow) =>
      log.error({ err: error }, `the SQLite WAL checkpoint failed; ${whatNow}`),
  });
  await store.migrate();

  if (settings.channels.isLogOnly) {
    log.warn(
      "no Slack webhook URL or channel id is configured (SLACK_WEBHOOK_URL, SLACK_CHANNEL_ID): messages are written to this log instead",
    );
  } else {
    log.info({ channels: settings.channels.names() }, "Slack channels configured");
  }
  if (settings.appId === null) {
    log.warn(
      "APP_ID and PRIVATE_KEY are not set: repository config cannot be read from GitHub, the default routes apply",
    );
  }

  const { metrics, worker, guard, receiver, reminders } = composeNotifier({
    settings,
    probot,
    log,
    store,
    now,
  });
  const middleware = await createNodeMiddleware(receiver, { probot });
  const server = createServer(async (req, res) => {
    try {
      if (await guard(req, res)) return;
    } catch (error) {
      log.error({ err: error }, "webhook guard failed");
      if (!res.headersSent) res.writeHead(500).end();
      return;
    }
    void middleware(req, res, () => {
      if (!res.headersSent) {
        res
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ error: "not found" }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: settings.port, host: settings.host }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : settings.port;
  log.info(
    { port, host: settings.host, store: store.kind },
    `listening on http://${settings.host}:${port}${WEBHOOK_PATH}`,
  );

  worker.start();
  reminders?.start();
  // The relay is a development aid: when smee cannot be reached the app still serves.
  const relay = settings.webhookProxyUrl
    ? await startWebhookRelay({
        source: settings.webhookProxyUrl,
        target: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
        log,
      }).catch((error: unknown) => {
        log.error(
          { err: error },
          "could not connect to WEBHOOK_PROXY_URL; no deliveries are relayed",
        );
        return null;
      })
    : null;

  // GitHub never retries a failed delivery: read its delivery log now and then for what we missed.
  const redelivery =
    settings.appId !== null
      ? startRedeliveryTimer({
          intervalMs: settings.redeliveryIntervalMs,
          log,
          run: async () => {
            const report = await recoverMissedDeliveries({
              octokit: await probot.auth(),
              store,
              now: now(),
              log,
            });
            const requested = report.missed.filter((missed) => missed.requested).length;
            metrics.recovered.inc(requested);
            if (report.missed.length > 0) {
              log.info(
                { scanned: report.scanned, missed: report.missed.length, requested },
                "asked GitHub to redeliver missed deliveries",
              );
            }
          },
        })
      : null;

  let stopped: Promise<void> | null = null;
  return {
    server,
    store,
    worker,
    metrics,
    log,
    port,
    stop(graceMs = 10_000) {
      stopped ??= (async () => {
        redelivery?.stop();
        reminders?.stop();
        await relay?.stop();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await worker.stop(graceMs);
        await closed;
        await store.close();
      })();
      return stopped;
    },
  };
}

/** What the running notifier is made of, short of its HTTP server and timers. */
export interface ComposedNotifier {
  metrics: Metrics;
  worker: Worker;
  /** Reads and verifies every delivery's body before Probot's middleware may touch it. */
  guard: ReturnType<typeof createWebhookGuard>;
  /** The Probot app function: stores each verified delivery before it is acknowledged. */
  receiver: ApplicationFunction;
  /** Reminders (found, scheduled and run); null without a GitHub App, which they need to read pull requests. Not started. */
  reminders: ReminderService | null;
}

/**
 * The one place the parts are wired together: `startNotifier` (and so `npm start`, the
 * end-to-end tests and the bench, which run the built app) and the in-process test pipeline
 * build the notifier here, so no test tests a copy of the wiring. `overrides` are for tests:
 * a config source, a poster, worker timings.
 *
 * @example
 * const { worker, receiver } = composeNotifier({ settings, probot, log, store, now: () => new Date() });
 * await probot.load(receiver);
 */
export function composeNotifier(params: {
  settings: Pick<
    Settings,
    | "appId"
    | "channels"
    | "configCacheTtlMs"
    | "slackPaceMs"
    | "burstSummaryAfter"
    | "retentionMs"
    | "webhookSecret"
    | "metricsToken"
    | "slackBotToken"
    | "slackApiUrl"
    | "people"
  >;
  probot: Probot;
  log: Logger;
  store: Store;
  /** The clock every part that decides by the time shares. */
  now: () => Date;
  metrics?: Metrics;
  overrides?: {
    configs?: ConfigSource;
    poster?: SlackPoster;
    worker?: Pick<WorkerParams, "leaseMs" | "idlePollMs" | "routingDeadlineMs">;
  };
}): ComposedNotifier {
  const { settings, probot, log, store, now } = params;
  const metrics = params.metrics ?? createMetrics({ store });
  // Without an App there is no GitHub API access: the default routes apply and nothing is checked.
  const auth = settings.appId !== null ? createInstallationAuth({ probot }) : null;
  const configs: ConfigSource = params.overrides?.configs ?? {
    ...createConfigSource({
      auth,
      ttlMs: settings.configCacheTtlMs,
      channels: settings.channels,
      store,
      log,
    }),
    ...(auth
      ? {
          checkChange: createConfigCheckStep({
            auth,
            knownChannels: settings.channels.names(),
            mayUse: (channel, owner) => settings.channels.mayUse(channel, owner),
            log,
          }),
        }
      : {}),
  };
  const slackIdOf = (login: string) => settings.people.lookup(login)?.slackId ?? null;
  // Bot channels and direct messages post through the Web API with the bot token.
  const threads =
    settings.slackBotToken === null
      ? null
      : createThreadPoster({
          api: createSlackWebApi({
            token: settings.slackBotToken,
            apiUrl: settings.slackApiUrl,
            log,
          }),
          parents: store,
          log,
          now,
          formatOptions: { slackIdOf },
          onCall: (call, result) => metrics.slackApiCalls.inc({ call, result }),
          paceMs: settings.slackPaceMs,
        });
  // Reminders read GitHub's open pull requests: without an App there is nothing to read.
  const reminded = settings.people.all().find((person) => person.remind !== null);
  if (auth === null && reminded?.remind) {
    // Not fatal (the rest of the app works), but a reminder asked for must not silently never come.
    log.warn(
      `SLACK_PEOPLE_FILE gives ${reminded.login} a reminder (remind: "${reminded.remind.schedule.text}"), but APP_ID and PRIVATE_KEY are not set: reminders read the pull requests waiting from GitHub as the App, so none is sent; set them, or remove remind`,
    );
  }
  const reminders =
    auth === null
      ? null
      : createReminderService({
          discovery: createReminderDiscovery({
            app: () => probot.auth(),
            installation: auth,
            configs,
            log,
          }),
          scheduler: createReminderScheduler({
            store,
            now,
            log,
            onStored: () => worker.wake(),
            onOutcome: (outcome) => metrics.reminders.inc({ outcome }),
            checkpoint: store,
          }),
          people: personReminders(settings.people.all()),
          // Found again this often (and at once after an installation or config change).
          refreshMs: Math.max(settings.configCacheTtlMs, REMINDER_REFRESH_MIN_MS),
          log,
        });
  const worker = createWorker({
    store,
    reminders:
      auth === null
        ? null
        : createReminderRunner({
            auth,
            reviews: store,
            people: settings.people,
            channels: settings.channels,
            log,
          }),
    ...(reminders ? { onReminderSourcesChanged: () => reminders.installationsChanged() } : {}),
    channels: settings.channels,
    poster: params.overrides?.poster ?? createSlackPoster({ log }),
    threads,
    people: settings.people,
    configs,
    metrics,
    log,
    slackPaceMs: settings.slackPaceMs,
    burstSummaryAfter: settings.burstSummaryAfter,
    retentionMs: settings.retentionMs,
    now,
    ...params.overrides?.worker,
  });
  // One way in for a delivery: the guard verifies and stores it over HTTP; Probot's app
  // function stores, the same way, what Probot itself is handed (tests' `probot.receive`).
  const accept = createDeliveryAcceptor({
    store,
    metrics,
    log,
    onStored: () => worker.received(),
  });
  const guard = createWebhookGuard({ secret: settings.webhookSecret, accept, metrics, log });
  const receiver = createReceiver({
    accept,
    routes: createOpsRoutes({ store, metrics, metricsToken: settings.metricsToken, log }),
  });
  return { metrics, worker, guard, receiver, reminders };
}

/** Repositories are looked through for reminders at most this often (unless a change says so). */
const REMINDER_REFRESH_MIN_MS = 5 * 60_000;
