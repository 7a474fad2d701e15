/**
 * The typed "try again later" of any stage: an error that says the work may succeed on a later
 * attempt, and when, if the remote side said so (a rate limit's reset). The worker reads
 * `retryAt` only from this class, never from an arbitrary thrown value.
 */

/**
 * @example
 * throw new RetryLaterError({ message: "GitHub rate limit", retryAt: new Date(reset * 1000) });
 */
export class RetryLaterError extends Error {
  /** When the remote side said to come back (rate limits), or null to follow the retry schedule. */
  readonly retryAt: Date | null;

  constructor(params: { message: string; retryAt: Date | null }) {
    super(params.message);
    this.name = "RetryLaterError";
    this.retryAt = params.retryAt;
  }
}
