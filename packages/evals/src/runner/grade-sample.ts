import { Grade } from "../grade.schema.ts";
import { erroredGrade, GraderError } from "../grade.ts";
import type { GraderConfig } from "../graders/registry.ts";
import type { EvalItem, Sample } from "../item.ts";

/** What the runner needs of a grader (an adapter turns grader configs into these). Names must be unique. */
export interface RunnerGrader {
  name: string;
  grade(sample: Sample, item: EvalItem): Promise<Grade>;
  /**
   * The grader's config when it is pure (`isPureGrader`: no model, no user code; `bindGrader` sets it): the runner may
   * then grade it in a worker thread of its grading pool, from this config, instead of calling `grade` here.
   */
  config?: GraderConfig;
}

/**
 * Runs every grader on a sample. A grader that throws `GraderError` gets an errored grade of that type; anything
 * else it throws, or a result that is not a grade, is `other_error`. Without a sample (sampling failed) every
 * grade is errored with the sampling error's message: it is unknown whether the model would have passed.
 */
export async function gradeSample(
  graders: readonly RunnerGrader[],
  sample: Sample | null,
  item: EvalItem,
  samplingError: string | undefined,
): Promise<Record<string, Grade>> {
  const grades = await Promise.all(
    graders.map(async (grader): Promise<Grade> => {
      if (!sample) return erroredGrade("other_error", `no sample: ${samplingError ?? "sampling failed"}`);
      try {
        const parsed = Grade.safeParse(await grader.grade(sample, item));
        return parsed.success ? parsed.data : erroredGrade("other_error", `grader ${grader.name} returned an invalid grade`);
      } catch (thrown) {
        if (thrown instanceof GraderError) return erroredGrade(thrown.type, thrown.message);
        return erroredGrade("other_error", thrown instanceof Error ? thrown.message : String(thrown));
      }
    }),
  );
  const result: Record<string, Grade> = {};
  graders.forEach((grader, i) => {
    const grade = grades[i];
    if (grade) result[grader.name] = grade;
  });
  return result;
}
