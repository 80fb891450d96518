/**
 * Runs the work given to it one piece at a time, in the order given: each starts once the one before has settled
 * (resolved or failed; a failure is its caller's alone and does not stop the queue). A piece whose signal aborts while
 * it waits leaves the queue at once, failing with the signal's reason, and never runs.
 */
export class SerialQueue {
  private last: Promise<unknown> = Promise.resolve();
  private queued = 0;

  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.queued++;
    let left = false;
    let started = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.queued--;
    };
    const turn = this.last.then(() => {
      if (signal?.aborted) throw signal.reason;
      started = true;
      return work();
    });
    this.last = turn.catch(() => undefined);
    const result = turn.finally(leave);
    if (!signal) return result;
    // while waiting, an abort rejects at once (the turn, when it comes, is skipped); once started, the work itself
    // answers to the signal, and the next piece waits for it to settle
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => {
        if (started) return;
        leave();
        reject(signal.reason);
      };
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        void turn.then(
          () => signal.removeEventListener("abort", onAbort),
          () => signal.removeEventListener("abort", onAbort),
        );
      }
    });
    return Promise.race([result, aborted]);
  }

  /** Pieces of work given and not yet settled or left (the one running included). */
  get size(): number {
    return this.queued;
  }
}
