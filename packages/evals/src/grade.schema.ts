import { z } from "zod";

/** OpenAI's grader error taxonomy: an errored grade is counted apart from a failed one. */
export const GraderErrorType = z.enum([
  "formula_parse_error",
  "invalid_variable_error",
  "model_grader_parse_error",
  "model_grader_refusal_error",
  "model_grader_server_error",
  "python_grader_runtime_error",
  "sample_parse_error",
  "other_error",
]);
export type GraderErrorType = z.infer<typeof GraderErrorType>;

export const Grade = z.object({
  score: z.number(),
  passed: z.boolean(),
  reason: z.string().optional(),
  error: z.object({ type: GraderErrorType, message: z.string() }).optional(),
  /** Per-field or per-subgrader scores (json_match fields, multi's graders). */
  subScores: z.record(z.string(), z.number()).optional(),
});
export type Grade = z.infer<typeof Grade>;
