/**
 * Posting to a bot channel (or a direct message) through Slack's Web API, one thread per issue
 * or pull request: the first message about an item in a channel becomes its parent; later
 * activity is a reply in the parent's thread, and the parent is edited to show the item's live
 * state. The parent of (repository, number, channel) is found with one indexed store read, never
 * a Slack history scan. A parent Slack no longer has (`message_not_found`), or one in a Slack
 * channel the operator no longer configures for the channel, is forgotten and the event starts
 * a new one, carrying the item's state so far.
 *
 * A message that is not one event's own (a burst summary, a digest, a quiet-hours digest) is
 * posted top-level; the events in it still move their items' parents to the new state.
 *
 * The state only moves forward: an event received before the one the parent last showed (a
 * retried post, taken after later ones) is replied in the thread but does not set the parent
 * back.
 *
 * Never throws for Slack's answers: every outcome is a {@link BotPostOutcome} the sender records,
 * with the number of Web API calls made. Calls of one post are `paceMs` apart.
 *
 * Crash window: a reply Slack accepted whose outcome was not yet recorded is posted again after
 * the lease expires, as for webhooks; an edit of the parent is idempotent.
 */
import type { ActivityEvent } from "../normalize/activity-event.js";
import type { SlackMessage } from "../format/slack-message.js";
import type { SlackChannel } from "../settings/channels.js";
import type { ApiOutcome, SlackWebApi } from "../slack/web-api.js";
import type { ThreadParent, ThreadParents } from "../store/types.js";
import type { FormatOptions } from "../format/format.js";
import type { Log } from "../shared/log.js";
import { nextItemState, type ItemState } from "./item-state.js";
import { threadKey, type ThreadKey } from "./thread-key.js";
import {
  parentMessage,
  readParentRecord,
  writeParentRecord,
  type ParentRecord,
} from "./parent-record.js";

/** One Web API call's name, for metrics. */
export type BotCall = "post" | "update" | "reply" | "dm";

/** One event a bot message announces. */
export interface PostedEvent {
  event: ActivityEvent;
  /** When its delivery was received: orders the item's states. */
  receivedAt: Date;
  /** Whether its route threads it (`thread:` in the repository's config). */
  thread: boolean;
}

/** What one bot post asks. */
export interface BotPost {
  channel: SlackChannel;
  message: SlackMessage;
  /** The events the message announces: one for an event's own message, several for a summary. */
  events: PostedEvent[];
  /** Whether the message is one event's own, to post in its item's thread (not a digest). */
  reply: boolean;
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
  /** Web API calls made. */
  calls: number;
};

export interface ThreadPoster {
  post(post: BotPost): Promise<BotPostOutcome>;
}

/** Parents a summary edits at most: the rest keep their state for their next event. */
const SUMMARY_PARENT_EDITS = 3;

/**
 * The most Web API calls one post makes: an edit of the parent, the reply and a new parent when
 * Slack lost the old one; or a summary and its parents' edits. The sender holds the channel's
 * turn and leases the rows for that many calls.
 */
export const MAX_BOT_CALLS = Math.max(3, 1 + SUMMARY_PARENT_EDITS);

/**
 * @example
 * const poster = createThreadPoster({ api, parents: store, log, now: () => new Date(), paceMs: 1000 });
 * await poster.post({ channel, message, events: [{ event, receivedAt, thread: true }], reply: true, broadcast: false, dmTo: null });
 */
export function createThreadPoster(params: {
  api: SlackWebApi;
  parents: ThreadParents;
  log: Pick<Log, "warn">;
  now: () => Date;
  /** Mentions in the parent's live state (requested reviewers). */
  formatOptions?: FormatOptions;
  /** Called after each Web API call with its outcome (`ok`, `retry`, `rate_limited`, `dead`, `gone`). */
  onCall?: (call: BotCall, result: string) => void;
  /**
   * Least time between two Web API calls of one post (`SLACK_PACE`): a parent's edit and the
   * reply count against the channel's pace like any message. 0 when absent.
   */
  paceMs?: number;
  sleep?: (ms: number) => Promise<void>;
}): ThreadPoster {
  const { api, parents, log } = params;
  const paceMs = params.paceMs ?? 0;
  const sleep = params.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const options = params.formatOptions;
  // A user's DM channel id does not change; opening it again costs a call per message.
  const dmChannels = new Map<string, string>();

  /** One post's calls, the pace apart. */
  function callsOfOnePost() {
    let made = 0;
    const call = async <T>(
      name: BotCall,
      make: () => Promise<ApiOutcome<T>>,
    ): Promise<ApiOutcome<T>> => {
      if (made > 0 && paceMs > 0) await sleep(paceMs);
      made += 1;
      const outcome = await make();
      params.onCall?.(name, resultLabel(outcome));
      return outcome;
    };
    return { call, made: () => made };
  }
  type Calls = ReturnType<typeof callsOfOnePost>;

  async function directMessage(calls: Calls, post: BotPost, user: string) {
    let channel = dmChannels.get(user);
    if (channel === undefined) {
      const opened = await calls.call("dm", () => api.openDm({ user }));
      if (opened.result !== "ok") return failed(opened, calls.made());
      channel = opened.value.channel;
      dmChannels.set(user, channel);
    }
    const dm = channel;
    const sent = await calls.call("dm", () =>
      api.postMessage({ channel: dm, message: post.message }),
    );
    if (sent.result === "gone") dmChannels.delete(user);
    if (sent.result !== "ok") return failed(sent, calls.made());
    return sentAs(`direct message to ${user}`, calls.made());
  }

  /** A parent's stored record, or null (and forgotten) when it is unusable in `channelId`. */
  async function usableParent(
    where: ThreadKey & { channel: string },
    channelId: string,
  ): Promise<{ found: ThreadParent; record: ParentRecord } | { stale: ParentRecord | null }> {
    const found = await parents.findParent(where);
    if (found === null) return { stale: null };
    const record = readParentRecord(found.state);
    if (record === null) return { stale: null };
    // The operator moved the channel to another Slack channel: never write into the old one.
    if (found.slackChannel !== channelId) {
      await parents.forgetParent(where);
      return { stale: record };
    }
    return { found, record };
  }

  /** Starts a new parent showing `state` under the event's message, remembered for the item. */
  async function newParent(p: {
    calls: Calls;
    post: BotPost;
    channelId: string;
    where: ThreadKey & { channel: string };
    state: ItemState;
    receivedAt: Date;
  }) {
    const { calls, post, state } = p;
    const opening = post.message;
    const sent = await calls.call("post", () =>
      api.postMessage({
        channel: p.channelId,
        message: parentMessage({ state, opening, options }),
      }),
    );
    if (sent.result !== "ok") return failed(sent, calls.made());
    await parents.saveParent({
      ...p.where,
      slackChannel: sent.value.channel,
      ts: sent.value.ts,
      state: writeParentRecord({ state, opening, lastEventAt: p.receivedAt.getTime() }),
      now: params.now(),
    });
    return sentAs(`thread parent ${sent.value.ts}`, calls.made());
  }

  async function threaded(calls: Calls, post: BotPost, channelId: string, posted: PostedEvent) {
    const { event, receivedAt } = posted;
    const key = threadKey(event);
    if (key === null) return topLevel(calls, post, channelId);
    const where = { ...key, channel: post.channel.name };
    const parent = await usableParent(where, channelId);
    if ("stale" in parent) {
      // No usable parent: the event starts one when it carries the item's state (one that only
      // names the item, such as a CI result, is posted top-level and starts none).
      const state =
        parent.stale === null
          ? nextItemState(null, event)
          : (nextItemState(parent.stale.state, event) ?? parent.stale.state);
      return state === null
        ? topLevel(calls, post, channelId)
        : newParent({ calls, post, channelId, where, state, receivedAt });
    }
    const { found, record } = parent;
    const newer = receivedAt.getTime() >= record.lastEventAt;
    const state = newer ? (nextItemState(record.state, event) ?? record.state) : record.state;
    let edit = newer ? "parent updated" : "parent kept (an older event)";
    if (newer) {
      const updated = await editParent({ calls, found, record, state });
      if (updated.result === "gone") {
        await parents.forgetParent(where);
        return newParent({ calls, post, channelId, where, state, receivedAt });
      }
      if (updated.result === "retry") return failed(updated, calls.made());
      if (updated.result === "dead") {
        // A parent that cannot be edited still holds the thread: the reply matters more.
        log.warn(
          { channel: post.channel.name, ts: found.ts, error: updated.error },
          "could not edit a thread's parent",
        );
        edit = `parent not updated (${updated.error})`;
      }
    }
    const reply = await calls.call("reply", () =>
      api.postMessage({
        channel: found.slackChannel,
        message: post.message,
        threadTs: found.ts,
        replyBroadcast: post.broadcast,
      }),
    );
    if (reply.result === "gone") {
      await parents.forgetParent(where);
      return newParent({ calls, post, channelId, where, state, receivedAt });
    }
    if (reply.result !== "ok") return failed(reply, calls.made());
    if (newer) {
      await parents.saveParent({
        ...where,
        slackChannel: found.slackChannel,
        ts: found.ts,
        state: writeParentRecord({
          state,
          opening: record.opening,
          lastEventAt: receivedAt.getTime(),
        }),
        now: params.now(),
      });
    }
    const also = post.broadcast ? " (also in the channel)" : "";
    return sentAs(`thread reply under ${found.ts}${also}, ${edit}`, calls.made());
  }

  /** Edits a parent to show `state` under the message that opened its thread. */
  function editParent(p: {
    calls: Calls;
    found: ThreadParent;
    record: ParentRecord;
    state: ItemState;
  }) {
    const { calls } = p;
    return calls.call("update", () =>
      api.update({
        channel: p.found.slackChannel,
        ts: p.found.ts,
        message: parentMessage({ state: p.state, opening: p.record.opening, options }),
      }),
    );
  }

  async function topLevel(calls: Calls, post: BotPost, channelId: string) {
    const sent = await calls.call("post", () =>
      api.postMessage({ channel: channelId, message: post.message }),
    );
    if (sent.result !== "ok") return failed(sent, calls.made());
    return sentAs(`posted ${sent.value.ts}`, calls.made());
  }

  /**
   * After a summary: the threaded events in it move their items' parents to the new state (at
   * most {@link SUMMARY_PARENT_EDITS} edits; best effort, a failed edit is logged).
   */
  async function refreshParents(calls: Calls, post: BotPost, channelId: string) {
    const byItem = new Map<
      string,
      { where: ThreadKey & { channel: string }; events: PostedEvent[] }
    >();
    for (const posted of post.events) {
      const key = posted.thread ? threadKey(posted.event) : null;
      if (key === null) continue;
      const id = `${key.repository.toLowerCase()}#${key.number}`;
      const entry = byItem.get(id) ?? { where: { ...key, channel: post.channel.name }, events: [] };
      entry.events.push(posted);
      byItem.set(id, entry);
    }
    let edits = 0;
    for (const { where, events } of byItem.values()) {
      if (edits >= SUMMARY_PARENT_EDITS) break;
      const parent = await usableParent(where, channelId);
      if ("stale" in parent) continue;
      const { found, record } = parent;
      let state = record.state;
      let lastEventAt = record.lastEventAt;
      for (const posted of [...events].sort(
        (a, b) => a.receivedAt.getTime() - b.receivedAt.getTime(),
      )) {
        if (posted.receivedAt.getTime() < lastEventAt) continue;
        state = nextItemState(state, posted.event) ?? state;
        lastEventAt = posted.receivedAt.getTime();
      }
      if (lastEventAt === record.lastEventAt) continue;
      edits += 1;
      const updated = await editParent({ calls, found, record, state });
      if (updated.result === "gone") {
        await parents.forgetParent(where);
        continue;
      }
      if (updated.result !== "ok") {
        log.warn(
          { channel: post.channel.name, ts: found.ts, error: updated.error },
          "could not edit a thread's parent after a summary",
        );
      }
      await parents.saveParent({
        ...where,
        slackChannel: found.slackChannel,
        ts: found.ts,
        state: writeParentRecord({ state, opening: record.opening, lastEventAt }),
        now: params.now(),
      });
    }
  }

  return {
    async post(post) {
      const { channel } = post;
      const calls = callsOfOnePost();
      if (channel.kind === "dm") {
        if (post.dmTo === null) {
          return { result: "dead", error: "a direct message without a recipient", calls: 0 };
        }
        return directMessage(calls, post, post.dmTo);
      }
      const channelId = channel.channelId;
      if (channelId === null) {
        return {
          result: "dead",
          error: `channel "${channel.name}" has no Slack channel id`,
          calls: 0,
        };
      }
      const [only] = post.events;
      if (post.reply && post.events.length === 1 && only?.thread) {
        return threaded(calls, post, channelId, only);
      }
      const outcome = await topLevel(calls, post, channelId);
      if (outcome.result === "sent") {
        await refreshParents(calls, post, channelId);
        return { ...outcome, calls: calls.made() };
      }
      return outcome;
    },
  };
}

function sentAs(detail: string, calls: number): BotPostOutcome {
  return { result: "sent", detail, calls };
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
