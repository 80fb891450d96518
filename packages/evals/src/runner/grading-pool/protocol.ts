import type { Grade } from "../../grade.ts";
import type { GraderConfig } from "../../graders/registry.ts";
import type { EvalItem, Sample } from "../../item.ts";

/** A grading worker's `workerData`: the pure graders it grades every sample with (in this order). */
export interface GradingWorkerData {
  configs: GraderConfig[];
}

/** A batch of samples to grade (one message per batch: posting costs far more than grading one sample). */
export interface GradingTask {
  kind: "grade";
  id: number;
  jobs: { sample: Sample; item: EvalItem }[];
}

/**
 * What a pool posts to a worker thread it did not start (a host, see `GradingPool`): the graders first (a host has no
 * `GradingWorkerData`), then tasks.
 */
export type GradingMessage = { kind: "graders"; configs: GraderConfig[] } | GradingTask;

/** The grades of a task's samples, in its jobs' order, or why the worker could not grade it. */
export type GradingReply = { kind: "graded"; id: number; grades: Record<string, Grade>[] } | { kind: "graded"; id: number; error: string };

/** Whether a message a host thread received is a grading pool's (a host also answers messages of its own). */
export function isGradingMessage(message: unknown): message is GradingMessage {
  const kind = (message as { kind?: unknown } | null)?.kind;
  return kind === "graders" || kind === "grade";
}

/** Whether a message from a worker thread answers a grading task. */
export function isGradingReply(message: unknown): message is GradingReply {
  return (message as { kind?: unknown } | null)?.kind === "graded";
}
