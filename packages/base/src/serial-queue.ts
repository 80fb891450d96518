/**
 * Runs the work given to it one piece at a time, in the order given: each starts once the one before has settled
 * (resolved or failed; a failure is its caller's alone and does not stop the queue).
 */
export class SerialQueue {
  private last: Promise<unknown> = Promise.resolve();
  private queued = 0;

  run<T>(work: () => Promise<T>): Promise<T> {
    this.queued++;
    const result = this.last.then(work).finally(() => {
      this.queued--;
    });
    this.last = result.catch(() => undefined);
    return result;
  }

  /** Pieces of work given and not yet settled (the one running included). */
  get size(): number {
    return this.queued;
  }
}
