/**
 * Routing one stored delivery: normalise, check mutes, load the repository's config, route,
 * plan each channel (mutes, quiet hours, digests), format.
 * Returns what to queue, or why nothing is sent. I/O only through `configs`.
 */
import type { DeliveryRecord, NewNotification } from "../store/types.js";
import { DM_CHANNEL, type ChannelRegistry } from "../settings/channels.js";
import { NO_PEOPLE, type PeopleDirectory } from "../settings/people.js";
import type { ActivityEvent } from "../normalize/activity-event.js";
import { directMessageFor } from "../threads/direct-messages.js";
import { normalize, MalformedPayloadError } from "../normalize/normalize.js";
import { format } from "../format/format.js";
import { route } from "../route/route.js";
import type { ConfigSource } from "../repo-config/config-source.js";
import { encodeQueuedMessage } from "./queued-message.js";
import { muteReason, NO_MUTES, type ActiveMutes } from "./mutes.js";
import { planChannels, planDetail, skipReason } from "./channel-plan.js";
import type { SlackMessage } from "../format/slack-message.js";

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
  /** The operator's GitHub login to Slack user mapping, for mentions and direct messages; nobody when absent. */
  people?: PeopleDirectory;
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
  const people = params.people ?? NO_PEOPLE;
  const message = format(event, { slackIdOf: (login) => people.lookup(login)?.slackId ?? null });
  // A direct message goes to the person the event is about, whatever the routes say.
  const direct = directMessage({ event, message, channels, people });
  const decision = route(event, config);
  if (decision.kind === "skip") {
    if (direct === null) return { kind: "skip", reason: decision.reason };
    return {
      kind: "queue",
      notifications: [direct.notification],
      dropped: [],
      detail: `${event.kind} -> ${direct.detail} (channels: ${decision.reason})`,
    };
  }

  // Config validation keeps unknown and reserved channels out of a file; this guards a channel
  // the operator removed or restricted since, and the targets no file named (defaults).
  const plan = planChannels({
    targets: decision.targets,
    isConfigured: (name) => channels.get(name) !== undefined,
    mayUse: (name) => channels.mayUse(name, event.repository.owner),
    mutes,
    now: params.now ?? new Date(),
  });
  if (plan.queue.length === 0 && direct === null) return { kind: "skip", reason: skipReason(plan) };
  const targets = new Map(decision.targets.map((target) => [target.channel, target]));
  const notifications: NewNotification[] = plan.queue.map((planned) => {
    const target = targets.get(planned.channel);
    return {
      channel: planned.channel,
      message: encodeQueuedMessage({
        event,
        message,
        thread: target?.thread ?? false,
        broadcast: target?.broadcast.includes(event.kind) ?? false,
      }),
      digestKey: planned.digestKey,
      dueAt: planned.dueAt,
    };
  });
  if (direct !== null) notifications.push(direct.notification);
  const detail = planDetail({ kind: event.kind, plan });
  return {
    kind: "queue",
    notifications,
    dropped: plan.dropped,
    detail: direct === null ? detail : `${detail}, ${direct.detail}`,
  };
}

/**
 * The direct message an event sends (one per event, to the one person it is about), when the
 * operator's people file asks for it and a bot token is configured.
 */
function directMessage(params: {
  event: ActivityEvent;
  message: SlackMessage;
  channels: ChannelRegistry;
  people: PeopleDirectory;
}): { notification: NewNotification; detail: string } | null {
  if (params.channels.dm() === null) return null;
  const person = directMessageFor({ event: params.event, people: params.people });
  if (person === null) return null;
  return {
    notification: {
      channel: DM_CHANNEL,
      message: encodeQueuedMessage({
        event: params.event,
        message: params.message,
        dmTo: person.slackId,
      }),
      digestKey: null,
      dueAt: null,
    },
    detail: `direct message to ${person.login}`,
  };
}
