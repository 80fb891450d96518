import { parentPort, workerData } from "node:worker_threads";
import { setNativeThreads } from "../kernels/native.ts";
import { runTraining, TrainingCancelledError } from "./loop.ts";
import type { WorkerInput, WorkerMessage } from "./protocol.ts";

const input = workerData as WorkerInput;
const cancel = new Int32Array(input.cancel);
const post = (m: WorkerMessage) => parentPort?.postMessage(m);

try {
  if (input.threads !== undefined) setNativeThreads(input.threads);
  const result = runTraining(input.request, {
    onStep: (metrics) => post({ type: "step", metrics }),
    onCheckpoint: (dir, step, metrics) => post({ type: "checkpoint", dir, step, metrics }),
    cancelled: () => Atomics.load(cancel, 0) !== 0,
  });
  post({ type: "done", result });
} catch (error) {
  if (error instanceof TrainingCancelledError) post({ type: "cancelled" });
  else {
    const e = error instanceof Error ? error : new Error(String(error));
    post({ type: "error", message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
  }
}
