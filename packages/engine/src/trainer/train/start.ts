/**
 * startTraining(): runs the training loop in a worker thread so the caller's event loop (the job
 * system, the HTTP server) stays responsive, and reports steps and checkpoints as they happen.
 */
import { Worker } from "node:worker_threads";
import { workerEntry } from "@tunelab/base";
import type { StepMetrics, TrainingHandle, TrainingNotice, TrainRequest, TrainResult } from "../types.ts";
import { TrainingCancelledError, TrainingPausedError } from "./loop.ts";
import type { WorkerInput, WorkerMessage } from "./protocol.ts";

export interface StartOptions {
  /** Native kernel threads (default: all cores). Does not change results. */
  threads?: number;
}

export function startTraining(request: TrainRequest, options: StartOptions = {}): TrainingHandle {
  const stepCbs: Array<(m: StepMetrics) => void> = [];
  const ckptCbs: Array<(dir: string, step: number, m: StepMetrics) => void> = [];
  const noticeCbs: Array<(notice: TrainingNotice) => void> = [];
  const cancel = new SharedArrayBuffer(4);
  const input: WorkerInput = { request, cancel, ...(options.threads !== undefined ? { threads: options.threads } : {}) };
  const worker = new Worker(workerEntry("trainer-worker", new URL("./worker.mjs", import.meta.url)), { workerData: input });
  const result = new Promise<TrainResult>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "step") for (const cb of stepCbs) cb(m.metrics);
      else if (m.type === "notice") for (const cb of noticeCbs) cb(m.notice);
      else if (m.type === "checkpoint") for (const cb of ckptCbs) cb(m.dir, m.step, m.metrics);
      else if (m.type === "done") settle(() => resolve(m.result));
      else if (m.type === "cancelled") settle(() => reject(new TrainingCancelledError()));
      else if (m.type === "paused") settle(() => reject(new TrainingPausedError(m.step)));
      else {
        const e = Object.assign(new Error(m.message), m.code ? { code: m.code } : {});
        if (m.stack) e.stack = m.stack;
        settle(() => reject(e));
      }
    });
    worker.on("error", (e) => settle(() => reject(e)));
    worker.on("exit", (code) => settle(() => reject(new Error(`training worker exited with code ${code} before finishing`))));
  });
  return {
    onStep: (cb) => void stepCbs.push(cb),
    onCheckpoint: (cb) => void ckptCbs.push(cb),
    onNotice: (cb) => void noticeCbs.push(cb),
    result,
    cancel: () => Atomics.store(new Int32Array(cancel), 0, 1),
    pause: () => void Atomics.compareExchange(new Int32Array(cancel), 0, 0, 2),
  };
}
