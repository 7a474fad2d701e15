/**
 * Drains one channel's queue at Slack's pace: take the webhook's turn (shared by all
 * instances through the store), claim, post, record, and end the turn with the wait Slack's
 * answer calls for. A due digest (a window's
 * held rows) is claimed whole and posted as one summary. When the queue has backed up past
 * `burstSummaryAfter`, everything waiting (up to 200) is merged into one summary post.
 *
 * The channel allowlist (`SLACK_CHANNEL_OWNERS_<NAME>`) is checked again here, for every row:
 * a message queued or held (digest, quiet hours) before a restart that restricted the channel
 * is not posted, and ends `dead` with the reason.
 */
import type { Log } from "../shared/log.js";
import type { ClaimedNotification, NotificationQueue, Pacing } from "../store/types.js";
import type { SlackChannel } from "../settings/channels.js";
import type { PostOutcome, SlackPoster } from "../slack/poster.js";
import { MAX_BOT_CALLS, type PostedEvent, type ThreadPoster } from "../threads/thread-poster.js";
import type { Metrics } from "../ops/metrics.js";
import type { SlackMessage } from "../format/slack-message.js";
import { formatSummary } from "../format/format.js";
import { nextRetryDelay } from "../shared/retry-schedule.js";
import { DEFAULT_POST_TIMEOUT_MS } from "../slack/poster.js";
import { decodeQueuedMessage, type QueuedMessage } from "./queued-message.js";
import { reservedChannelReason } from "./channel-plan.js";

export interface SendDeps {
  store: NotificationQueue & Pacing;
  poster: SlackPoster;
  /** Posts to bot channels and direct messages (threads, live parents); null without a bot token. */
  threads: ThreadPoster | null;
  metrics: Metrics;
  log: Log;
  owner: string;
  /** Whether repositories of `repositoryOwner` may post to `channel` now (`ChannelRegistry.mayUse`). */
  mayUse: (channel: string, repositoryOwner: string) => boolean;
  slackPaceMs: number;
  burstSummaryAfter: number;
  leaseMs: number;
  now: () => Date;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Pauses briefly while deliveries arrive fast, so receipt keeps its pace. */
  yieldToIngest: () => Promise<void>;
  stopped: () => boolean;
}

/** Most notifications merged into one summary. */
const SUMMARY_LIMIT = 200;

/**
 * Posts what waits for `channel` until nothing is left or the worker stops.
 *
 * @example
 * await drainChannel({ deps, channel });
 */
export async function drainChannel(params: {
  deps: SendDeps;
  channel: SlackChannel;
}): Promise<void> {
  const { deps, channel } = params;
  // Only "none", "some" and "enough to merge" matter: count no further than that.
  const cap = Math.max(1, deps.burstSummaryAfter);
  const waitingNow = () => deps.store.countWaiting({ channel: channel.name, now: deps.now(), cap });
  while (!deps.stopped()) {
    await deps.yieldToIngest();
    let waiting = await waitingNow();
    if (waiting === 0) return;

    // Every post to a webhook or bot channel takes its turn first (shared by all instances
    // through the store): that is how the pace and Slack's Retry-After hold across instances.
    let turn: Date | null = null;
    if (channel.kind !== "log") {
      const taken = await takeTurn({ deps, channel });
      if (taken === "stopped") return;
      turn = taken.hold;
      // A burst keeps arriving while we wait: counted before the wait, its first messages
      // would be posted one by one.
      if (taken.waited) waiting = await waitingNow();
    }
    let waitAfterMs = 0;
    try {
      const digest = await deps.store.claimDigest({
        channel: channel.name,
        owner: deps.owner,
        leaseMs: leaseFor({ deps, channel }),
        now: deps.now(),
      });
      // Direct messages go to different people: never merged into one summary.
      const merge =
        channel.kind !== "dm" && deps.burstSummaryAfter > 0 && waiting >= deps.burstSummaryAfter;
      const claimed =
        digest.length > 0
          ? digest
          : await deps.store.claimNotifications({
              channel: channel.name,
              owner: deps.owner,
              limit: merge ? SUMMARY_LIMIT : 1,
              leaseMs: leaseFor({ deps, channel }),
              now: deps.now(),
            });
      if (claimed.length === 0) return;
      const answer = await postClaimed({ deps, channel, claimed });
      // Nothing posted (every row refused): the webhook's next turn need not wait. The Web API
      // calls of one bot post (a parent's update, then the reply) are spaced by the pace
      // within the turn, so the next post waits the pace after the last of them.
      waitAfterMs =
        answer.posted && answer.calls > 0
          ? Math.max(deps.slackPaceMs, answer.retryAfterMs ?? 0)
          : 0;
    } finally {
      // The next post to this webhook counts from this one's answer: Slack never sees two posts
      // closer than the pace, and never one before its Retry-After has passed.
      if (turn !== null) {
        await deps.store.finishPost({
          target: channel.target,
          hold: turn,
          now: deps.now(),
          waitMs: waitAfterMs,
        });
      }
    }
  }
}

/** How long one call to Slack takes at most: the poster's timeout, and a margin. */
const POST_HOLD_MS = DEFAULT_POST_TIMEOUT_MS + 1_000;

/**
 * How long one post to `channel` may take at most: one call to a webhook; for a bot channel
 * the most Web API calls one post makes ({@link MAX_BOT_CALLS}: edit the parent, reply, start a
 * new parent; or a summary and its parents' edits), the pace apart. The turn is held, and a
 * claimed row leased, at least that long, so no other instance posts it while it is under way.
 */
function postBudgetMs(params: { deps: SendDeps; channel: SlackChannel }): number {
  const { deps, channel } = params;
  if (channel.kind !== "bot" && channel.kind !== "dm") return POST_HOLD_MS;
  return MAX_BOT_CALLS * POST_HOLD_MS + (MAX_BOT_CALLS - 1) * deps.slackPaceMs;
}

function leaseFor(params: { deps: SendDeps; channel: SlackChannel }): number {
  return Math.max(params.deps.leaseMs, postBudgetMs(params) + 1_000);
}

/**
 * Waits until this process holds the webhook's turn. With a pace, one post to a webhook is in
 * flight at a time across all instances; without one (`SLACK_PACE=0`) posts may overlap, but a
 * Retry-After still holds every instance back.
 */
async function takeTurn(params: {
  deps: SendDeps;
  channel: SlackChannel;
}): Promise<{ hold: Date; waited: boolean } | "stopped"> {
  const { deps, channel } = params;
  const holdMs = deps.slackPaceMs > 0 ? postBudgetMs({ deps, channel }) : 0;
  let waited = false;
  for (;;) {
    const start = await deps.store.tryStartPost({
      target: channel.target,
      now: deps.now(),
      holdMs,
    });
    if (start.ok) return { hold: start.hold, waited };
    // A post in flight holds the turn up to its timeout but usually ends sooner: look again
    // within one pace rather than sleeping out the whole hold.
    const untilTurn = start.retryAt.getTime() - deps.now().getTime();
    await deps.sleep(Math.max(1, Math.min(untilTurn, Math.max(deps.slackPaceMs, 50))));
    if (deps.stopped()) return "stopped";
    waited = true;
  }
}

/**
 * Posts what was claimed (leaving out rows whose owner may not use the channel) and records
 * the outcome; answers whether anything was posted and Slack's Retry-After, if any.
 */
async function postClaimed(params: {
  deps: SendDeps;
  channel: SlackChannel;
  claimed: ClaimedNotification[];
}): Promise<{ posted: boolean; retryAfterMs: number | null; calls: number }> {
  const { deps, channel } = params;
  let decoded: { row: ClaimedNotification; queued: QueuedMessage }[];
  try {
    decoded = params.claimed.map((row) => ({
      row,
      queued: decodeQueuedMessage(row.message, row.deliveryId),
    }));
  } catch (error) {
    await finishAll({
      deps,
      channel,
      claimed: params.claimed,
      status: "dead",
      error: (error as Error).message,
      nextAttemptAt: null,
    });
    return { posted: false, retryAfterMs: null, calls: 0 };
  }
  // A direct message is the operator's (the people file), not a channel a repository chose.
  const refused =
    channel.kind === "dm"
      ? []
      : decoded.filter(({ queued }) => !mayPost({ deps, channel: channel.name, queued }));
  if (refused.length > 0) {
    const reason = reservedChannelReason(channel.name);
    deps.log.warn(
      { channel: channel.name, deliveryIds: refused.map(({ row }) => row.deliveryId) },
      "not posting: the channel is reserved for other owners",
    );
    const rows = refused.map(({ row }) => row);
    await finishAll({
      deps,
      channel,
      claimed: rows,
      status: "dead",
      error: reason,
      nextAttemptAt: null,
      outcome: "skipped",
    });
  }
  const allowed = decoded.filter((entry) => !refused.includes(entry));
  const claimed = allowed.map(({ row }) => row);
  const first = claimed[0];
  if (!first) return { posted: false, retryAfterMs: null, calls: 0 };
  const queued = allowed.map((entry) => entry.queued);
  const message: SlackMessage =
    queued.length === 1 && queued[0]
      ? queued[0].message
      : formatSummary({
          channel: channel.name,
          // Rows without an event (reminders) are never merged: each has its own digest key.
          events: queued.flatMap((entry) => (entry.event ? [entry.event] : [])),
        });

  const log = deps.log.child({
    channel: channel.name,
    deliveryId: first.deliveryId,
    merged: claimed.length,
  });
  // A digest (or quiet-hours hold) is never a thread reply, even with one message in it.
  const single = queued.length === 1 && first.digestKey === null ? (queued[0] ?? null) : null;
  const { outcome, calls, detail } = await send({
    deps,
    channel,
    message,
    single,
    events: allowed.flatMap(({ row, queued: entry }) =>
      entry.event
        ? [{ event: entry.event, receivedAt: row.receivedAt, thread: entry.thread ?? false }]
        : [],
    ),
  });
  const now = deps.now();
  if (outcome.result === "sent") {
    deps.metrics.slackPosts.inc({ result: "sent" });
    for (const row of claimed) {
      deps.metrics.receiptToPost.observe(
        Math.max(0, now.getTime() - row.receivedAt.getTime()) / 1000,
      );
    }
    await finishAll({
      deps,
      channel,
      claimed,
      status: "sent",
      error: null,
      nextAttemptAt: null,
      detail,
    });
    const digest = first.digestKey !== null;
    log.info(
      { ...(digest ? { digest: first.digestKey } : {}) },
      claimed.length > 1
        ? `posted a ${digest ? "digest" : "summary"} of ${claimed.length} messages`
        : "posted to Slack",
    );
    return { posted: true, retryAfterMs: null, calls };
  }
  if (outcome.result === "dead") {
    deps.metrics.slackPosts.inc({ result: "dead" });
    log.error({ error: outcome.error }, "Slack refused the message for good");
    await finishAll({
      deps,
      channel,
      claimed,
      status: "dead",
      error: outcome.error,
      nextAttemptAt: null,
    });
    return { posted: true, retryAfterMs: null, calls };
  }

  const rateLimited = outcome.retryAfterMs !== null;
  deps.metrics.slackPosts.inc({ result: rateLimited ? "rate_limited" : "retry" });
  // One retry time for the whole post: rows that failed together are due together, so a
  // digest is claimed whole again rather than split by each row's jitter.
  // `attempts` already counts the post that just failed.
  const attempts = Math.max(...claimed.map((row) => row.attempts));
  const wait = nextRetryDelay({
    attempt: attempts,
    random: deps.random,
    retryAfterMs: outcome.retryAfterMs,
  });
  if (wait === null) {
    await finishAll({
      deps,
      channel,
      claimed,
      status: "dead",
      error: `gave up after ${attempts} attempts: ${outcome.error}`,
      nextAttemptAt: null,
    });
  } else {
    await finishAll({
      deps,
      channel,
      claimed,
      status: "failed",
      error: outcome.error,
      nextAttemptAt: new Date(now.getTime() + wait),
    });
  }
  log.warn(
    { error: outcome.error, retryAfterMs: outcome.retryAfterMs },
    "Slack post failed; will retry",
  );
  return { posted: true, retryAfterMs: outcome.retryAfterMs, calls };
}

/**
 * One post: through the channel's incoming webhook, or for a bot channel or a direct message
 * through the Web API (threaded when the route threads and the message is about one item; a
 * summary or digest is always top-level). Answers the outcome, the Web API calls made, and
 * what was done for the history.
 */
async function send(params: {
  deps: SendDeps;
  channel: SlackChannel;
  message: SlackMessage;
  /** The one queued message posted as its own (not a digest), or null for a summary or digest. */
  single: QueuedMessage | null;
  /** Every event in the message, for the parents a summary moves on. */
  events: PostedEvent[];
}): Promise<{ outcome: PostOutcome; calls: number; detail: string | null }> {
  const { deps, channel, message, single } = params;
  if (channel.kind !== "bot" && channel.kind !== "dm") {
    return { outcome: await deps.poster.post(channel, message), calls: 1, detail: null };
  }
  if (deps.threads === null) {
    return {
      outcome: { result: "dead", error: "SLACK_BOT_TOKEN is not set: bot channels cannot post" },
      calls: 0,
      detail: null,
    };
  }
  const answer = await deps.threads.post({
    channel,
    message,
    events: params.events,
    reply: single !== null,
    broadcast: single?.broadcast ?? false,
    dmTo: single?.dmTo ?? null,
  });
  if (answer.result === "sent") {
    return { outcome: { result: "sent" }, calls: answer.calls, detail: answer.detail };
  }
  const { calls, ...outcome } = answer;
  return { outcome, calls, detail: null };
}

/** Whether the message's repository owner may post to `channel` (an event naming no owner may not, where owners are listed). */
function mayPost(params: { deps: SendDeps; channel: string; queued: QueuedMessage }): boolean {
  const owner =
    params.queued.owner ??
    (params.queued.event as { repository?: { owner?: unknown } } | undefined)?.repository?.owner;
  return params.deps.mayUse(params.channel, typeof owner === "string" ? owner : "");
}

async function finishAll(params: {
  deps: SendDeps;
  channel: SlackChannel;
  claimed: ClaimedNotification[];
  status: "sent" | "failed" | "dead";
  error: string | null;
  nextAttemptAt: Date | null;
  /** The history line's outcome, when it is not the status's own (`retry`, `sent`, `dead`). */
  outcome?: string;
  /** The history line's detail when it is not the error: what a bot post did. */
  detail?: string | null;
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
  outcome?: string;
  detail?: string | null;
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
    // The history line commits with the post's end: one transaction, not two.
    history: {
      outcome: params.outcome ?? (status === "failed" ? "retry" : status),
      detail: params.detail ?? error,
    },
  });
  if (!held) {
    deps.log.warn(
      { deliveryId: row.deliveryId, channel: row.channel },
      "lease lost before the post was recorded",
    );
  }
}
