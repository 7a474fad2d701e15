/** Small in-memory helpers the config caches share. */

/**
 * Runs `run` once per key at a time: callers arriving while it runs get the same promise,
 * so a burst of events for one repository costs one GitHub request.
 *
 * @example await Promise.all([share(inflight, "a", fetchIt), share(inflight, "a", fetchIt)]) // fetchIt ran once
 */
export function share<T>(
  inflight: Map<string, Promise<T>>,
  key: string,
  run: () => Promise<T>,
): Promise<T> {
  const running = inflight.get(key);
  if (running !== undefined) return running;
  const started = run().finally(() => {
    // A newer run may have replaced this one (after an invalidation); leave that one in place.
    if (inflight.get(key) === started) inflight.delete(key);
  });
  inflight.set(key, started);
  return started;
}

/**
 * Sets a map entry as the newest, evicting the oldest entries past `max` so an
 * installation with many repositories cannot grow memory without bound.
 */
export function remember<T>(params: {
  map: Map<string, T>;
  key: string;
  value: T;
  max: number;
}): void {
  const { map, key, value, max } = params;
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done === true) break;
    map.delete(oldest.value);
  }
}
