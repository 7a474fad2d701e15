/** What a notification row carries: the message to post and the event, so a burst can be merged into a summary. */
import type { ActivityEvent } from "../normalize/activity-event.js";
import type { SlackMessage } from "../format/slack-message.js";

export interface QueuedMessage {
  /** The event announced; absent for a message about no one event (a reminder). */
  event?: ActivityEvent;
  message: SlackMessage;
  /**
   * For a message without an event: the repository owner the channel's allowlist is checked
   * against (a reminder's installation account; empty for a direct message).
   */
  owner?: string;
  /**
   * Whether, on a bot channel, the message goes in its item's thread (the route's `thread:`).
   * Absent in rows queued before threads existed: those post top-level.
   */
  thread?: boolean;
  /** Whether a thread reply is also shown in the channel (the route's `broadcast:`). */
  broadcast?: boolean;
  /** On the direct-message queue: the Slack user the message is for. */
  dmTo?: string;
}

export function encodeQueuedMessage(queued: QueuedMessage): string {
  return JSON.stringify(queued);
}

/** Reads a notification's message column; throws with the delivery named when it is not a QueuedMessage. */
export function decodeQueuedMessage(text: string, deliveryId: string): QueuedMessage {
  const parsed = JSON.parse(text) as Partial<QueuedMessage>;
  if (
    !parsed ||
    typeof parsed !== "object" ||
    !parsed.message ||
    (!parsed.event && typeof parsed.owner !== "string")
  ) {
    throw new Error(`notification of delivery ${deliveryId} holds no queued message`);
  }
  return parsed as QueuedMessage;
}
