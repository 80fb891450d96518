/** Messages between startTraining() and its worker. */
import type { StepMetrics, TrainingNotice, TrainRequest, TrainResult } from "../types.ts";

export interface WorkerInput {
  request: TrainRequest;
  /** Int32Array over a SharedArrayBuffer: [0] set to 1 cancels, to 2 pauses (TrainingPausedError). */
  cancel: SharedArrayBuffer;
  threads?: number;
}

export type WorkerMessage =
  | { type: "step"; metrics: StepMetrics }
  | { type: "notice"; notice: TrainingNotice }
  | { type: "checkpoint"; dir: string; step: number; metrics: StepMetrics }
  | { type: "done"; result: TrainResult }
  | { type: "cancelled" }
  | { type: "paused"; step: number }
  | { type: "error"; message: string; stack?: string; code?: string };
