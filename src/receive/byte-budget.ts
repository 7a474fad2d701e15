/**
 * One budget for the bytes held by webhook bodies whose signature is not checked yet. Each body
 * is capped at 25 MB, but many at once would still exhaust memory for anyone without the secret;
 * the budget caps their sum, and a request that does not fit is refused (503) instead of queued.
 */

/** Bytes one request holds against the budget; released once its signature is checked. */
export interface BudgetLease {
  /** Takes `bytes` more; `false` (taking nothing) when the budget cannot hold them. */
  take(bytes: number): boolean;
  /** Gives back everything this lease took; later calls do nothing. */
  release(): void;
}

export interface ByteBudget {
  /** A new, empty lease. */
  lease(): BudgetLease;
  /** Bytes currently taken by all leases. */
  inUse(): number;
  readonly limitBytes: number;
}

/** 64 MiB: two bodies at GitHub's 25 MB cap, or thousands of ordinary ones, at once. */
export const DEFAULT_UNVERIFIED_BUDGET_BYTES = 64 * 1024 * 1024;

/**
 * Creates a budget of `limitBytes` shared by every lease it hands out.
 *
 * @example
 * const budget = createByteBudget({ limitBytes: 64 * 1024 * 1024 });
 * const lease = budget.lease();
 * if (!lease.take(chunk.length)) refuse503();
 * lease.release();
 */
export function createByteBudget(params: { limitBytes: number }): ByteBudget {
  const { limitBytes } = params;
  if (!Number.isSafeInteger(limitBytes) || limitBytes <= 0) {
    throw new Error(`byte budget must be a positive whole number of bytes, got ${limitBytes}`);
  }
  let used = 0;
  return {
    limitBytes,
    inUse: () => used,
    lease() {
      let held = 0;
      let released = false;
      return {
        take(bytes) {
          if (released || bytes < 0 || used + bytes > limitBytes) return false;
          used += bytes;
          held += bytes;
          return true;
        },
        release() {
          if (released) return;
          released = true;
          used -= held;
          held = 0;
        },
      };
    },
  };
}
