/**
 * Records handed to `onSamples` at most at once (one write, e.g. one SQLite transaction, per batch). A write is
 * synchronous with SQLite: 250 records (serialised, inserted, committed) keep it well under the 50 ms the event loop
 * may be blocked, and are what a killed process may lose at most.
 */
export const MAX_SAMPLE_BATCH = 250;

/**
 * Buffers finished records and writes them in batches, one write at a time, in the order they were added. A batch is
 * written on the next turn of the event loop after its first record (so a slow run still writes each item within one
 * turn, and a fast one, e.g. cached completions, writes everything finished in that turn at once) or as soon as it
 * holds `maxBatch` records; `committed` runs once the write resolved, so a record counts only once it is stored.
 */
export class SampleBatcher<R> {
  private pending: R[] = [];
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(
    private readonly write: (records: R[]) => Promise<void> | void,
    private readonly committed: (records: R[]) => void,
    /** A write that failed (scheduled flushes only; `flush` and a full `add` reject instead). */
    private readonly failed: (error: unknown) => void,
    private readonly maxBatch: number = MAX_SAMPLE_BATCH,
  ) {}

  /** Adds a record; when the batch is full, returns the write of it (await it: back-pressure). */
  add(record: R): Promise<void> | undefined {
    this.pending.push(record);
    if (this.pending.length >= this.maxBatch) return this.flush();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush().catch(this.failed);
      });
    }
    return undefined;
  }

  /** Writes every pending record (after the writes before it); resolves once they are committed. */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.chain = this.chain.then(async () => {
      if (batch.length === 0) return;
      await this.write(batch);
      this.committed(batch);
    });
    return this.chain;
  }
}
