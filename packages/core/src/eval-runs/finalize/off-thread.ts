import { Worker } from "node:worker_threads";
import { type ErrorCode, TunelabError, workerEntry } from "@tunelab/base";

/**
 * Runs with this many stored samples or more compute their aggregates in a worker thread: the bootstrap intervals of a
 * 10,000-sample run with 4 graders take seconds of CPU, which on the main thread would block the event loop (progress,
 * SSE, cancel, every API request) for that long. Below it the work takes a few milliseconds, less than starting a
 * worker, so it runs where it is called.
 */
export const OFF_THREAD_SAMPLES = 500;

/**
 * The finalize worker's young generation, in MiB. Finalizing reads every stored sample once (short-lived rows and
 * parsed grades), and V8's default lets a busy isolate's young generation grow to tens of MiB, all of it resident at
 * the end of the run, when the process peaks. 8 MiB: the graders bench's peak RSS went from 237-239 to 219-221 MiB
 * (10,000 samples, compiled child, three runs each), with no slower finalize.
 */
export const FINALIZE_YOUNG_GENERATION_MB = 8;

export interface FinalizeTask {
  home: string;
  /** The workspace's database location (SQLite file or PostgreSQL URL). */
  database: string;
  runId: string;
  primaryMetric: string;
}

/** What a finalize worker does until its task arrives. */
export interface FinalizeWorkerData {
  /**
   * A SQLite database to checkpoint (`startCheckpoints`) while the run stores its samples, whose main connection has
   * paused its own automatic checkpoints (`pauseAutoCheckpoints`).
   */
  checkpoint?: string;
}

export type FinalizeReply = { ok: true } | { ok: false; error: { message: string; code?: ErrorCode } };

/** A finalize worker started ahead of time: it loads its modules while the run grades, then finalizes one run. */
export interface FinalizeWorker {
  /** Finalizes a run (counts, aggregates, usage, status `completed`); resolves once it is stored. Once per worker. */
  finalize(task: FinalizeTask): Promise<void>;
  /** Stops the worker (it is not needed, e.g. the run was cancelled). */
  close(): void;
}

/**
 * Starts a finalize worker thread now, so its start-up (loading modules) overlaps the run's grading on the other core;
 * until its task arrives it checkpoints `options.checkpoint`. Until `finalize` is called it does not keep the process
 * alive.
 */
export function startFinalizeWorker(options: FinalizeWorkerData = {}): FinalizeWorker {
  const worker = new Worker(workerEntry("finalize-worker", new URL("./finalize-worker.mjs", import.meta.url)), {
    workerData: options,
    resourceLimits: { maxYoungGenerationSizeMb: FINALIZE_YOUNG_GENERATION_MB },
  });
  worker.unref();
  let failure: Error | undefined;
  let pending: ((reply: FinalizeReply | Error) => void) | undefined;
  const answer = (reply: FinalizeReply | Error) => {
    const settle = pending;
    pending = undefined;
    settle?.(reply);
  };
  worker.on("message", (reply: FinalizeReply) => answer(reply));
  worker.once("error", (error) => {
    failure = new TunelabError("internal", `eval run finalize worker failed: ${error.message}`, { cause: error });
    answer(failure);
  });
  worker.once("exit", (code) => {
    failure ??= new TunelabError("internal", `eval run finalize worker stopped (exit code ${code}) before answering`);
    answer(failure);
  });
  let used = false;
  return {
    finalize(task) {
      if (used) return Promise.reject(new TunelabError("internal", "a finalize worker finalizes one run"));
      used = true;
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        pending = (reply) => {
          void worker.terminate();
          if (reply instanceof Error) reject(reply);
          else if (reply.ok) resolve();
          else reject(new TunelabError(reply.error.code ?? "internal", reply.error.message));
        };
        worker.ref();
        worker.postMessage(task);
      });
    },
    close() {
      void worker.terminate();
    },
  };
}

/** Finalizes a run in a fresh worker thread; resolves once it is stored. */
export function finalizeInWorker(task: FinalizeTask): Promise<void> {
  return startFinalizeWorker().finalize(task);
}
