/**
 * Group commit: calls that arrive in the same event-loop turn are written together in one
 * transaction, so N concurrent webhooks cost one fsync instead of N. One batch is written at
 * a time; calls arriving meanwhile form the next batch.
 */

export interface GroupCommit<T, R> {
  /** Queues one item; resolves with its own result once its batch is committed. */
  submit(item: T): Promise<R>;
  /** Resolves when every submitted item has been written (or failed). */
  drain(): Promise<void>;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Builds a batcher around `write`, which commits a batch and returns one result per item, in order.
 *
 * @example
 * const inserts = createGroupCommit({ write: (rows) => insertAll(rows), maxBatch: 500 });
 * const outcome = await inserts.submit(row); // "stored" | "duplicate"
 */
export function createGroupCommit<T, R>(params: {
  write: (items: T[]) => R[] | Promise<R[]>;
  maxBatch: number;
}): GroupCommit<T, R> {
  const { write, maxBatch } = params;
  let queue: Waiting<T, R>[] = [];
  let scheduled = false;
  let writing = false;
  let idle: (() => void)[] = [];

  const schedule = () => {
    if (scheduled || writing) return;
    scheduled = true;
    // setImmediate runs after this turn's I/O callbacks: every request parsed in this turn joins.
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  const flush = async () => {
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    if (batch.length === 0) {
      for (const done of idle.splice(0)) done();
      return;
    }
    writing = true;
    try {
      const results = await write(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const result = results[i];
        if (result === undefined)
          w.reject(new Error("group commit: the batch writer returned too few results"));
        else w.resolve(result);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      writing = false;
    }
    if (queue.length > 0) schedule();
    else for (const done of idle.splice(0)) done();
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    drain() {
      if (queue.length === 0 && !writing && !scheduled) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}

/**
 * Marks repeats of an id inside one batch: only the first occurrence is written, later
 * ones are duplicates whatever the database says.
 *
 * @example
 * firstOccurrences(["a", "b", "a"]) // => [true, true, false]
 */
export function firstOccurrences(ids: readonly string[]): boolean[] {
  const seen = new Set<string>();
  return ids.map((id) => {
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
