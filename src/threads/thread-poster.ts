/**
 * Posting to a bot channel (or a direct message) through Slack's Web API, one thread per issue
 * or pull request: the first message about an item in a channel becomes its parent; later
 * activity is a reply in the parent's thread, and the parent is edited to show the item's live
 * state. The parent of (repository, number, channel) is found with one indexed store read, never
 * a Slack history scan. A parent Slack no longer has (`message_not_found`) is forgotten and the
 * event starts a new one.
 *
 * Never throws for Slack's answers: every outcome is a {@link BotPostOutcome} the sender records,
 * with the number of Web API calls made (each counts against the channel's pace).
 *
 * Crash window: a reply Slack accepted whose outcome was not yet recorded is posted again after
 * the lease expires, as for webhooks; an update is idempotent.
 */
import type { ActivityEvent } from "../normalize/activity-event.js";
import type { SlackMessage } from "../format/slack-message.js";
import type { SlackChannel } from "../settings/channels.js";
import type { ApiOutcome, SlackWebApi } from "../slack/web-api.js";
import type { ThreadParents } from "../store/types.js";
import type { FormatOptions } from "../format/format.js";
import { nextItemState, type ItemState } from "./item-state.js";
import { threadKey } from "./thread-key.js";
import { parentMessage, readParentRecord, writeParentRecord } from "./parent-record.js";

/** One Web API call's name, for metrics. */
export type BotCall = "post" | "update" | "reply" | "dm";

/** What one bot post asks. */
export interface BotPost {
  channel: SlackChannel;
  message: SlackMessage;
  /** The event the message announces; null for a summary or digest (always top-level). */
  event: ActivityEvent | null;
  /** Whether the route threads this event (`thread:` in the repository's config). */
  thread: boolean;
  /** Whether a reply is also shown in the channel (`broadcast:`). */
  broadcast: boolean;
  /** For the DM channel: the Slack user to message. */
  dmTo: string | null;
}

export type BotPostOutcome = (
  | {
      result: "sent";
      /** What was done, for the delivery's history: `thread reply under 1700000000.000100`. */
      detail: string;
    }
  | { result: "retry"; error: string; retryAfterMs: number | null }
  | { result: "dead"; error: string }
) & {
  /** Web API calls made: each counts against the channel's pace. */
  calls: number;
};

export interface ThreadPoster {
  post(post: BotPost): Promise<BotPostOutcome>;
}

/**
 * @example
 * const poster = createThreadPoster({ api, parents: store, now: () => new Date(), onCall: (call, result) => metrics.slackApiCalls.inc({ call, result }) });
 * await poster.post({ channel, message, event, thread: true, broadcast: false, dmTo: null });
 */
export function createThreadPoster(params: {
  api: SlackWebApi;
  parents: ThreadParents;
  now: () => Date;
  /** Mentions in the parent's live state (requested reviewers). */
  formatOptions?: FormatOptions;
  /** Called after each Web API call with its outcome (`ok`, `retry`, `rate_limited`, `dead`, `gone`). */
  onCall?: (call: BotCall, result: string) => void;
  /**
   * Least time between two Web API calls of one post (`SLACK_PACE`): a parent's update and the
   * reply count against the channel's pace like any message. 0 when absent.
   */
  paceMs?: number;
  sleep?: (ms: number) => Promise<void>;
}): ThreadPoster {
  const { api, parents } = params;
  const paceMs = params.paceMs ?? 0;
  const sleep = params.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  // A user's DM channel id does not change; opening it again costs a call per message.
  const dmChannels = new Map<string, string>();

  /** Makes one Web API call of a post, the pace after the post's previous call. */
  const counted = async <T>(
    run: PostRun,
    call: BotCall,
    make: () => Promise<ApiOutcome<T>>,
  ): Promise<ApiOutcome<T>> => {
    if (run.made > 0 && paceMs > 0) await sleep(paceMs);
    run.made += 1;
    const outcome = await make();
    params.onCall?.(call, resultLabel(outcome));
    return outcome;
  };

  async function directMessage(run: PostRun, post: BotPost, user: string): Promise<BotPostOutcome> {
    let calls = 0;
    let channel = dmChannels.get(user);
    if (channel === undefined) {
      const opened = await counted(run, "dm", () => api.openDm({ user }));
      calls += 1;
      if (opened.result !== "ok") return failed(opened, calls);
      channel = opened.value.channel;
      dmChannels.set(user, channel);
    }
    const sent = await counted(run, "dm", () =>
      api.postMessage({ channel, message: post.message }),
    );
    calls += 1;
    if (sent.result === "gone") dmChannels.delete(user);
    if (sent.result !== "ok") return failed(sent, calls);
    return { result: "sent", detail: `direct message to ${user}`, calls };
  }

  async function topLevel(run: PostRun, post: BotPost, channelId: string): Promise<BotPostOutcome> {
    const sent = await counted(run, "post", () =>
      api.postMessage({ channel: channelId, message: post.message }),
    );
    if (sent.result !== "ok") return failed(sent, 1);
    return { result: "sent", detail: `posted ${sent.value.ts}`, calls: 1 };
  }

  /** Starts a new parent: the event's message with the item's state, remembered for the item. */
  async function newParent(p: {
    run: PostRun;
    post: BotPost;
    channelId: string;
    key: { repository: string; number: number };
    state: ItemState;
    callsSoFar: number;
  }): Promise<BotPostOutcome> {
    const { run, post, key, state } = p;
    const opening = post.message;
    const sent = await counted(run, "post", () =>
      api.postMessage({
        channel: p.channelId,
        message: parentMessage({ state, opening, options: params.formatOptions }),
      }),
    );
    const calls = p.callsSoFar + 1;
    if (sent.result !== "ok") return failed(sent, calls);
    await parents.saveParent({
      ...key,
      channel: post.channel.name,
      slackChannel: sent.value.channel,
      ts: sent.value.ts,
      state: writeParentRecord({ state, opening }),
      now: params.now(),
    });
    return { result: "sent", detail: `thread parent ${sent.value.ts}`, calls };
  }

  async function threaded(run: PostRun, post: BotPost, channelId: string, event: ActivityEvent) {
    const key = threadKey(event);
    if (key === null) return topLevel(run, post, channelId);
    const where = { ...key, channel: post.channel.name };
    const found = await parents.findParent(where);
    const record = found === null ? null : readParentRecord(found.state);
    /**
     * No usable parent: the event starts one when it carries the item's state (an event that
     * only names the item, such as a CI result, is posted top-level and starts none).
     */
    const startOver = (state: ItemState | null) =>
      state === null
        ? topLevel(run, post, channelId)
        : newParent({ run, post, channelId, key, state, callsSoFar: run.made });
    if (found === null || record === null) return startOver(nextItemState(null, event));
    const state = nextItemState(record.state, event) ?? record.state;
    const updated = await counted(run, "update", () =>
      api.update({
        channel: found.slackChannel,
        ts: found.ts,
        message: parentMessage({ state, opening: record.opening, options: params.formatOptions }),
      }),
    );
    if (updated.result === "gone") {
      await parents.forgetParent(where);
      return startOver(state);
    }
    if (updated.result !== "ok") return failed(updated, 1);
    const reply = await counted(run, "reply", () =>
      api.postMessage({
        channel: found.slackChannel,
        message: post.message,
        threadTs: found.ts,
        replyBroadcast: post.broadcast,
      }),
    );
    if (reply.result === "gone") {
      await parents.forgetParent(where);
      return startOver(state);
    }
    if (reply.result !== "ok") return failed(reply, 2);
    await parents.saveParent({
      ...where,
      slackChannel: found.slackChannel,
      ts: found.ts,
      state: writeParentRecord({ state, opening: record.opening }),
      now: params.now(),
    });
    return {
      result: "sent" as const,
      detail: `thread reply under ${found.ts}${post.broadcast ? " (also in the channel)" : ""}, parent updated`,
      calls: 2,
    };
  }

  return {
    async post(post) {
      const { channel } = post;
      const run: PostRun = { made: 0 };
      if (channel.kind === "dm") {
        if (post.dmTo === null) {
          return { result: "dead", error: "a direct message without a recipient", calls: 0 };
        }
        return directMessage(run, post, post.dmTo);
      }
      if (channel.channelId === null) {
        return {
          result: "dead",
          error: `channel "${channel.name}" has no Slack channel id`,
          calls: 0,
        };
      }
      if (!post.thread || post.event === null) return topLevel(run, post, channel.channelId);
      return threaded(run, post, channel.channelId, post.event);
    },
  };
}

/** The Web API calls one post has made so far. */
interface PostRun {
  made: number;
}

/** A failed call as the sender's outcome; `gone` outside a parent means the target is gone for good. */
function failed<T>(
  outcome: Exclude<ApiOutcome<T>, { result: "ok" }>,
  calls: number,
): BotPostOutcome {
  if (outcome.result === "retry") {
    return { result: "retry", error: outcome.error, retryAfterMs: outcome.retryAfterMs, calls };
  }
  return { result: "dead", error: outcome.error, calls };
}

function resultLabel(outcome: ApiOutcome<unknown>): string {
  if (outcome.result === "retry") return outcome.retryAfterMs !== null ? "rate_limited" : "retry";
  return outcome.result;
}
