import { Worker } from "node:worker_threads";
import { type ErrorCode, isTunelabError, TunelabError } from "./errors.ts";

/**
 * What a task worker posts back: its progress as it goes (any number of times), then once its result, or the error it
 * threw (a TunelabError keeps its code).
 */
export type WorkerReply =
  | { progress: unknown }
  | { ok: true; result: unknown }
  | { ok: false; error: { message: string; code?: ErrorCode; details?: unknown } };

export interface WorkerTaskOptions {
  /** Called with each progress value the worker posts (`answerFromWorker`'s `progress`), before its answer. */
  onProgress?: (progress: unknown) => void;
  /** Stops the task: the worker is terminated (its work is lost) and the task fails with the signal's reason. */
  signal?: AbortSignal;
}

let running = 0;

/** Task workers at work right now in this process (validating, tokenising, checking leakage, storing). */
export function runningWorkerTasks(): number {
  return running;
}

/**
 * Counts `work` (which runs one or more worker tasks, with what it prepares for them) as a task at work until it ends,
 * so `runningWorkerTasks` says so from the first moment.
 */
export async function countedWorkerTask<T>(work: () => Promise<T>): Promise<T> {
  running++;
  try {
    return await work();
  } finally {
    running--;
  }
}

/**
 * Runs one task in a fresh worker thread started from `entry` (given `data` as its workerData) and resolves with its
 * result; a TunelabError thrown there is thrown here with its code. The worker's memory (tokenizer tables, indexes)
 * is released when it ends. The entry answers with `answerFromWorker`.
 */
export function runWorkerTask<R>(entry: URL, data: unknown, options: WorkerTaskOptions = {}): Promise<R> {
  return countedWorkerTask(() => inWorker<R>(entry, data, options));
}

function inWorker<R>(entry: URL, data: unknown, options: WorkerTaskOptions): Promise<R> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", stop);
      action();
    };
    const worker = new Worker(entry, { workerData: data });
    // stopped: the task fails with the signal's reason once the worker has exited (nothing is being written any more)
    const stop = () => void worker.terminate();
    signal?.addEventListener("abort", stop, { once: true });
    worker.on("message", (reply: WorkerReply) => {
      if ("progress" in reply) {
        if (!settled) options.onProgress?.(reply.progress);
        return;
      }
      settle(() => {
        if (reply.ok) resolve(reply.result as R);
        else reject(new TunelabError(reply.error.code ?? "internal", reply.error.message, { details: reply.error.details }));
      });
      void worker.terminate();
    });
    worker.once("error", (error) =>
      settle(() => reject(new TunelabError("internal", `worker task failed: ${error.message}`, { cause: error }))),
    );
    worker.once("exit", (code) =>
      settle(() =>
        reject(signal?.aborted ? signal.reason : new TunelabError("internal", `worker task stopped (exit code ${code}) before answering`)),
      ),
    );
  });
}

/**
 * Worker side: runs the task and posts its result (moving the buffers in `transfer`) or its error to the parent; the
 * task may post progress meanwhile (`progress`, received by `runWorkerTask`'s `onProgress`).
 */
export async function answerFromWorker(
  port: { postMessage(value: unknown, transfer?: ArrayBuffer[]): void } | null,
  run: (progress: (value: unknown) => void) => Promise<{ result: unknown; transfer?: ArrayBuffer[] }>,
): Promise<void> {
  if (!port) throw new Error("a worker task runs in a worker thread");
  try {
    const { result, transfer } = await run((value) => port.postMessage({ progress: value } satisfies WorkerReply));
    port.postMessage({ ok: true, result } satisfies WorkerReply, transfer ?? []);
  } catch (error) {
    const reply: WorkerReply = isTunelabError(error)
      ? { ok: false, error: { message: error.message, code: error.code, details: error.details } }
      : { ok: false, error: { message: (error as Error).message ?? String(error) } };
    port.postMessage(reply);
  }
}
