/**
 * Routing's retry policy over a real SQLite store and a real `issues.opened` payload: a
 * RetryLaterError's `retryAt` (GitHub's rate-limit reset) sets when the delivery is due again;
 * any other error follows the routing schedule, even one that happens to carry a `retryAt`
 * field; a delivery put off behind a stalled installation is failed the same way, with a note.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { DeliveryRecord, Store } from "../../src/store/types.js";
import { readChannels } from "../../src/settings/channels.js";
import { RetryLaterError } from "../../src/shared/retry-later.js";
import { createDeliveryRouting } from "../../src/worker/delivery-routing.js";
import { NO_MUTES } from "../../src/worker/mutes.js";
import type { ConfigSource } from "../../src/repo-config/config-source.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("notifier-delivery-routing-");
const NOW = new Date("2026-03-02T10:00:00Z");
const OWNER = "test-worker";
let store: Store | null = null;

afterEach(async () => {
  await store?.close();
  store = null;
});

/** A fresh store holding one claimed delivery: `issues.opened` unless told another. */
async function claimedDelivery(
  params: { event: string; action: string | null; payload: unknown } = {
    event: "issues",
    action: "opened",
    payload: exampleOf("issues", "opened"),
  },
): Promise<{ store: Store; delivery: DeliveryRecord }> {
  store = createStore(join(dir, `${randomUUID()}.db`));
  await store.migrate();
  await store.insertDelivery({
    id: randomUUID(),
    event: params.event,
    action: params.action,
    installationId: 42,
    repository: "Codertocat/Hello-World",
    payload: JSON.stringify(params.payload),
    receivedAt: NOW,
  });
  const [delivery] = await store.claimDeliveries({
    owner: OWNER,
    limit: 1,
    leaseMs: 15_000,
    now: NOW,
  });
  if (!delivery) throw new Error("nothing claimed");
  return { store, delivery };
}

function routingOf(s: Store, configs: ConfigSource, onReminderSourcesChanged?: () => void) {
  return createDeliveryRouting({
    store: s,
    configs,
    channels: readChannels({ SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" }),
    mutes: { current: async () => NO_MUTES },
    ...(onReminderSourcesChanged ? { onReminderSourcesChanged } : {}),
    owner: OWNER,
    log: pino({ level: "silent" }),
    now: () => NOW,
    random: () => 0.5,
    routingDeadlineMs: 5_000,
    stallMs: 2_500,
  });
}

describe("createDeliveryRouting: the retry policy", () => {
  it("retries at the time a RetryLaterError names", async () => {
    const { store: s, delivery } = await claimedDelivery();
    const resetAt = new Date(NOW.getTime() + 20 * 60_000);
    await routingOf(s, {
      load: async () => {
        throw new RetryLaterError({ message: "GitHub rate limit", retryAt: resetAt });
      },
    }).routeOne(delivery);
    const after = await s.getDelivery(delivery.id);
    expect(after?.status).toBe("failed");
    expect(after?.error).toBe("GitHub rate limit");
    expect(after?.nextAttemptAt?.getTime()).toBeGreaterThanOrEqual(resetAt.getTime());
    expect((await s.getAttempts(delivery.id)).map((a) => [a.outcome, a.detail])).toEqual([
      ["retry", "GitHub rate limit"],
    ]);
  });

  it("follows the schedule for any other error, even one carrying a retryAt field", async () => {
    const { store: s, delivery } = await claimedDelivery();
    const farAway = new Date(NOW.getTime() + 24 * 3_600_000);
    await routingOf(s, {
      load: async () => {
        throw Object.assign(new Error("boom"), { retryAt: farAway });
      },
    }).routeOne(delivery);
    const after = await s.getDelivery(delivery.id);
    expect(after?.status).toBe("failed");
    // The first retry of the schedule is seconds away, not a day.
    const delayMs = (after?.nextAttemptAt?.getTime() ?? 0) - NOW.getTime();
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThan(60_000);
  });

  it("puts off a delivery behind a stalled installation with a note, on the same schedule", async () => {
    const { store: s, delivery } = await claimedDelivery();
    await routingOf(s, { load: async () => Promise.reject(new Error("unused")) }).putOff({
      overdue: [{ item: delivery, key: "installation 42" }],
      inFlightOf: () => 4,
    });
    const after = await s.getDelivery(delivery.id);
    const note = "put off: installation 42 has 4 deliveries routing for over 2.5 s";
    expect([after?.status, after?.error]).toEqual(["failed", note]);
    expect((await s.getAttempts(delivery.id)).map((a) => [a.outcome, a.detail])).toEqual([
      ["retry", note],
    ]);
  });
});

describe("createDeliveryRouting: what may change which repositories have reminders", () => {
  async function routed(params: {
    event: string;
    payload: unknown;
    configs: ConfigSource;
  }): Promise<number> {
    const { store: s, delivery } = await claimedDelivery({ ...params, action: null });
    let told = 0;
    await routingOf(s, params.configs, () => (told += 1)).routeOne(delivery);
    return told;
  }

  const defaults: ConfigSource = { load: async () => ({ routes: [] }) };

  it("tells on an installation's events, and on a push only when the config source says config changed", async () => {
    expect(
      await routed({
        event: "installation",
        payload: exampleOf("installation", "created"),
        configs: defaults,
      }),
    ).toBe(1);
    expect(
      await routed({
        event: "installation_repositories",
        payload: exampleOf("installation_repositories", "added"),
        configs: defaults,
      }),
    ).toBe(1);
    const push = exampleOf("push");
    const answering = (affected: boolean): ConfigSource => ({
      ...defaults,
      invalidateFromPush: async () => affected,
    });
    expect(await routed({ event: "push", payload: push, configs: answering(true) })).toBe(1);
    expect(await routed({ event: "push", payload: push, configs: answering(false) })).toBe(0);
    expect(
      await routed({
        event: "issues",
        payload: exampleOf("issues", "opened"),
        configs: answering(true),
      }),
    ).toBe(0);
  });
});
