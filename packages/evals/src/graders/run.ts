import { erroredGrade, type Grade, GraderError } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import type { Grader, GraderContext } from "./grader.ts";

/**
 * Runs one grader and never throws: a `GraderError` becomes an errored grade of its type, any other exception an
 * errored `other_error` grade (never a failed one).
 */
export async function gradeSafely<Config extends { type: string }>(
  grader: Grader<Config>,
  config: Config,
  sample: Sample,
  item: EvalItem,
  context: GraderContext,
): Promise<Grade> {
  try {
    const grade = await grader.grade(config, sample, item, context);
    if (!Number.isFinite(grade.score)) return erroredGrade("other_error", `${config.type} produced a non-finite score (${grade.score})`);
    return grade;
  } catch (error) {
    if (error instanceof GraderError) return erroredGrade(error.type, error.message);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return erroredGrade("other_error", `${config.type} grader crashed: ${message}`);
  }
}
