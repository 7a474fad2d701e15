/**
 * Routing a reminder run (a delivery the reminder scheduler stored): the reminder runner reads
 * GitHub and decides the message; this turns its answer into what routing queues. A channel
 * reminder gets a digest key of its own, so it is always posted top-level and alone, never
 * merged into a burst summary or threaded; a personal one goes on the direct-message queue.
 */
import type { DeliveryRecord } from "../store/types.js";
import type { ReminderRunner } from "../reminders/run-reminder.js";
import { encodeQueuedMessage } from "./queued-message.js";
import { muteReasons, type ActiveMutes } from "./mutes.js";
import type { RoutingOutcome } from "./route-delivery.js";

/**
 * @example
 * const outcome = await routeReminder({ delivery, reminders: runner, mutes, now });
 */
export async function routeReminder(params: {
  delivery: DeliveryRecord;
  /** Null without a GitHub App: nothing can be read, so nothing is reminded. */
  reminders: Pick<ReminderRunner, "run"> | null;
  mutes: ActiveMutes;
  now: Date;
}): Promise<RoutingOutcome> {
  const { delivery, reminders, mutes, now } = params;
  if (reminders === null) return { kind: "skip", reason: "reminders are not running here" };
  const outcome = await reminders.run({
    payload: delivery.payload,
    mutes: muteReasons(mutes),
    now,
  });
  if (outcome.kind === "skip") return outcome;
  const direct = outcome.dmTo !== null;
  return {
    kind: "queue",
    notifications: [
      {
        channel: outcome.channel,
        message: encodeQueuedMessage({
          message: outcome.message,
          owner: outcome.owner,
          ...(outcome.dmTo !== null ? { dmTo: outcome.dmTo } : {}),
        }),
        // A direct message is never merged; a channel's reminder is kept apart by its own key.
        digestKey: direct ? null : `reminder:${delivery.id}`,
        dueAt: null,
      },
    ],
    dropped: [],
    detail: outcome.detail,
  };
}
