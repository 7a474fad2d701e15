/**
 * When one channel's message goes out: at once, held in a digest (the route's `digest`, or
 * quiet hours with `hold`) until a due time, or dropped (quiet hours with `drop`). Pure:
 * the worker passes the routing instant.
 *
 * Rules: an event routed during quiet hours is held until they end (or dropped); otherwise
 * a digest route collects it into the window it falls in. A digest never posts during quiet
 * hours: a window that closes inside them is posted with the quiet hours' digest when they end.
 */
import type { ChannelTarget } from "../route/route.js";
import { digestWindowAt } from "./digest-window.js";
import { quietWindowAt, type QuietWindow } from "../shared/quiet-hours.js";

export type DeliveryTiming =
  | { kind: "now" }
  | {
      kind: "hold";
      /** Rows of one channel with the same key are posted together, as one message. */
      digestKey: string;
      dueAt: Date;
      /** What holds it, for logs and history. */
      why: "digest" | "quiet hours";
    }
  | { kind: "drop"; reason: string };

/**
 * Decides the timing of one routed channel at `now`.
 *
 * @example
 * timingFor({ target: { ...target, digest: "15m", timezone: "UTC" }, now: new Date("2024-01-15T09:07:00Z") })
 * // { kind: "hold", digestKey: "digest 15m UTC 2024-01-15T09:00:00.000Z", dueAt: 09:15Z, why: "digest" }
 */
export function timingFor(params: {
  target: Pick<ChannelTarget, "digest" | "timezone" | "quietHours" | "quietHoursAction">;
  now: Date;
}): DeliveryTiming {
  const { target, now } = params;
  const quietAt = (instant: Date): QuietWindow | null =>
    target.quietHours === null
      ? null
      : quietWindowAt({ now: instant, quietHours: target.quietHours });

  const quiet = quietAt(now);
  if (quiet !== null) {
    if (target.quietHoursAction === "drop") {
      return { kind: "drop", reason: `quiet hours (${quiet.label}): dropped` };
    }
    return holdForQuietHours(quiet);
  }
  if (target.digest === null) return { kind: "now" };
  const window = digestWindowAt({ now, digest: target.digest, timezone: target.timezone });
  if (window === null) return { kind: "now" };
  const quietAtEnd = quietAt(window.end);
  if (quietAtEnd !== null) return holdForQuietHours(quietAtEnd);
  return { kind: "hold", digestKey: `digest ${window.id}`, dueAt: window.end, why: "digest" };
}

function holdForQuietHours(quiet: QuietWindow): DeliveryTiming {
  return { kind: "hold", digestKey: `quiet ${quiet.id}`, dueAt: quiet.end, why: "quiet hours" };
}
