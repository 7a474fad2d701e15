/**
 * Group commit on its own: which calls share a batch, how many batches are written at once,
 * and when `drain` resolves.
 */
import { describe, expect, it } from "vitest";
import { createGroupCommit, firstOccurrences } from "../../src/store/group-commit.js";

/** A writer whose batches stay open until the test finishes them, one by one. */
function heldWriter() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  let open = 0;
  let mostOpen = 0;
  return {
    batches,
    mostOpen: () => mostOpen,
    open: () => open,
    finishNext: () => finish.shift()?.(),
    write: async (items: number[]) => {
      batches.push(items);
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      await new Promise<void>((resolve) => finish.push(resolve));
      open -= 1;
      return items.map((n) => n * 10);
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("createGroupCommit", () => {
  it("writes the calls of one event-loop turn as one batch and answers each in order", async () => {
    const writer = heldWriter();
    const commits = createGroupCommit({ write: writer.write, maxBatch: 100 });
    const results = Promise.all([1, 2, 3].map((n) => commits.submit(n)));
    await turn();
    expect(writer.batches).toEqual([[1, 2, 3]]);
    writer.finishNext();
    expect(await results).toEqual([10, 20, 30]);
  });

  it("writes one batch at a time by default; calls arriving meanwhile form the next", async () => {
    const writer = heldWriter();
    const commits = createGroupCommit({ write: writer.write, maxBatch: 100 });
    const first = commits.submit(1);
    await turn();
    const later = [commits.submit(2), commits.submit(3)];
    await turn();
    expect(writer.batches).toEqual([[1]]);
    writer.finishNext();
    await first;
    await turn();
    expect(writer.batches).toEqual([[1], [2, 3]]);
    writer.finishNext();
    expect(await Promise.all(later)).toEqual([20, 30]);
    expect(writer.mostOpen()).toBe(1);
  });

  it("writes up to maxInFlight batches at once, never more, and drain waits for all of them", async () => {
    const writer = heldWriter();
    const commits = createGroupCommit({ write: writer.write, maxBatch: 2, maxInFlight: 2 });
    // Five calls in one turn: batches of two; two are written at once, the third waits.
    const results = Promise.all([1, 2, 3, 4, 5].map((n) => commits.submit(n)));
    for (let i = 0; i < 5; i++) await turn();
    expect(writer.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    let drained = false;
    const drain = commits.drain().then(() => (drained = true));
    writer.finishNext();
    for (let i = 0; i < 5; i++) await turn();
    expect(writer.batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(drained).toBe(false);
    writer.finishNext();
    writer.finishNext();
    await drain;
    expect(await results).toEqual([10, 20, 30, 40, 50]);
    expect(writer.mostOpen()).toBe(2);
    expect(writer.open()).toBe(0);
  });

  it("rejects every call of a batch whose write fails, and goes on with the next", async () => {
    let calls = 0;
    const commits = createGroupCommit({
      write: async (items: number[]) => {
        calls += 1;
        if (calls === 1) throw new Error("disk full");
        return items;
      },
      maxBatch: 10,
    });
    const failed = [commits.submit(1), commits.submit(2)];
    await expect(Promise.all(failed)).rejects.toThrow("disk full");
    await expect(failed[1]).rejects.toThrow("disk full");
    expect(await commits.submit(3)).toBe(3);
  });

  it("rejects a call the writer returned no result for", async () => {
    const commits = createGroupCommit({ write: async () => [], maxBatch: 10 });
    await expect(commits.submit(1)).rejects.toThrow(/returned too few results/);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses maxInFlight %s", (maxInFlight) => {
    expect(() => createGroupCommit({ write: async () => [], maxBatch: 1, maxInFlight })).toThrow(
      /maxInFlight must be a whole number >= 1/,
    );
  });

  it("drain resolves at once when nothing was submitted", async () => {
    const commits = createGroupCommit({ write: async (items: number[]) => items, maxBatch: 1 });
    await commits.drain();
  });
});

describe("firstOccurrences", () => {
  it("marks only the first copy of each id", () => {
    expect(firstOccurrences(["a", "b", "a", "c", "b"])).toEqual([true, true, false, true, false]);
    expect(firstOccurrences([])).toEqual([]);
  });
});
