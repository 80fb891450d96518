import { z } from "zod";
import { Grade, GraderErrorType } from "../grade.schema.ts";
import { GraderConfig } from "./registry.ts";

/** Like OpenAI's `/fine_tuning/alpha/graders/run`: the grade plus what the grader saw. */
export const TestGraderResult = z.object({
  score: z.number(),
  passed: z.boolean(),
  status: z.enum(["passed", "failed", "errored"]),
  reason: z.string().optional(),
  error: Grade.shape.error,
  subScores: z.record(z.string(), z.number()).optional(),
  /** OpenAI's `metadata.errors`: one flag per error type. */
  errors: z.record(GraderErrorType, z.boolean()),
  /** Rendered templates by config path (`input`, `reference`, `graders.x.input`); `{error}` when one fails. */
  rendered: z.record(z.string(), z.unknown()),
  config: GraderConfig,
});
export type TestGraderResult = z.infer<typeof TestGraderResult>;
