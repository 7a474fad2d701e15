/** Typo distance, and the nearest word, for "did you mean" hints in config and schedule errors. */

/**
 * The Levenshtein distance between `a` and `b`: insertions, deletions and substitutions.
 * Quadratic in length: callers bound what they pass (keys and words, not whole values).
 *
 * @example editDistance("weekday", "weekdays") // 1
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `input` (case ignored) when it is plausibly a typo of it: within a
 * third of its length, and at least `minTolerance` edits. Null past 100 characters: nobody
 * typos a word that long, and the distance is quadratic in length.
 *
 * @example closest("exclude_label", ["labels", "exclude_labels"], 2) // "exclude_labels"
 */
export function closest(
  input: string,
  candidates: Iterable<string>,
  minTolerance: number,
): string | null {
  if (input.length > 100) return null;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(minTolerance, Math.floor(input.length / 3)) ? best : null;
}
