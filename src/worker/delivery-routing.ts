/**
 * Routing one claimed delivery, with its retry policy: route it under a deadline, record what
 * it sends or why it is skipped, and on failure put it back on the routing schedule (Slack's:
 * 1 s ... hourly, for 24 h) or end it `dead`. A delivery put off behind a stalled installation
 * follows the same path, so "failed, due again at T" is written in one place.
 */
import type { Log } from "../shared/log.js";
import type { ChannelRegistry } from "../settings/channels.js";
import type { PeopleDirectory } from "../settings/people.js";
import type { ConfigSource } from "../repo-config/config-source.js";
import type {
  CiHistory,
  HeadShas,
  DeliveryHistory,
  DeliveryQueue,
  DeliveryRecord,
  LateLabels,
  ReviewWaits,
} from "../store/types.js";
import { DeadlineExceededError, withDeadline } from "../shared/deadline.js";
import { RetryLaterError } from "../shared/retry-later.js";
import { nextRetryDelay } from "../shared/retry-schedule.js";
import { routeDelivery } from "./route-delivery.js";
import { routeReminder } from "./route-reminder.js";
import { REMINDER_EVENT } from "../reminders/types.js";
import type { ReminderRunner } from "../reminders/run-reminder.js";
import type { ActiveMutes } from "./mutes.js";
import type { Overdue } from "./routing-pool.js";
import { afterMissedDeadline, missedDeadline, routingDeadlineMessage } from "./routing-deadline.js";

export interface DeliveryRouting {
  /** Routes one delivery and records the outcome; never rejects for a routing failure. */
  routeOne(delivery: DeliveryRecord): Promise<void>;
  /**
   * Gives back what waited behind a stalled installation: retried on the routing schedule
   * (that installation is failing now). A delivery that missed its deadline before keeps that
   * error, so the next miss still counts as the second.
   */
  putOff(params: {
    overdue: Overdue<DeliveryRecord>[];
    inFlightOf(key: string): number;
  }): Promise<void>;
}

/**
 * @example
 * const routing = createDeliveryRouting({ store, configs, channels, mutes, owner, log, now, random, routingDeadlineMs, stallMs });
 * await routing.routeOne(delivery);
 */
export function createDeliveryRouting(params: {
  /**
   * Records outcomes; routing reads and writes the stateful rules' CI history and late labels,
   * pull requests' head commits, and their review states (for reminders).
   */
  store: Pick<DeliveryQueue, "finishRouting" | "failDelivery"> &
    Pick<DeliveryHistory, "recordAttempt"> &
    CiHistory &
    LateLabels &
    HeadShas &
    Pick<ReviewWaits, "recordReviewUpdate">;
  configs: ConfigSource;
  channels: ChannelRegistry;
  /** GitHub login to Slack user, for mentions and direct messages; nobody when absent. */
  people?: PeopleDirectory;
  mutes: { current(): Promise<ActiveMutes> };
  /** Runs reminder runs the scheduler stored; null (or absent) skips them. */
  reminders?: Pick<ReminderRunner, "run"> | null;
  /**
   * Told when a delivery may change which repositories have reminders: an installation added,
   * removed or given repositories, or a push that changed config.
   */
  onReminderSourcesChanged?: () => void;
  /** Counts reminder runs by what they queued. */
  onReminderRun?: (outcome: "queued" | "empty") => void;
  /** This process's claim owner. */
  owner: string;
  log: Log;
  now: () => Date;
  random: () => number;
  /** Longest one delivery's routing is waited for; a second miss in a row ends it `dead`. */
  routingDeadlineMs: number;
  /** How long an installation's oldest routing runs before it counts as stalled (for the note). */
  stallMs: number;
}): DeliveryRouting {
  const { store, owner, now } = params;
  // A push that changed config may change which repositories have reminders: the config
  // source's own answer (it drops what the push touched) says so, without parsing it again.
  const invalidate = params.configs.invalidateFromPush?.bind(params.configs);
  const onChanged = params.onReminderSourcesChanged;
  const configs: ConfigSource =
    invalidate && onChanged
      ? {
          ...params.configs,
          invalidateFromPush: async (payload) => {
            const affected = await invalidate(payload);
            if (affected === true) onChanged();
            return affected;
          },
        }
      : params.configs;

  /** When a delivery whose routing failed (or was put off) is due again; null when its day of retries is over. */
  function retryTime(p: { attempt: number; retryAt: Date | null }): Date | null {
    const delay = nextRetryDelay({
      attempt: Math.max(1, p.attempt),
      random: params.random,
      retryAfterMs: p.retryAt === null ? null : p.retryAt.getTime() - now().getTime(),
    });
    return delay === null ? null : new Date(now().getTime() + delay);
  }

  /** The one way a routing attempt fails: the delivery is due again at `nextAttemptAt`, or dead. */
  async function fail(p: {
    delivery: DeliveryRecord;
    /** Kept on the delivery: what the next attempt (and an operator) sees. */
    error: string;
    nextAttemptAt: Date | null;
    /** The history entry's detail. */
    detail: string;
  }): Promise<void> {
    await store.failDelivery({
      id: p.delivery.id,
      owner,
      error: p.error,
      nextAttemptAt: p.nextAttemptAt,
      now: now(),
    });
    await store.recordAttempt({
      deliveryId: p.delivery.id,
      channel: null,
      at: now(),
      outcome: p.nextAttemptAt ? "retry" : "dead",
      detail: p.detail,
    });
  }

  async function record(delivery: DeliveryRecord, dlog: Log): Promise<void> {
    // GitHub calls inside routing have their own timeouts, but a request stuck before it is
    // sent (throttling waiting on an unreachable Redis) would hold its slot for ever.
    if (delivery.event === "installation" || delivery.event === "installation_repositories") {
      params.onReminderSourcesChanged?.();
    }
    const reminder = delivery.event === REMINDER_EVENT;
    const outcome = await withDeadline(
      params.mutes.current().then((active) =>
        reminder
          ? routeReminder({
              delivery,
              reminders: params.reminders ?? null,
              mutes: active,
              now: now(),
            })
          : routeDelivery({
              delivery,
              configs,
              channels: params.channels,
              state: store,
              people: params.people,
              mutes: active,
              now: now(),
            }),
      ),
      params.routingDeadlineMs,
      routingDeadlineMessage(params.routingDeadlineMs),
    );
    if (reminder) params.onReminderRun?.(outcome.kind === "queue" ? "queued" : "empty");
    // The history lines commit with the routing's end: one transaction, not one per line.
    const history =
      outcome.kind === "skip"
        ? [{ channel: null, outcome: "skipped", detail: outcome.reason }]
        : [
            { channel: null, outcome: "routed", detail: outcome.detail },
            ...outcome.dropped.map((dropped) => ({
              channel: dropped.channel,
              outcome: "skipped",
              detail: dropped.reason,
            })),
          ];
    const held = await store.finishRouting({
      id: delivery.id,
      owner,
      notifications: outcome.kind === "skip" ? [] : outcome.notifications,
      reason: outcome.kind === "skip" ? outcome.reason : null,
      now: now(),
      history,
    });
    if (!held) {
      dlog.warn({}, "lease lost while routing; another worker has the delivery");
      return;
    }
    if (outcome.kind === "skip") {
      dlog.debug({ reason: outcome.reason }, "delivery skipped");
      return;
    }
    dlog.info({ route: outcome.detail }, "delivery routed");
  }

  return {
    async routeOne(delivery) {
      const dlog = params.log.child({
        deliveryId: delivery.id,
        event: delivery.event,
        action: delivery.action,
      });
      try {
        await record(delivery, dlog);
      } catch (error) {
        // A missed deadline twice in a row is a routing that will not end: give up on it now.
        const missed =
          error instanceof DeadlineExceededError
            ? afterMissedDeadline({
                previousError: delivery.error,
                deadlineMs: params.routingDeadlineMs,
              })
            : null;
        const message = missed?.error ?? (error as Error).message;
        // A GitHub outage is ridden out; a fault that never clears ends `dead` with its error.
        // `attempts` already counts this one; a RetryLaterError may name a later time.
        const nextAttemptAt =
          missed?.kind === "dead"
            ? null
            : retryTime({
                attempt: delivery.attempts,
                retryAt: error instanceof RetryLaterError ? error.retryAt : null,
              });
        await fail({ delivery, error: message, nextAttemptAt, detail: message });
        if (nextAttemptAt)
          dlog.warn({ error: message, retryAt: nextAttemptAt }, "routing failed; will retry");
        else if (missed)
          dlog.error({ error: message }, "routing missed its deadline twice; the delivery is dead");
        else dlog.error({ error: message }, "routing failed for 24 hours; the delivery is dead");
      }
    },

    async putOff({ overdue, inFlightOf }) {
      for (const { item: delivery, key } of overdue) {
        const note = `put off: ${key} has ${inFlightOf(key)} deliveries routing for over ${params.stallMs / 1000} s`;
        await fail({
          delivery,
          error: missedDeadline(delivery.error) ? (delivery.error as string) : note,
          nextAttemptAt: retryTime({ attempt: delivery.attempts, retryAt: null }),
          detail: note,
        });
      }
    },
  };
}
