/**
 * The `onWork` listeners of one store instance: each dialect calls `emit` when work may be
 * waiting (SQLite after its own writes, PostgreSQL on NOTIFY from any instance).
 */

export interface WorkListeners {
  /** Adds `listener`; returns its removal. */
  add(listener: () => void): () => void;
  /** Calls every listener; one that throws does not keep the others from waking. */
  emit(): void;
  clear(): void;
  readonly size: number;
}

/**
 * @example
 * const work = createWorkListeners();
 * const stop = work.add(() => worker.wake());
 * work.emit();
 */
export function createWorkListeners(): WorkListeners {
  const listeners = new Set<() => void>();
  return {
    add(listener) {
      // Wrapped: the same function added twice is two subscriptions.
      const own = () => listener();
      listeners.add(own);
      return () => listeners.delete(own);
    },
    emit() {
      for (const listener of listeners) {
        try {
          listener();
        } catch {
          // A listener's failure is its own; the other listeners still need waking.
        }
      }
    },
    clear: () => listeners.clear(),
    get size() {
      return listeners.size;
    },
  };
}
