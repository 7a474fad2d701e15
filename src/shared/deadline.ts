/**
 * Rejects with `message` when `work` has not settled within `ms`. The work itself goes on;
 * callers only stop waiting for it.
 *
 * @example
 * await withDeadline(store.ping(), 2_000, "store did not answer within 2000 ms");
 */
export function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
