/**
 * Prometheus metrics. One registry per app instance (not prom-client's global one), so
 * tests and several apps in one process do not share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { DELIVERY_STATUSES, type DeliveryHistory } from "../store/types.js";

export interface Metrics {
  registry: Registry;
  received: Counter;
  duplicates: Counter;
  /** Signed bodies already stored under another delivery id: captured deliveries sent again. */
  replays: Counter;
  rejected: Counter<"status">;
  slackPosts: Counter<"result">;
  /**
   * Web API calls to bot channels and direct messages, by `call` (post: a top-level message or a
   * thread's parent; update: a parent edited to show its item's state; reply: a message in a
   * thread; dm: a direct message or opening one) and `result` (ok, retry, rate_limited, dead, gone).
   */
  slackApiCalls: Counter<"call" | "result">;
  receiptToPost: Histogram;
  recovered: Counter;
  /**
   * Reminders by `outcome`: when due, `stored` (this instance stored the run), `duplicate`
   * (another instance had), `late` (skipped: more than an hour late), `dropped` (quiet hours
   * with `drop`); when run, `queued` (a message is queued) or `empty` (nothing waits, muted, ...).
   */
  reminders: Counter<"outcome">;
}

/**
 * Creates the metrics of one app; delivery counts by status and the queue depth are read
 * from the store at scrape time, so they are right across instances.
 *
 * @example
 * const metrics = createMetrics({ store });
 * metrics.received.inc();
 * await metrics.registry.metrics(); // Prometheus text
 */
export function createMetrics(params: {
  store: Pick<DeliveryHistory, "countDeliveriesByStatus">;
  withDefaults?: boolean;
}): Metrics {
  const { store } = params;
  const registry = new Registry();
  if (params.withDefaults ?? true)
    collectDefaultMetrics({ register: registry, prefix: "notifier_" });

  const received = new Counter({
    name: "notifier_deliveries_received_total",
    help: "Webhook deliveries accepted and stored",
    registers: [registry],
  });
  const duplicates = new Counter({
    name: "notifier_deliveries_duplicate_total",
    help: "Webhook deliveries acknowledged without storing, their delivery id already known",
    registers: [registry],
  });
  const replays = new Counter({
    name: "notifier_deliveries_replayed_total",
    help: "Signed webhook bodies acknowledged without storing, the same body already stored under another delivery id",
    registers: [registry],
  });
  const rejected = new Counter({
    name: "notifier_deliveries_rejected_total",
    help: "Webhook requests refused (bad signature, not JSON, too large, wrong content type), by HTTP status",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  const slackPosts = new Counter({
    name: "notifier_slack_posts_total",
    help: "Posts to Slack by result: sent, retry (will try again), rate_limited (429), dead (gave up)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const slackApiCalls = new Counter({
    name: "notifier_slack_api_calls_total",
    help: "Slack Web API calls for bot channels and direct messages, by call (post, update, reply, dm) and result (ok, retry, rate_limited, dead, gone)",
    labelNames: ["call", "result"] as const,
    registers: [registry],
  });
  const reminders = new Counter({
    name: "notifier_reminders_total",
    help: "Reminders by outcome: stored, duplicate (another instance stored it), late, dropped (quiet hours), queued, empty",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const receiptToPost = new Histogram({
    name: "notifier_receipt_to_slack_seconds",
    help: "Time from receiving a delivery to Slack accepting its message",
    buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
    registers: [registry],
  });
  const recovered = new Counter({
    name: "notifier_deliveries_recovered_total",
    help: "Deliveries GitHub failed to deliver that the app asked GitHub to redeliver",
    registers: [registry],
  });

  // One store query serves both gauges on a scrape.
  let counting: Promise<Record<string, number>> | null = null;
  const counts = () => {
    counting ??= store.countDeliveriesByStatus().finally(() => {
      counting = null;
    });
    return counting;
  };
  new Gauge({
    name: "notifier_deliveries",
    help: "Deliveries in the store by status",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const current = await counts();
      for (const status of DELIVERY_STATUSES) this.set({ status }, current[status] ?? 0);
    },
  });
  new Gauge({
    name: "notifier_queue_depth",
    help: "Deliveries not yet finished: pending, processing or failed (waiting to retry)",
    registers: [registry],
    async collect() {
      const current = await counts();
      this.set((current.pending ?? 0) + (current.processing ?? 0) + (current.failed ?? 0));
    },
  });

  return {
    registry,
    received,
    duplicates,
    replays,
    rejected,
    slackPosts,
    slackApiCalls,
    receiptToPost,
    recovered,
    reminders,
  };
}
