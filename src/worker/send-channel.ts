/**
 * Drains one channel's queue at Slack's pace: reserve a slot for the webhook (shared by all
 * instances through the store), wait for it, claim, post, record. A due digest (a window's
 * held rows) is claimed whole and posted as one summary. When the queue has backed up past
 * `burstSummaryAfter`, everything waiting (up to 200) is merged into one summary post.
 */
import type { Logger } from "probot";
import type { ClaimedNotification, Store } from "../store/types.js";
import type { SlackChannel } from "../slack/channels.js";
import type { SlackPoster } from "../slack/poster.js";
import type { Metrics } from "../ops/metrics.js";
import type { SlackMessage } from "../format/slack-message.js";
import { formatSummary } from "../format/format.js";
import { nextRetryDelay } from "../slack/retry-schedule.js";
import { decodeQueuedMessage } from "./queued-message.js";

export interface SendDeps {
  store: Store;
  poster: SlackPoster;
  metrics: Metrics;
  log: Logger;
  owner: string;
  slackPaceMs: number;
  burstSummaryAfter: number;
  leaseMs: number;
  now: () => Date;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  stopped: () => boolean;
}

/** Most notifications merged into one summary. */
const SUMMARY_LIMIT = 200;

/**
 * Posts what waits for `channel` until nothing is left or the worker stops.
 *
 * @example
 * await drainChannel({ deps, channel, waiting: 3 });
 */
export async function drainChannel(params: { deps: SendDeps; channel: SlackChannel }): Promise<void> {
  const { deps, channel } = params;
  const waitingNow = async () =>
    (await deps.store.readyChannels(deps.now())).find((entry) => entry.channel === channel.name)?.waiting ?? 0;
  while (!deps.stopped()) {
    let waiting = await waitingNow();
    if (waiting === 0) return;

    if (channel.url !== null && deps.slackPaceMs > 0) {
      const slot = await deps.store.reservePostSlot({
        target: channel.target,
        paceMs: deps.slackPaceMs,
        now: deps.now(),
      });
      const delay = slot.getTime() - deps.now().getTime();
      if (delay > 0) {
        await deps.sleep(delay);
        if (deps.stopped()) return;
        // A burst keeps arriving while we wait for the slot: counted before the wait, its
        // first messages would be posted one by one.
        waiting = await waitingNow();
      }
    }

    const digest = await deps.store.claimDigest({
      channel: channel.name,
      owner: deps.owner,
      leaseMs: deps.leaseMs,
      now: deps.now(),
    });
    if (digest.length > 0) {
      await postClaimed({ deps, channel, claimed: digest });
      continue;
    }
    const merge = deps.burstSummaryAfter > 0 && waiting >= deps.burstSummaryAfter;
    const claimed = await deps.store.claimNotifications({
      channel: channel.name,
      owner: deps.owner,
      limit: merge ? SUMMARY_LIMIT : 1,
      leaseMs: deps.leaseMs,
      now: deps.now(),
    });
    if (claimed.length === 0) return;
    await postClaimed({ deps, channel, claimed });
  }
}

async function postClaimed(params: {
  deps: SendDeps;
  channel: SlackChannel;
  claimed: ClaimedNotification[];
}): Promise<void> {
  const { deps, channel, claimed } = params;
  const first = claimed[0];
  if (!first) return;
  let message: SlackMessage;
  try {
    const queued = claimed.map((row) => decodeQueuedMessage(row.message, row.deliveryId));
    message =
      queued.length === 1 && queued[0]
        ? queued[0].message
        : formatSummary({ channel: channel.name, events: queued.map((entry) => entry.event) });
  } catch (error) {
    await finishAll({ deps, channel, claimed, status: "dead", error: (error as Error).message, nextAttemptAt: null });
    return;
  }

  const log = deps.log.child({ channel: channel.name, deliveryId: first.deliveryId, merged: claimed.length });
  const outcome = await deps.poster.post(channel, message);
  const now = deps.now();
  if (outcome.result === "sent") {
    deps.metrics.slackPosts.inc({ result: "sent" });
    for (const row of claimed) {
      deps.metrics.receiptToPost.observe(Math.max(0, now.getTime() - row.receivedAt.getTime()) / 1000);
    }
    await finishAll({ deps, channel, claimed, status: "sent", error: null, nextAttemptAt: null });
    const digest = first.digestKey !== null;
    log.info(
      { ...(digest ? { digest: first.digestKey } : {}) },
      claimed.length > 1
        ? `posted a ${digest ? "digest" : "summary"} of ${claimed.length} messages`
        : "posted to Slack",
    );
    return;
  }
  if (outcome.result === "dead") {
    deps.metrics.slackPosts.inc({ result: "dead" });
    log.error({ error: outcome.error }, "Slack refused the message for good");
    await finishAll({ deps, channel, claimed, status: "dead", error: outcome.error, nextAttemptAt: null });
    return;
  }

  const rateLimited = outcome.retryAfterMs !== null;
  deps.metrics.slackPosts.inc({ result: rateLimited ? "rate_limited" : "retry" });
  if (rateLimited && outcome.retryAfterMs !== null && channel.url !== null) {
    // Push this webhook's next slot past Retry-After for every instance, not just this one.
    await deps.store.reservePostSlot({ target: channel.target, paceMs: outcome.retryAfterMs, now });
  }
  // One retry time for the whole post: rows that failed together are due together, so a
  // digest is claimed whole again rather than split by each row's jitter.
  // `attempts` already counts the post that just failed.
  const attempts = Math.max(...claimed.map((row) => row.attempts));
  const wait = nextRetryDelay({ attempt: attempts, random: deps.random, retryAfterMs: outcome.retryAfterMs });
  if (wait === null) {
    await finishAll({ deps, channel, claimed, status: "dead", error: `gave up after ${attempts} attempts: ${outcome.error}`, nextAttemptAt: null });
  } else {
    await finishAll({ deps, channel, claimed, status: "failed", error: outcome.error, nextAttemptAt: new Date(now.getTime() + wait) });
  }
  log.warn({ error: outcome.error, retryAfterMs: outcome.retryAfterMs }, "Slack post failed; will retry");
}

async function finishAll(params: {
  deps: SendDeps;
  channel: SlackChannel;
  claimed: ClaimedNotification[];
  status: "sent" | "failed" | "dead";
  error: string | null;
  nextAttemptAt: Date | null;
}): Promise<void> {
  for (const row of params.claimed) await finish({ ...params, row });
}

async function finish(params: {
  deps: SendDeps;
  row: ClaimedNotification;
  channel: SlackChannel;
  status: "sent" | "failed" | "dead";
  error: string | null;
  nextAttemptAt: Date | null;
}): Promise<void> {
  const { deps, row, status, error, nextAttemptAt } = params;
  const now = deps.now();
  const held = await deps.store.finishNotification({
    deliveryId: row.deliveryId,
    channel: row.channel,
    owner: deps.owner,
    status,
    error,
    nextAttemptAt,
    now,
  });
  if (!held) {
    deps.log.warn({ deliveryId: row.deliveryId, channel: row.channel }, "lease lost before the post was recorded");
  }
  await deps.store.recordAttempt({
    deliveryId: row.deliveryId,
    channel: row.channel,
    at: now,
    outcome: status === "failed" ? "retry" : status,
    detail: error,
  });
}
