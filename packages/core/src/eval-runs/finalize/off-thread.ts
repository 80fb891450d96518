import { Worker } from "node:worker_threads";
import { type ErrorCode, TunelabError } from "../../errors.ts";

/**
 * Runs with this many stored samples or more compute their aggregates in a worker thread: the bootstrap intervals of a
 * 10,000-sample run with 4 graders take seconds of CPU, which on the main thread would block the event loop (progress,
 * SSE, cancel, every API request) for that long. Below it the work takes a few milliseconds, less than starting a
 * worker, so it runs where it is called.
 */
export const OFF_THREAD_SAMPLES = 500;

export interface FinalizeTask {
  home: string;
  runId: string;
  primaryMetric: string;
}

export type FinalizeReply = { ok: true } | { ok: false; error: { message: string; code?: ErrorCode } };

/** Finalizes a run (counts, aggregates, usage, status `completed`) in a fresh worker thread; resolves once it is stored. */
export function finalizeInWorker(task: FinalizeTask): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      action();
    };
    const worker = new Worker(new URL("./finalize-worker.mjs", import.meta.url), { workerData: task });
    worker.once("message", (reply: FinalizeReply) => {
      settle(() => {
        if (reply.ok) resolve();
        else reject(new TunelabError(reply.error.code ?? "internal", reply.error.message));
      });
      void worker.terminate();
    });
    worker.once("error", (error) =>
      settle(() => reject(new TunelabError("internal", `eval run finalize worker failed: ${error.message}`, { cause: error }))),
    );
    worker.once("exit", (code) =>
      settle(() => reject(new TunelabError("internal", `eval run finalize worker stopped (exit code ${code}) before answering`))),
    );
  });
}
