import { describe, expect, it } from "vitest";
import { SampleBatcher } from "./sample-batcher.ts";

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("SampleBatcher", () => {
  it("writes what was added in one turn as one batch, and commits a batch only once its write resolved", async () => {
    const writes: number[][] = [];
    const committed: number[] = [];
    let release: () => void = () => {};
    const batcher = new SampleBatcher<number>(
      (batch) => {
        writes.push(batch);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      (batch) => committed.push(...batch),
      (error) => {
        throw error;
      },
    );
    for (let i = 0; i < 5; i++) expect(batcher.add(i)).toBeUndefined();
    expect(writes).toEqual([]);
    await turn();
    expect(writes).toEqual([[0, 1, 2, 3, 4]]);
    expect(committed).toEqual([]); // written, not yet resolved
    batcher.add(5);
    const flushed = batcher.flush();
    release();
    await turn();
    release();
    await flushed;
    expect(writes).toEqual([[0, 1, 2, 3, 4], [5]]);
    expect(committed).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("returns the write of a full batch (back-pressure)", async () => {
    const writes: number[][] = [];
    const batcher = new SampleBatcher<number>(
      (batch) => {
        writes.push(batch);
      },
      () => {},
      () => {},
      3,
    );
    expect(batcher.add(1)).toBeUndefined();
    expect(batcher.add(2)).toBeUndefined();
    await batcher.add(3);
    expect(writes).toEqual([[1, 2, 3]]);
  });

  it("reports a failed scheduled write, commits none of it and rejects every later flush", async () => {
    const failures: unknown[] = [];
    const committed: number[] = [];
    const batcher = new SampleBatcher<number>(
      () => {
        throw new Error("disk full");
      },
      (batch) => committed.push(...batch),
      (error) => failures.push(error),
    );
    batcher.add(1);
    await turn();
    await turn();
    expect(failures).toHaveLength(1);
    expect(committed).toEqual([]);
    batcher.add(2);
    await expect(batcher.flush()).rejects.toThrow("disk full");
    expect(committed).toEqual([]);
  });
});
