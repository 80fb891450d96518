import type { Grade } from "../../grade.ts";
import type { GraderConfig } from "../../graders/registry.ts";
import type { EvalItem, Sample } from "../../item.ts";

/** A grading worker's `workerData`: the pure graders it grades every sample with (in this order). */
export interface GradingWorkerData {
  configs: GraderConfig[];
}

/** A batch of samples to grade (one message per batch: posting costs far more than grading one sample). */
export interface GradingTask {
  id: number;
  jobs: { sample: Sample; item: EvalItem }[];
}

/** The grades of a task's samples, in its jobs' order, or why the worker could not grade it. */
export type GradingReply = { id: number; grades: Record<string, Grade>[] } | { id: number; error: string };
