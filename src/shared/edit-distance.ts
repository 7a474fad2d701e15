/** Typo distance for "did you mean" hints in config and schedule errors. */

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
