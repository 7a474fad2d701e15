/**
 * Routing one stored delivery: normalise, apply the two stateful rules (back to green, late
 * labels), check mutes, load the repository's config, route, plan each channel (mutes, quiet
 * hours, digests), format. Returns what to queue, or why nothing is sent. I/O only through
 * `configs` and `state` (the store); never a GitHub API call for the kinds issue 14 added.
 * A pull request's head commit is remembered, so CI naming no pull request finds its own; its
 * review state (requested reviewers, approvals) is kept for reminders.
 */
import type {
  CiHistory,
  DeliveryRecord,
  HeadShas,
  LateLabels,
  NewNotification,
  ReviewWaits,
} from "../store/types.js";
import { DM_CHANNEL, type ChannelRegistry } from "../settings/channels.js";
import { NO_PEOPLE, type PeopleDirectory } from "../settings/people.js";
import type { ActivityEvent } from "../normalize/activity-event.js";
import { directMessageFor } from "../threads/direct-messages.js";
import { headToLookUp, pullRequestHeadOf } from "../threads/thread-key.js";
import { reviewUpdateOf } from "../reminders/review-update.js";
import { normalize, MalformedPayloadError } from "../normalize/normalize.js";
import { format } from "../format/format.js";
import { route, type ChannelTarget, type RouteDecision } from "../route/route.js";
import {
  afterPreviousConclusion,
  ciConclusionOf,
  lateLabelTargets,
  openedMarks,
} from "../route/stateful-rules.js";
import type { NotifierConfig } from "../repo-config/config-schema.js";
import { DEFAULT_ROUTES } from "../repo-config/defaults.js";
import type { ConfigSource } from "../repo-config/config-source.js";
import { encodeQueuedMessage } from "./queued-message.js";
import { muteReason, NO_MUTES, type ActiveMutes } from "./mutes.js";
import { planChannels, planDetail, skipReason, type ChannelPlan } from "./channel-plan.js";
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

/** One message routing sends: an event, its Slack message, and the channels it goes to. */
interface Announcement {
  event: ActivityEvent;
  message: SlackMessage;
  targets: readonly ChannelTarget[];
  /** For the history line: what this announcement is when it is not the event itself. */
  note: string | null;
}

/**
 * Decides what one delivery sends. Throws when the config cannot be loaded now, or the store
 * cannot answer (retry later).
 *
 * @example
 * const outcome = await routeDelivery({ delivery, configs, channels, state: store, mutes, now: new Date() });
 */
export async function routeDelivery(params: {
  delivery: DeliveryRecord;
  configs: ConfigSource;
  channels: ChannelRegistry;
  /**
   * What the stateful rules remember: the last CI conclusion per workflow and branch (a success
   * after a failure is `workflow_run.fixed`), and which items were sent to which label-filtered
   * route (a label added later sends an item once), each pull request's head commit (CI
   * naming no pull request threads under the one whose head it built), and each pull request's
   * review state (reminders list who is still asked to review).
   */
  state: CiHistory & LateLabels & HeadShas & Pick<ReviewWaits, "recordReviewUpdate">;
  /** The mutes in force; none when absent. */
  mutes?: ActiveMutes;
  /** The routing instant digest windows and quiet hours are read at; the clock when absent. */
  now?: Date;
  /** The operator's GitHub login to Slack user mapping, for mentions and direct messages; nobody when absent. */
  people?: PeopleDirectory;
}): Promise<RoutingOutcome> {
  const { delivery, configs, channels, state } = params;
  const mutes = params.mutes ?? NO_MUTES;
  const now = params.now ?? new Date();
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

  // Remembered whatever is announced: `synchronize` is not, but it moves the head.
  const head = pullRequestHeadOf({ eventName: delivery.event, payload });
  if (head !== null) await state.rememberHead({ ...head, now });
  // Kept before mutes and whether announced or not: a muted repository's reminders, and a
  // review request no route sends, still need the state true.
  const review = reviewUpdateOf({
    eventName: delivery.event,
    payload,
    installationId: delivery.installationId,
    receivedAt: delivery.receivedAt,
  });
  if (review !== null) await state.recordReviewUpdate({ ...review, now });

  let event;
  try {
    event = normalize(delivery.event, payload);
  } catch (error) {
    if (error instanceof MalformedPayloadError)
      return { kind: "skip", reason: `malformed payload: ${error.message}` };
    throw error;
  }
  if (event === null) return { kind: "skip", reason: "not a notified event" };
  // Recorded before mutes and config: a muted repository's CI history stays true.
  const conclusion = ciConclusionOf(event);
  if (conclusion !== null) {
    const previous = await state.recordConclusion({ ...conclusion, now });
    event = afterPreviousConclusion({ event, previous });
  }
  const lookUp = headToLookUp(event);
  if (lookUp !== null) {
    const number = await state.pullRequestOf(lookUp);
    if (number !== null)
      event = { ...event, detail: { ...event.detail, pullRequestNumbers: [number] } };
  }
  const repositoryMute = mutes.repository(event.repository.fullName);
  if (repositoryMute !== undefined) return { kind: "skip", reason: muteReason(repositoryMute) };

  const config = await configs.load({
    installationId: delivery.installationId,
    owner: event.repository.owner,
    repo: event.repository.name,
  });
  const people = params.people ?? NO_PEOPLE;
  const formatOptions = { slackIdOf: (login: string) => people.lookup(login)?.slackId ?? null };
  // Formatted once, and only when something is sent: most events are skipped by their routes.
  const announced = event;
  let formatted: SlackMessage | undefined;
  const message = (): SlackMessage => (formatted ??= format(announced, formatOptions));
  // A direct message goes to the person the event is about, whatever the routes say.
  const direct = directMessage({ event, message, channels, people });
  const decision = await withOpenedMarks({
    event,
    config,
    decision: route(event, config),
    state,
    deliveryId: delivery.id,
    now,
  });
  const late = await lateLabelAnnouncement({
    event,
    config,
    state,
    deliveryId: delivery.id,
    now,
  });
  const announcements: Announcement[] = [];
  if (late !== null) {
    announcements.push({
      event: late.event,
      message: format(late.event, formatOptions),
      targets: late.targets,
      note: `late label "${late.event.detail.lateLabel ?? ""}"`,
    });
  }
  if (decision.kind === "send") {
    // One message per channel: where a late label sends the item, it says more than the label.
    const lateChannels = new Set(late?.targets.map((target) => target.channel));
    const targets = decision.targets.filter((target) => !lateChannels.has(target.channel));
    if (targets.length > 0) {
      announcements.unshift({ event, message: message(), targets, note: null });
    }
  }
  if (announcements.length === 0) {
    const reason = decision.kind === "skip" ? decision.reason : "no channel left to send to";
    if (direct === null) return { kind: "skip", reason };
    return {
      kind: "queue",
      notifications: [direct.notification],
      dropped: [],
      detail: `${event.kind} -> ${direct.detail} (channels: ${reason})`,
    };
  }

  // Config validation keeps unknown and reserved channels out of a file; this guards a channel
  // the operator removed or restricted since, and the targets no file named (defaults).
  const planned = announcements.map((announcement) => ({
    announcement,
    plan: planChannels({
      targets: announcement.targets,
      isConfigured: (name) => channels.get(name) !== undefined,
      mayUse: (name) => channels.mayUse(name, announcement.event.repository.owner),
      mutes,
      now,
    }),
  }));
  const combined: ChannelPlan = {
    queue: planned.flatMap(({ plan }) => plan.queue),
    dropped: planned.flatMap(({ plan }) => plan.dropped),
    unknown: planned.flatMap(({ plan }) => plan.unknown),
  };
  if (combined.queue.length === 0 && direct === null) {
    return { kind: "skip", reason: skipReason(combined) };
  }
  const notifications: NewNotification[] = planned.flatMap(({ announcement, plan }) => {
    const targets = new Map(announcement.targets.map((target) => [target.channel, target]));
    return plan.queue.map((queued) => {
      const target = targets.get(queued.channel);
      return {
        channel: queued.channel,
        message: encodeQueuedMessage({
          event: announcement.event,
          message: announcement.message,
          thread: target?.thread ?? false,
          broadcast: target?.broadcast.includes(announcement.event.kind) ?? false,
        }),
        digestKey: queued.digestKey,
        dueAt: queued.dueAt,
      };
    });
  });
  if (direct !== null) notifications.push(direct.notification);
  const detail = planned
    .map(({ announcement, plan }) => {
      const line = planDetail({ kind: announcement.event.kind, plan });
      return announcement.note === null ? line : `${line} (${announcement.note})`;
    })
    .join(", ");
  return {
    kind: "queue",
    notifications,
    dropped: combined.dropped,
    detail: direct === null ? detail : `${detail}, ${direct.detail}`,
  };
}

/**
 * An opened issue or pull request marks each label-filtered route it matched, so a label added
 * later does not send it there again. A route a late label already took (the `labeled` event
 * was routed first, as when an item is opened with a label) is left out: the item reached it.
 * Marks are the delivery's: routing the same delivery again (a retry) sends the same.
 */
async function withOpenedMarks(params: {
  event: ActivityEvent;
  config: NotifierConfig;
  decision: RouteDecision;
  state: LateLabels;
  /** The delivery being routed: its own marks (a retried routing) do not hold it back. */
  deliveryId: string;
  now: Date;
}): Promise<RouteDecision> {
  const { event, config, decision, state, deliveryId, now } = params;
  if (decision.kind === "skip" || event.number === null) return decision;
  const taken: number[] = [];
  for (const mark of openedMarks({ event, config, matched: decision.routes })) {
    const marked = await state.markSent({
      repository: event.repository.fullName,
      number: event.number,
      routeKey: mark.routeKey,
      deliveryId,
      now,
    });
    if (!marked) taken.push(mark.index);
  }
  if (taken.length === 0) return decision;
  const routes = config.routes ?? DEFAULT_ROUTES;
  const rest = route(event, { ...config, routes: routes.filter((_, i) => !taken.includes(i)) });
  if (rest.kind === "skip") {
    return {
      kind: "skip",
      reason: `already sent to route ${taken.map((i) => i + 1).join(", ")} when a label was added`,
    };
  }
  // Indices into the remaining routes are not used past this point; only channels and targets are.
  return rest;
}

/**
 * A `labeled` event that makes an item match a label-filtered route taking opened items: the
 * item as its opened kind, to each such route the store had not marked (marked now). Routed with
 * the file's ignore rules and per-channel settings, whose author filters read who added the
 * label; announced as opened by the item's author. Null when no route newly takes it.
 */
async function lateLabelAnnouncement(params: {
  event: ActivityEvent;
  config: NotifierConfig;
  state: LateLabels;
  /** The delivery being routed: a route it marked itself (a retried routing) is sent again. */
  deliveryId: string;
  now: Date;
}): Promise<{ event: ActivityEvent; targets: ChannelTarget[] } | null> {
  const { event, config, state, deliveryId, now } = params;
  const late = lateLabelTargets({ event, config });
  if (late === null || late.event.number === null) return null;
  // Ignore rules first: a route is marked only when the item would really be sent there.
  const decision = route(late.event, { ...config, routes: late.routes.map((r) => r.route) });
  if (decision.kind === "skip") return null;
  const fresh = [];
  for (const index of decision.routes) {
    const candidate = late.routes[index];
    if (candidate === undefined) continue;
    const marked = await state.markSent({
      repository: late.event.repository.fullName,
      number: late.event.number,
      routeKey: candidate.routeKey,
      deliveryId,
      now,
    });
    if (marked) fresh.push(candidate.route);
  }
  if (fresh.length === 0) return null;
  const sent = route(late.event, { ...config, routes: fresh });
  // Routed as the labeller did it; announced as the author opened it.
  return sent.kind === "send" ? { event: late.announced, targets: sent.targets } : null;
}

/**
 * The direct message an event sends (one per event, to the one person it is about), when the
 * operator's people file asks for it and a bot token is configured.
 */
function directMessage(params: {
  event: ActivityEvent;
  /** The event's message, formatted on first use. */
  message: () => SlackMessage;
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
        message: params.message(),
        dmTo: person.slackId,
      }),
      digestKey: null,
      dueAt: null,
    },
    detail: `direct message to ${person.login}`,
  };
}
