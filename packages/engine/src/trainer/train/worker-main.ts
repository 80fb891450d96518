import { parentPort, workerData } from "node:worker_threads";
import { isOpenWeightRequest, runLoraTraining } from "../../hf/lora/loop.ts";
import { setNativeThreads } from "../kernels/native.ts";
import type { StepMetrics, TrainingNotice } from "../types.ts";
import { decodeExamples } from "../vision/decode-examples.ts";
import { runDpoTraining } from "./dpo-loop.ts";
import { runTraining, TrainingCancelledError, TrainingPausedError } from "./loop.ts";
import type { WorkerInput, WorkerMessage } from "./protocol.ts";

const input = workerData as WorkerInput;
const cancel = new Int32Array(input.cancel);
const post = (m: WorkerMessage) => parentPort?.postMessage(m);

try {
  if (input.threads !== undefined) setNativeThreads(input.threads);
  const hooks = {
    onStep: (metrics: StepMetrics) => post({ type: "step", metrics }),
    onNotice: (notice: TrainingNotice) => post({ type: "notice", notice }),
    onCheckpoint: (dir: string, step: number, metrics: StepMetrics) => post({ type: "checkpoint", dir, step, metrics }),
    cancelled: () => Atomics.load(cancel, 0) === 1,
    pauseRequested: () => Atomics.load(cancel, 0) === 2,
  };
  // Open-weight bases (and adapters of them) train with LoRA; `local-*` models with the from-scratch loop
  // (their images decoded first: sharp is asynchronous, the loop is not).
  const request = input.request;
  const result = isOpenWeightRequest(request)
    ? await runLoraTraining(request, hooks)
    : request.method?.type === "dpo"
      ? runDpoTraining(request, hooks)
      : runTraining(
          {
            ...request,
            training: await decodeExamples(request.training, "training"),
            ...(request.validation ? { validation: await decodeExamples(request.validation, "validation") } : {}),
          },
          hooks,
        );
  post({ type: "done", result });
} catch (error) {
  if (error instanceof TrainingCancelledError) post({ type: "cancelled" });
  else if (error instanceof TrainingPausedError) post({ type: "paused", step: error.step });
  else {
    const e = error instanceof Error ? error : new Error(String(error));
    const code = (e as { code?: unknown }).code; // e.g. training_diverged: the job's error code
    post({ type: "error", message: e.message, ...(e.stack ? { stack: e.stack } : {}), ...(typeof code === "string" ? { code } : {}) });
  }
}
