/**
 * Group commit: calls that arrive in the same event-loop turn are written together in one
 * transaction, so N concurrent webhooks cost one fsync instead of N. At most `maxInFlight`
 * batches are written at a time (one by default); calls arriving meanwhile form the next batch.
 * More than one lets a batch commit while an earlier one waits for its sync or its database
 * round trip, which is where a durable write spends most of its time.
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
  /** Commits one batch; one result per item, in order. Batches may overlap (`maxInFlight`). */
  write: (items: T[]) => R[] | Promise<R[]>;
  /** Most items in one batch. */
  maxBatch: number;
  /** Most batches being written at once; 1 when left out. */
  maxInFlight?: number;
}): GroupCommit<T, R> {
  const { write, maxBatch } = params;
  const maxInFlight = params.maxInFlight ?? 1;
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) {
    throw new Error(`group commit: maxInFlight must be a whole number >= 1, got ${maxInFlight}`);
  }
  let queue: Waiting<T, R>[] = [];
  let scheduled = false;
  let writing = 0;
  let idle: (() => void)[] = [];

  const schedule = () => {
    if (scheduled || writing >= maxInFlight) return;
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
      if (writing === 0) for (const done of idle.splice(0)) done();
      return;
    }
    writing += 1;
    // More than a batch was waiting: the rest may start at once if another write is allowed.
    if (queue.length > 0) schedule();
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
      writing -= 1;
    }
    if (queue.length > 0) schedule();
    else if (writing === 0 && !scheduled) for (const done of idle.splice(0)) done();
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    drain() {
      if (queue.length === 0 && writing === 0 && !scheduled) return Promise.resolve();
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
