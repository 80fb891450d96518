import type { Grade } from "../../grade.ts";
import { bindGrader, type GraderConfig } from "../../graders/registry.ts";
import { gradeSample } from "../grade-sample.ts";
import type { GradingReply, GradingTask } from "./protocol.ts";

/**
 * What a grading pool's worker thread does with each task: grades its samples with the pure graders given (no model,
 * no user code), as `gradeSample` does on the main thread, and answers their grades or why it could not.
 */
export function gradingServer(configs: readonly GraderConfig[]): (task: GradingTask) => Promise<GradingReply> {
  const graders = configs.map((config) => bindGrader(config));
  return async (task) => {
    try {
      const grades: Record<string, Grade>[] = [];
      for (const job of task.jobs) grades.push(await gradeSample(graders, job.sample, job.item, undefined));
      return { kind: "graded", id: task.id, grades };
    } catch (error) {
      return { kind: "graded", id: task.id, error: error instanceof Error ? error.message : String(error) };
    }
  };
}
