/**
 * Waiting in tests. To wait until something happens, use `vi.waitFor(assertion, { timeout })`;
 * these cover the other two cases: a plain pause, and proving that something does NOT happen for a
 * while (nothing posted twice, nothing more delivered), checked all along rather than once at the end.
 */
/**
 * Resolves after `ms` (at once for a negative `ms`).
 *
 * @example
 * await sleep(500);
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Runs `assertion` every `intervalMs` (default 50) for `ms` and fails the first time it throws: for
 * claims that something stays as it is ("still one post a second later").
 *
 * @example
 * await holdsFor(() => expect(slack.posts).toHaveLength(1), { ms: 1_000 });
 */
export async function holdsFor(
  assertion: () => void | Promise<void>,
  params: { ms: number; intervalMs?: number },
): Promise<void> {
  const until = Date.now() + params.ms;
  for (;;) {
    await assertion();
    if (Date.now() >= until) return;
    await sleep(Math.min(params.intervalMs ?? 50, until - Date.now()));
  }
}
