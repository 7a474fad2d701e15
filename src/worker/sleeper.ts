/**
 * The worker's sleeps, all cut short at once when it stops: the loop's pause after a failure,
 * a drain's wait for its pace slot, the pause that yields to receipt.
 */

export interface Sleeper {
  /** Resolves after `ms`, or at once when {@link Sleeper.wakeAll} is called. */
  sleep(ms: number): Promise<void>;
  /** Ends every sleep under way. */
  wakeAll(): void;
}

/**
 * @example
 * const sleeper = createSleeper();
 * await sleeper.sleep(1_000); // elsewhere: sleeper.wakeAll()
 */
export function createSleeper(): Sleeper {
  const sleepers = new Set<() => void>();
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          sleepers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        sleepers.add(done);
      }),
    wakeAll() {
      for (const wake of [...sleepers]) wake();
    },
  };
}
