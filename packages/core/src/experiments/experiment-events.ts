import type { RunProgress } from "@tunelab/evals";
import type { ExperimentStatus } from "./experiment.schema.ts";

/** What a running experiment reports, for progress bars and Server-Sent Events. */
export type ExperimentEvent =
  | { type: "status"; experimentId: string; status: ExperimentStatus; message: string }
  | { type: "metrics"; experimentId: string; step: number; totalSteps: number; trainLoss: number | null; validLoss: number | null }
  | { type: "eval"; experimentId: string; runId: string; progress: RunProgress };

export type ExperimentListener = (event: ExperimentEvent) => void;
