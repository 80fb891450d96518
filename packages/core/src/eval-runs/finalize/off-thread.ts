import { Worker } from "node:worker_threads";
import { type ErrorCode, TunelabError, workerEntry } from "@tunelab/base";
import { type StoredScoreBatch, type StoredScoreRow, storedScoreBatch } from "./stored-scores.ts";

/**
 * Runs with this many stored samples or more compute their aggregates in a worker thread: the bootstrap intervals of a
 * 10,000-sample run with 4 graders take seconds of CPU, which on the main thread would block the event loop (progress,
 * SSE, cancel, every API request) for that long. Below it the work takes a few milliseconds, less than starting a
 * worker, so it runs where it is called.
 */
export const OFF_THREAD_SAMPLES = 500;

/**
 * The finalize worker's young generation, in MiB. The worker reads each batch of stored rows as it commits (short-lived
 * message copies and parsed grades through the whole run), and V8's default lets a busy isolate's young generation grow
 * to tens of MiB, all of it resident while the run grades, when the process peaks. 8 MiB took the graders bench's peak
 * RSS from 237-239 to 219-221 MiB when the worker read the rows only at the end; reading them during the run, 2 MiB
 * keeps the peak at 183-184 MiB against 187-188 with 8 (10,000 samples, compiled child, three runs each; 177-180
 * before the rows were read during the run), with no slower finalize. Grading there too (it is the grading pool's
 * thread): 2 MiB gives 162-167 MiB against 172-173 with 4 (three runs each).
 */
export const FINALIZE_YOUNG_GENERATION_MB = 2;

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
  /**
   * The run will grade in this worker (`gradingHost`): it loads the grading modules as it starts, rather than when the
   * pool sends the graders, so that they are loaded by the time the first samples arrive.
   */
  grading?: boolean;
}

export type FinalizeReply =
  | { kind: "finalized"; ok: true }
  | { kind: "finalized"; ok: false; error: { message: string; code?: ErrorCode } };

/** What the main thread posts to a finalize worker: rows as their batches commit, then the task. */
export type FinalizeMessage = { kind: "stored"; batch: StoredScoreBatch } | { kind: "finalize"; task: FinalizeTask };

/**
 * A finalize worker started ahead of time: it loads its modules while the run grades, then finalizes one run. It can
 * also grade the run's samples as one of its grading pool's threads (`gradingHost`).
 */
export interface FinalizeWorker {
  /**
   * The worker's thread, for a grading pool to grade in (`runEval`'s `gradingHost`): the worker then loads the graders
   * when the pool sends them, and keeps the process alive until closed or finalized, as the pool's own threads do.
   */
  gradingHost(): Worker;
  /**
   * Rows of the run just committed (each once, as `insertSamples` stored them): the worker reads them now, and at the
   * end reads the database only if they are not every row the run has stored. Posted as columns (`storedScoreBatch`).
   */
  stored(rows: readonly StoredScoreRow[]): void;
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
  worker.on("message", (reply: FinalizeReply | { kind?: undefined }) => {
    if (reply.kind === "finalized") answer(reply);
  });
  worker.once("error", (error) => {
    failure = new TunelabError("internal", `eval run finalize worker failed: ${error.message}`, { cause: error });
    answer(failure);
  });
  worker.once("exit", (code) => {
    failure ??= new TunelabError("internal", `eval run finalize worker stopped (exit code ${code}) before answering`);
    answer(failure);
  });
  let used = false;
  const post = (message: FinalizeMessage) => worker.postMessage(message);
  return {
    gradingHost() {
      worker.ref();
      return worker;
    },
    stored(rows) {
      if (!used && !failure && rows.length > 0) post({ kind: "stored", batch: storedScoreBatch(rows) });
    },
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
        post({ kind: "finalize", task });
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
