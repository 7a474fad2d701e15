/** A clock a test moves by hand, for the worker's `now`: digest windows and quiet hours follow it. */
export interface FakeClock {
  now: () => Date;
  set(iso: string): void;
  advance(ms: number): void;
}

/**
 * @example
 * const clock = fakeClock("2024-01-15T09:00:00.100Z");
 * const pipeline = await startPipeline({ ..., now: clock.now });
 * clock.advance(15 * 60_000);
 */
export function fakeClock(start: string): FakeClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set(iso) {
      current = new Date(iso).getTime();
    },
    advance(ms) {
      current += ms;
    },
  };
}
