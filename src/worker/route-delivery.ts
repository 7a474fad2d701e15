/**
 * Routing one stored delivery: normalise, check mutes, load the repository's config, route,
 * plan each channel (mutes, quiet hours, digests), format.
 * Returns what to queue, or why nothing is sent. I/O only through `configs`.
 */
import type { DeliveryRecord, NewNotification } from "../store/types.js";
import type { ChannelRegistry } from "../settings/channels.js";
import { normalize, MalformedPayloadError } from "../normalize/normalize.js";
import { format } from "../format/format.js";
import { route } from "../route/route.js";
import type { ConfigSource } from "../repo-config/config-source.js";
import { encodeQueuedMessage } from "./queued-message.js";
import { muteReason, NO_MUTES, type ActiveMutes } from "./mutes.js";
import { planChannels, planDetail, skipReason } from "./channel-plan.js";

export type RoutingOutcome =
  | {
      kind: "queue";
      notifications: NewNotification[];
      /** Channels left out on purpose (reserved for other owners, muted, quiet hours with `drop`), each with its reason. */
      dropped: { channel: string; reason: string }[];
      detail: string;
    }
  | { kind: "skip"; reason: string };

/**
 * Decides what one delivery sends. Throws when the config cannot be loaded now (retry later).
 *
 * @example
 * const outcome = await routeDelivery({ delivery, configs, channels, mutes, now: new Date() });
 */
export async function routeDelivery(params: {
  delivery: DeliveryRecord;
  configs: ConfigSource;
  channels: ChannelRegistry;
  /** The mutes in force; none when absent. */
  mutes?: ActiveMutes;
  /** The routing instant digest windows and quiet hours are read at; the clock when absent. */
  now?: Date;
}): Promise<RoutingOutcome> {
  const { delivery, configs, channels } = params;
  const mutes = params.mutes ?? NO_MUTES;
  let payload: unknown;
  try {
    payload = JSON.parse(delivery.payload);
  } catch {
    return { kind: "skip", reason: "malformed payload: not JSON" };
  }
  if (delivery.event === "push") await configs.invalidateFromPush?.(payload);
  if (delivery.event === "pull_request") {
    await configs.checkChange?.({
      installationId: delivery.installationId,
      eventName: delivery.event,
      payload,
    });
  }

  let event;
  try {
    event = normalize(delivery.event, payload);
  } catch (error) {
    if (error instanceof MalformedPayloadError)
      return { kind: "skip", reason: `malformed payload: ${error.message}` };
    throw error;
  }
  if (event === null) return { kind: "skip", reason: "not a notified event" };
  const repositoryMute = mutes.repository(event.repository.fullName);
  if (repositoryMute !== undefined) return { kind: "skip", reason: muteReason(repositoryMute) };

  const config = await configs.load({
    installationId: delivery.installationId,
    owner: event.repository.owner,
    repo: event.repository.name,
  });
  const decision = route(event, config);
  if (decision.kind === "skip") return { kind: "skip", reason: decision.reason };

  // Config validation keeps unknown and reserved channels out of a file; this guards a channel
  // the operator removed or restricted since, and the targets no file named (defaults).
  const plan = planChannels({
    targets: decision.targets,
    isConfigured: (name) => channels.get(name) !== undefined,
    mayUse: (name) => channels.mayUse(name, event.repository.owner),
    mutes,
    now: params.now ?? new Date(),
  });
  if (plan.queue.length === 0) return { kind: "skip", reason: skipReason(plan) };
  const message = encodeQueuedMessage({ event, message: format(event) });
  return {
    kind: "queue",
    notifications: plan.queue.map((planned) => ({
      channel: planned.channel,
      message,
      digestKey: planned.digestKey,
      dueAt: planned.dueAt,
    })),
    dropped: plan.dropped,
    detail: planDetail({ kind: event.kind, plan }),
  };
}
