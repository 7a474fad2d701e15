/**
 * The worker's routing slots. Each repository is a stranger: one whose config read hangs or
 * fails (GitHub 500s, timeouts, a rate limit) must cost only its own deliveries time. So every
 * claimed delivery is routed on its own, at most `globalBound` at once and at most
 * `perKeyBound` at once per installation; a delivery of an installation at its bound waits here
 * (still under its claim) behind that installation, never in front of anyone else.
 *
 * The store claims oldest first, so an installation's backlog can only be got past by holding
 * it: the pool holds up to `holdCap` deliveries in all, and hands back for deferral what a
 * stalled installation (at its bound, its oldest routing running past `stallMs`) holds beyond
 * one more round. A held delivery's claim does not lapse while it waits: the worker renews the
 * claims of everything here (`ids()`). No I/O: the worker claims, routes and defers.
 */

export interface RoutingPoolParams<T> {
  /** Most routings in flight at once, across installations. */
  globalBound: number;
  /** Most routings in flight at once for one installation. */
  perKeyBound: number;
  /** Most deliveries held (claimed, waiting behind their installation) in all. */
  holdCap: number;
  /** The installation a delivery belongs to, e.g. `installation 42`. */
  keyOf(item: T): string;
  /** The delivery's id: a delivery claimed again while still here is not routed twice. */
  idOf(item: T): string;
  /** Routes one delivery; never rejects (failures are recorded by the caller's `run`). */
  run(item: T): Promise<void>;
  /** Called after each routing settles, so the caller can claim and send again. */
  onSettled(): void;
  /** Milliseconds on a monotonic-enough clock. */
  now(): number;
}

/** A held delivery handed back for deferral, with the stalled installation it waited behind. */
export interface Overdue<T> {
  item: T;
  key: string;
}

export interface RoutingPool<T> {
  /** How many deliveries may be claimed now: free routing slots, within what may be held. */
  claimLimit(): number;
  /**
   * Takes a claimed delivery: routes it now if its installation is under its bound, else holds it.
   * A delivery already routing here is dropped (`duplicate`); one already held is replaced by
   * the newer claim (`replaced`).
   */
  admit(item: T): "started" | "held" | "replaced" | "duplicate";
  /**
   * Removes and returns what should not wait here any longer: beyond one round (`perKeyBound`)
   * behind a stalled installation.
   */
  takeOverdue(params: { stallMs: number }): Overdue<T>[];
  inFlight(): number;
  held(): number;
  /** Ids of every delivery here, routing or held: the claims to keep renewing. */
  ids(): string[];
  /** Routings in flight for one installation. */
  inFlightOf(key: string): number;
  /** Stops starting held deliveries (they are given back by the caller). */
  close(): void;
  /** Resolves when no routing is in flight. */
  idle(): Promise<void>;
}

interface KeyState<T> {
  running: Map<string, number>;
  waiting: T[];
}

/**
 * @example
 * const pool = createRoutingPool({ globalBound: 32, perKeyBound: 4, holdCap: 128, keyOf, idOf: (d) => d.id, run, onSettled: wake, now: Date.now });
 * for (const delivery of await store.claimDeliveries({ ..., limit: pool.claimLimit() })) pool.admit(delivery);
 */
export function createRoutingPool<T>(params: RoutingPoolParams<T>): RoutingPool<T> {
  const keys = new Map<string, KeyState<T>>();
  let inFlight = 0;
  let held = 0;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const stateOf = (key: string) => {
    let state = keys.get(key);
    if (!state) {
      state = { running: new Map(), waiting: [] };
      keys.set(key, state);
    }
    return state;
  };
  const forget = (key: string, state: KeyState<T>) => {
    if (state.running.size === 0 && state.waiting.length === 0) keys.delete(key);
  };

  function start(key: string, state: KeyState<T>, item: T): void {
    const id = params.idOf(item);
    state.running.set(id, params.now());
    inFlight += 1;
    void params
      .run(item)
      .catch(() => undefined)
      .finally(() => {
        state.running.delete(id);
        inFlight -= 1;
        // This installation's next first, then anyone the global bound held back.
        startWaiting(key, state);
        for (const [other, otherState] of keys) startWaiting(other, otherState);
        forget(key, state);
        if (inFlight === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
        params.onSettled();
      });
  }

  function startWaiting(key: string, state: KeyState<T>): void {
    while (!closed && state.running.size < params.perKeyBound && inFlight < params.globalBound) {
      const next = state.waiting.shift();
      if (!next) break;
      held -= 1;
      start(key, state, next);
    }
    forget(key, state);
  }

  return {
    claimLimit() {
      if (closed) return 0;
      return Math.max(0, Math.min(params.globalBound - inFlight, params.holdCap - held));
    },

    admit(item) {
      const key = params.keyOf(item);
      const id = params.idOf(item);
      const state = stateOf(key);
      if (state.running.has(id)) return "duplicate";
      const waitingAt = state.waiting.findIndex((waiting) => params.idOf(waiting) === id);
      if (waitingAt >= 0) {
        state.waiting[waitingAt] = item;
        return "replaced";
      }
      if (!closed && state.running.size < params.perKeyBound && inFlight < params.globalBound) {
        start(key, state, item);
        return "started";
      }
      state.waiting.push(item);
      held += 1;
      return "held";
    },

    takeOverdue({ stallMs }) {
      const now = params.now();
      const overdue: Overdue<T>[] = [];
      for (const [key, state] of keys) {
        const oldestRun = Math.min(...state.running.values());
        const stalled = state.running.size >= params.perKeyBound && now - oldestRun >= stallMs;
        // Behind a stalled installation, one more round may wait; the rest is put off.
        if (!stalled || state.waiting.length <= params.perKeyBound) continue;
        const putOff = state.waiting.splice(params.perKeyBound);
        held -= putOff.length;
        for (const item of putOff) overdue.push({ item, key });
      }
      return overdue;
    },

    inFlight: () => inFlight,
    held: () => held,
    ids() {
      const ids: string[] = [];
      for (const state of keys.values()) {
        ids.push(...state.running.keys());
        for (const item of state.waiting) ids.push(params.idOf(item));
      }
      return ids;
    },
    inFlightOf: (key) => keys.get(key)?.running.size ?? 0,
    close() {
      closed = true;
    },
    idle() {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
