/**
 * Rejects with a {@link DeadlineExceededError} when `work` has not settled within `ms`. The
 * work itself goes on (a promise cannot be cancelled); callers only stop waiting for it, and
 * can tell a missed deadline from the work's own failure by the error's class.
 *
 * @example
 * await withDeadline(store.ping(), 2_000, "store did not answer within 2000 ms");
 */
export function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceededError(message, ms)), ms);
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

/** The work given to {@link withDeadline} had not settled when its deadline passed. */
export class DeadlineExceededError extends Error {
  /** The deadline that passed, in milliseconds. */
  readonly ms: number;

  constructor(message: string, ms: number) {
    super(message);
    this.name = "DeadlineExceededError";
    this.ms = ms;
  }
}
