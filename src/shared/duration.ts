/**
 * Durations in operator settings and repository config: `500ms`, `1s`, `15m`, `2h`, `30d`,
 * or `0` for "off".
 */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a duration into milliseconds, or returns an error message.
 *
 * @example parseDuration("15m") // { ok: true, ms: 900000 }
 */
export function parseDuration(
  text: string,
): { ok: true; ms: number } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (trimmed === "0") return { ok: true, ms: 0 };
  const match = DURATION_RE.exec(trimmed);
  if (!match) {
    return {
      ok: false,
      error: `"${text}" is not a duration: write a number and a unit (ms, s, m, h, d), like 500ms, 1s, 15m, 2h or 30d, or 0 for off`,
    };
  }
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  return { ok: true, ms };
}

/** Writes milliseconds back in the largest unit that divides them, for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0";
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
