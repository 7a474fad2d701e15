/**
 * Scenario 4 of the reliability suite: GitHub fails to deliver while the app is down and never
 * retries by itself. After start, the app reads the App's delivery log from the fake GitHub and
 * asks for each missed delivery once; the fake really sends them again, and each reaches Slack
 * once. Deliveries the app already has are left alone.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startApp, type AppProcess, unpacedEnv } from "../helpers/app-process.js";
import {
  startFakeGitHub,
  type FakeGitHub,
  type HookDeliveryEntry,
} from "../helpers/fake-github.js";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.js";
import {
  createRandom,
  faultSeed,
  postsByDelivery,
  taggedDeliveries,
  type TaggedDelivery,
} from "../helpers/fault-deliveries.js";
import { TEST_SECRET } from "../helpers/webhook.js";
import { tempDir } from "../helpers/temp-dir.js";
import { writeTestAppKey } from "../helpers/app-key.js";
import { readRows } from "../helpers/sqlite-rows.js";

const APP_ID = "4242";
/** Deliveries the previous run received and GitHub logged `OK`. */
const DELIVERED = 4;
/** Deliveries the previous run stored but answered after GitHub gave up: logged `timed out`. */
const LATE = 2;
/** Deliveries GitHub attempted while the app was down. */
const MISSED = 30;
/** Of the missed ones, those a proxy in front of the dead app answered 502 (the rest: connection refused). */
const PROXY_502 = 12;
const SLACK_PATH = "/services/T0001/B0001/default";
const LIST = "GET /app/hook/deliveries";

const dir = tempDir("notifier-e2e-redelivery-");
let github: FakeGitHub;
let slack: FakeSlack;
let keyPath: string;
const running: AppProcess[] = [];

beforeAll(async () => {
  // A small page size makes the 36-entry log span several pages, so the app follows cursors.
  [github, slack] = await Promise.all([
    startFakeGitHub({ appId: APP_ID, maxPerPage: 10 }),
    startFakeSlack(),
  ]);
  keyPath = writeTestAppKey(dir);
});
afterAll(async () => {
  await Promise.all([github.close(), slack.close()]);
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.kill("SIGKILL");
});

/** GitHub sends to one fixed webhook URL, so the app comes back on the port it went down on. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await closeServer(probe);
  return port;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function launch(params: {
  port: number;
  dbPath: string;
  redeliveryInterval: string;
}): Promise<AppProcess> {
  const app = await startApp({
    env: {
      APP_ID,
      PRIVATE_KEY_PATH: keyPath,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      PORT: String(params.port),
      ...unpacedEnv({ databaseUrl: params.dbPath, slackUrl: `${slack.url}${SLACK_PATH}` }),
      REDELIVERY_INTERVAL: params.redeliveryInterval,
    },
  });
  running.push(app);
  return app;
}

async function deliverAll(
  deliveries: readonly TaggedDelivery[],
  logAs?: { status: string; status_code: number },
) {
  const entries: HookDeliveryEntry[] = [];
  for (const delivery of deliveries) {
    entries.push(
      await github.deliver({
        event: delivery.event,
        payload: delivery.payload,
        guid: delivery.id,
        ...(logAs ? { logAs } : {}),
      }),
    );
  }
  return entries;
}

/** Scans of the log: each starts with a request for the first page (no cursor). */
function scans(): number {
  return github.requests.filter(
    (request) => request.route === LIST && !request.path.includes("cursor="),
  ).length;
}

describe("deliveries GitHub failed while the app was down", () => {
  it("are redelivered once each after start, and reach Slack once each", async () => {
    const seed = faultSeed();
    const deliveries = taggedDeliveries({
      count: DELIVERED + LATE + MISSED,
      random: createRandom(seed),
    });
    const delivered = deliveries.slice(0, DELIVERED);
    const late = deliveries.slice(DELIVERED, DELIVERED + LATE);
    const missed = deliveries.slice(DELIVERED + LATE);
    const port = await freePort();
    const dbPath = join(dir, "notifier.db");
    github.setAppWebhook({
      url: `http://127.0.0.1:${port}/api/github/webhooks`,
      secret: TEST_SECRET,
    });

    // The previous run: it receives some deliveries, then stops.
    const previous = await launch({ port, dbPath, redeliveryInterval: "10m" });
    const deliveredEntries = await deliverAll(delivered);
    const lateEntries = await deliverAll(late, { status: "timed out", status_code: 0 });
    expect(deliveredEntries.map((entry) => entry.status_code)).toEqual(delivered.map(() => 200));
    await slack.waitForAccepted(DELIVERED + LATE, 15_000);
    await vi.waitFor(
      () =>
        expect(
          readRows(dbPath, `SELECT status, count(*) AS n FROM notifications GROUP BY status`),
        ).toEqual([{ status: "sent", n: DELIVERED + LATE }]),
      { timeout: 10_000, interval: 100 },
    );
    expect(await previous.kill("SIGTERM")).toBe(0);

    // Down time: a proxy answers 502 for a while, then nothing listens at all.
    const proxy = createServer((_req, res) => res.writeHead(502).end("Bad Gateway"));
    await new Promise<void>((resolve) => proxy.listen(port, "127.0.0.1", resolve));
    const missedEntries = await deliverAll(missed.slice(0, PROXY_502));
    await closeServer(proxy);
    missedEntries.push(...(await deliverAll(missed.slice(PROXY_502))));
    expect(missedEntries.map((entry) => `${entry.status} (${entry.status_code})`)).toEqual([
      ...Array.from({ length: PROXY_502 }, () => "Invalid HTTP Response: 502 (502)"),
      ...Array.from({ length: MISSED - PROXY_502 }, () => "failed to connect to host (0)"),
    ]);
    const attemptsBefore = github.redeliveryRequests.length;
    const scansBefore = scans();

    // The app comes back with a short interval, so several scans run during the test.
    const app = await launch({ port, dbPath, redeliveryInterval: "2s" });
    const started = Date.now();
    // Octokit paces the App's writes at one a second: the redelivery requests alone take MISSED seconds.
    await slack.waitForAccepted(DELIVERED + LATE + MISSED, 45_000);
    // Two more scans after the first, each of which must ask for nothing again.
    await vi.waitFor(() => expect(scans() - scansBefore).toBeGreaterThanOrEqual(3), {
      timeout: 15_000,
      interval: 100,
    });
    await github.settled();
    await vi.waitFor(
      () =>
        expect(
          readRows(dbPath, `SELECT status, count(*) AS n FROM deliveries GROUP BY status`),
        ).toEqual([{ status: "delivered", n: DELIVERED + LATE + MISSED }]),
      { timeout: 10_000, interval: 100 },
    );

    const asked = github.redeliveryRequests.slice(attemptsBefore);
    const askedPerId = new Map<number, number>();
    for (const { id } of asked) askedPerId.set(id, (askedPerId.get(id) ?? 0) + 1);
    expect(asked.every((request) => request.status === 202)).toBe(true);
    expect([...askedPerId.keys()].sort()).toEqual(missedEntries.map((entry) => entry.id).sort());
    expect([...askedPerId.values()].filter((count) => count !== 1)).toEqual([]);
    const known = new Set([...deliveredEntries, ...lateEntries].map((entry) => entry.id));
    expect(asked.filter((request) => known.has(request.id))).toEqual([]);

    // Each redelivery reached the app: logged OK under the original guid.
    const redeliveries = github.deliveryLog.filter((entry) => entry.redelivery);
    expect(redeliveries.map((entry) => entry.guid).sort()).toEqual(
      missed.map((delivery) => delivery.id).sort(),
    );
    expect(redeliveries.filter((entry) => entry.status !== "OK")).toEqual([]);

    const byDelivery = postsByDelivery(slack.accepted());
    const postCounts = deliveries.map((delivery) => byDelivery.get(delivery.index)?.length ?? 0);
    expect(postCounts).toEqual(deliveries.map(() => 1));
    expect(slack.posts).toHaveLength(DELIVERED + LATE + MISSED);

    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    const recovered = /^notifier_deliveries_recovered_total (\d+)$/m.exec(metrics)?.[1];
    expect(recovered).toBe(String(MISSED));
    expect(app.logs.filter((line) => /delivery recovery failed/.test(line.msg))).toEqual([]);

    console.info(
      `redelivery (seed ${seed}): ${MISSED} missed (${PROXY_502} answered 502, ${MISSED - PROXY_502} refused), ` +
        `${DELIVERED + LATE} known (${LATE} logged timed out); ${scans() - scansBefore} scans read ` +
        `${github.count(LIST)} log pages in all; ${asked.length} redeliveries asked for ${askedPerId.size} ids; ` +
        `${redeliveries.length} redelivered OK, the last asked ${(((asked.at(-1)?.at ?? started) - started) / 1000).toFixed(1)} s after start; ` +
        `${slack.posts.length} Slack posts; ` +
        `notifier_deliveries_recovered_total ${recovered}`,
    );
  }, 80_000);
});
