// The grade's runtime helpers, free of zod (the finalize worker loads them): its schemas are in grade.schema.ts.
import type { Grade, GraderErrorType } from "./grade.schema.ts";

export type { Grade, GraderErrorType } from "./grade.schema.ts";

export type GradeStatus = "passed" | "failed" | "errored";

export function statusOf(grade: Grade): GradeStatus {
  // a score that is no finite number (NaN, Infinity from a grader) says nothing: errored, in summaries and in compare
  if (grade.error || !Number.isFinite(grade.score)) return "errored";
  return grade.passed ? "passed" : "failed";
}

/** An errored grade: score 0, not passed, the error's type and message. */
export function erroredGrade(type: GraderErrorType, message: string): Grade {
  return { score: 0, passed: false, error: { type, message } };
}

/** The error every grader throws for a failure that should be graded as errored. */
export class GraderError extends Error {
  override readonly name = "GraderError";
  constructor(
    readonly type: GraderErrorType,
    message: string,
  ) {
    super(message);
  }
}
