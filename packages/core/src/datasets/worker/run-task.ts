import { Worker } from "node:worker_threads";
import { type ErrorCode, TunelabError } from "../../errors.ts";
import { withBytesOnDisk } from "./spill.ts";
import type { DatasetTask, TaskResult } from "./tasks.ts";

export type WorkerReply = { ok: true; result: unknown } | { ok: false; error: { message: string; code?: ErrorCode; details?: unknown } };

let running = 0;

/** Dataset workers at work right now (validating, tokenising, checking leakage, storing) in this process. */
export function runningDatasetWorkers(): number {
  return running;
}

/**
 * Runs one dataset task in a fresh worker thread and resolves with its result; a TunelabError thrown there is thrown
 * here with its code. The worker's memory (tokenizer tables, indexes) is released when it ends.
 */
export async function runDatasetTask<T extends DatasetTask>(task: T): Promise<TaskResult<T>> {
  running++;
  try {
    return (await withBytesOnDisk(task, (onDisk) => inWorker(onDisk))) as TaskResult<T>;
  } finally {
    running--;
  }
}

function inWorker(task: DatasetTask): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      action();
    };
    const worker = new Worker(new URL("./dataset-worker.mjs", import.meta.url), { workerData: task });
    worker.once("message", (reply: WorkerReply) => {
      settle(() => {
        if (reply.ok) resolve(reply.result);
        else reject(new TunelabError(reply.error.code ?? "internal", reply.error.message, { details: reply.error.details }));
      });
      void worker.terminate();
    });
    worker.once("error", (error) =>
      settle(() => reject(new TunelabError("internal", `dataset worker failed: ${error.message}`, { cause: error }))),
    );
    worker.once("exit", (code) =>
      settle(() => reject(new TunelabError("internal", `dataset worker stopped (exit code ${code}) before answering`))),
    );
  });
}
