/**
 * What a routing that outlives its deadline becomes. The worker only stops waiting (GitHub
 * calls cannot be cancelled), so a delivery whose routing hangs or runs away would otherwise be
 * retried for a whole day, holding a routing slot of its installation each time: the second
 * consecutive miss ends it `dead`. The store keeps no counter for this; the delivery's last
 * `error` is the memory, which is why the wording below must stay recognisable. Pure.
 */

/** `routing exceeded the 60 s deadline`: the error a delivery keeps after one missed deadline. */
export function routingDeadlineMessage(deadlineMs: number): string {
  return `routing exceeded the ${seconds(deadlineMs)} s deadline`;
}

// Any deadline: the operator may have changed it between the two attempts.
const MISSED_DEADLINE_RE = /^routing exceeded the \d+(?:\.\d+)? s deadline(?:$|;)/;

/**
 * What to do with a delivery whose routing just missed its deadline: retry it (the first
 * miss), or give up when the error it carried into this attempt says the previous one missed
 * it too.
 *
 * @example
 * afterMissedDeadline({ previousError: null, deadlineMs: 60_000 })
 * // { kind: "retry", error: "routing exceeded the 60 s deadline" }
 * afterMissedDeadline({ previousError: "routing exceeded the 60 s deadline", deadlineMs: 60_000 })
 * // { kind: "dead", error: "routing exceeded the 60 s deadline twice; giving up" }
 */
export function afterMissedDeadline(params: { previousError: string | null; deadlineMs: number }): {
  kind: "retry" | "dead";
  error: string;
} {
  const message = routingDeadlineMessage(params.deadlineMs);
  return missedDeadline(params.previousError)
    ? { kind: "dead", error: `${message} twice; giving up` }
    : { kind: "retry", error: message };
}

/** Whether a delivery's last error records a missed routing deadline. */
export function missedDeadline(error: string | null): boolean {
  return error !== null && MISSED_DEADLINE_RE.test(error);
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
