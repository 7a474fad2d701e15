/**
 * From a route decision's channel targets to what is queued: a channel the operator reserved
 * for other owners (`SLACK_CHANNEL_OWNERS_<NAME>`), a muted channel or one in quiet hours with
 * `drop` is dropped (with its reason), a channel the operator no longer configures is left
 * out, and every other one is queued now or held for its digest. Pure.
 *
 * The owner check is here, not only in config validation, because a target can come from
 * places validation never saw: the default routes, a route that names no channel, a config
 * inherited through `extends`, or the last valid config cached before the operator restricted
 * the channel.
 */
import type { ChannelTarget } from "../route/route.js";
import { timingFor } from "./delivery-timing.js";
import { muteReason, type ActiveMutes } from "./mutes.js";

export interface PlannedNotification {
  channel: string;
  /** Null: post on its own as soon as the channel's pace allows. */
  digestKey: string | null;
  dueAt: Date | null;
  why: "digest" | "quiet hours" | null;
}

export interface ChannelPlan {
  queue: PlannedNotification[];
  /** Channels left out on purpose, each with the reason its history records. */
  dropped: { channel: string; reason: string }[];
  /** Channels the config names that the operator has not configured (any more). */
  unknown: string[];
}

/**
 * Plans each routed channel at `now`.
 *
 * @example
 * planChannels({ targets: decision.targets, isConfigured: (name) => channels.get(name) !== undefined, mayUse: (name) => channels.mayUse(name, event.repository.owner), mutes, now })
 * // { queue: [{ channel: "eng", digestKey: null, dueAt: null, why: null }], dropped: [], unknown: [] }
 */
export function planChannels(params: {
  targets: readonly ChannelTarget[];
  isConfigured: (channel: string) => boolean;
  /** Whether the event's repository owner may post to the channel (`ChannelRegistry.mayUse`). */
  mayUse: (channel: string) => boolean;
  mutes: ActiveMutes;
  now: Date;
}): ChannelPlan {
  const plan: ChannelPlan = { queue: [], dropped: [], unknown: [] };
  for (const target of params.targets) {
    const { channel } = target;
    if (!params.isConfigured(channel)) {
      plan.unknown.push(channel);
      continue;
    }
    if (!params.mayUse(channel)) {
      plan.dropped.push({ channel, reason: reservedChannelReason(channel) });
      continue;
    }
    const mute = params.mutes.channel(channel);
    if (mute !== undefined) {
      plan.dropped.push({ channel, reason: muteReason(mute) });
      continue;
    }
    const timing = timingFor({ target, now: params.now });
    if (timing.kind === "drop") plan.dropped.push({ channel, reason: timing.reason });
    else if (timing.kind === "now")
      plan.queue.push({ channel, digestKey: null, dueAt: null, why: null });
    else
      plan.queue.push({
        channel,
        digestKey: timing.digestKey,
        dueAt: timing.dueAt,
        why: timing.why,
      });
  }
  return plan;
}

/**
 * Why a repository's message is not posted to a channel the operator reserved for other
 * owners; the same words at routing and at sending.
 *
 * @example reservedChannelReason("default") // 'channel "default" is reserved by the operator for other owners'
 */
export function reservedChannelReason(channel: string): string {
  return `channel "${channel}" is reserved by the operator for other owners`;
}

/**
 * Why nothing is queued when the plan queues nothing: the one reason for one channel, else
 * each channel with its own.
 *
 * @example
 * skipReason({ queue: [], dropped: [{ channel: "eng", reason: "quiet hours (22:00–08:00 UTC): dropped" }], unknown: [] })
 * // "quiet hours (22:00–08:00 UTC): dropped"
 */
export function skipReason(plan: ChannelPlan): string {
  const unknown =
    plan.unknown.length > 0
      ? [`routed to ${plan.unknown.join(", ")}, which the operator has not configured`]
      : [];
  const [onlyDropped] = plan.dropped;
  if (plan.dropped.length === 1 && onlyDropped && unknown.length === 0) return onlyDropped.reason;
  return [...plan.dropped.map((d) => `${d.channel}: ${d.reason}`), ...unknown].join("; ");
}

/**
 * The routing line of a delivery's history: `star.created -> default (digest until 2024-01-15T09:15:00.000Z)`.
 *
 * @example planDetail({ kind: "issues.opened", plan }) // "issues.opened -> triage, eng (dropped: ops)"
 */
export function planDetail(params: { kind: string; plan: ChannelPlan }): string {
  const { kind, plan } = params;
  const queued = plan.queue.map((q) =>
    q.dueAt === null
      ? q.channel
      : `${q.channel} (${q.why ?? "held"} until ${q.dueAt.toISOString()})`,
  );
  const notes = [
    ...(plan.dropped.length ? [`dropped: ${plan.dropped.map((d) => d.channel).join(", ")}`] : []),
    ...(plan.unknown.length ? [`not configured: ${plan.unknown.join(", ")}`] : []),
  ];
  return `${kind} -> ${queued.join(", ")}${notes.length ? ` (${notes.join("; ")})` : ""}`;
}
