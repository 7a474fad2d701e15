/**
 * What the store keeps for a thread's parent (its `state` column), and the parent's message:
 * the message that opened the thread (the first event about the item in the channel) followed
 * by the item's live state. Pure.
 */
import type { SlackMessage } from "../format/slack-message.js";
import type { FormatOptions } from "../format/format.js";
import { decodeItemState, encodeItemState, type ItemState } from "./item-state.js";
import { formatParent } from "./parent-message.js";
import { SLACK_LIMITS } from "../format/slack-limits.js";

/** A parent as stored: the item's state and the message that opened the thread. */
export interface ParentRecord {
  /** The item's state after the last event threaded under the parent. */
  state: ItemState;
  /** The first message about the item in the channel, kept so every edit of the parent still shows it. */
  opening: SlackMessage;
  /**
   * When the delivery of the last event applied to `state` was received (epoch ms): an event
   * received earlier (a retried post) does not set the parent back. 0 when unknown.
   */
  lastEventAt: number;
}

/** Version of the stored text; a row of another version is read as no parent (a new one starts). */
const RECORD_VERSION = 1;

/**
 * @example
 * readParentRecord(writeParentRecord({ state, opening, lastEventAt })) // { state, opening, lastEventAt }
 */
export function writeParentRecord(record: ParentRecord): string {
  return JSON.stringify({
    v: RECORD_VERSION,
    state: encodeItemState(record.state),
    opening: record.opening,
    lastEventAt: record.lastEventAt,
  });
}

/** The stored parent, or null when the text is not one this version wrote (a new parent starts). */
export function readParentRecord(text: string): ParentRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { v, state, opening, lastEventAt } = parsed as {
    v?: unknown;
    state?: unknown;
    opening?: unknown;
    lastEventAt?: unknown;
  };
  if (v !== RECORD_VERSION || typeof state !== "string") return null;
  const decoded = decodeItemState(state);
  if (decoded === null || !isMessage(opening)) return null;
  return {
    state: decoded,
    opening,
    lastEventAt: typeof lastEventAt === "number" && Number.isFinite(lastEventAt) ? lastEventAt : 0,
  };
}

/**
 * The parent's message: the opening message, then the item's live state (the state part of
 * {@link formatParent}, without its headline, which the opening message already gives).
 *
 * @example
 * parentMessage({ state, opening: format(openedEvent) }).blocks.length // opening blocks + state
 */
export function parentMessage(params: {
  state: ItemState;
  opening: SlackMessage;
  options?: FormatOptions;
}): SlackMessage {
  const parent = formatParent({
    state: params.state,
    ...(params.options ? { options: params.options } : {}),
  });
  const stateBlocks = parent.blocks.slice(1);
  const room = SLACK_LIMITS.blocks - stateBlocks.length;
  return {
    text: params.opening.text,
    blocks: [...params.opening.blocks.slice(0, Math.max(1, room)), ...stateBlocks],
  };
}

function isMessage(value: unknown): value is SlackMessage {
  if (typeof value !== "object" || value === null) return false;
  const { text, blocks } = value as { text?: unknown; blocks?: unknown };
  return typeof text === "string" && Array.isArray(blocks);
}
