import { z } from "@hono/zod-openapi";
import type { GraderSet } from "@tunelab/core";
import { GRADER_TYPES, Grade, GraderConfig, GraderErrorType, type GraderType, type TestGraderResult } from "@tunelab/evals";
import type { Check, Same } from "./same.ts";

export const GraderTypes = z
  .object({
    data: z.array(z.enum(GRADER_TYPES as [GraderType, ...GraderType[]])),
    /** `tunelab serve --allow-code-graders`: python and custom graders may be registered and tried over HTTP. */
    allowCodeGraders: z.boolean(),
  })
  .openapi("GraderTypes");

/** A project's graders and primary metric, versioned by content (core's GraderSet). */
export const GraderSetBody = z
  .object({
    id: z.string(),
    projectId: z.string(),
    version: z.number().int(),
    ref: z.string().openapi({ example: "graders@3" }),
    contentHash: z.string(),
    graders: z.array(GraderConfig),
    primaryMetric: z.string(),
    createdAt: z.string(),
  })
  .openapi("GraderSet");
export type GraderSetIsCore = Check<Same<z.infer<typeof GraderSetBody>, GraderSet>>;

export const GraderSets = z.object({ current: GraderSetBody.nullable(), versions: z.array(GraderSetBody) }).openapi("GraderSets");
export const SavedGraderSet = z.object({ graderSet: GraderSetBody, created: z.boolean() }).openapi("SavedGraderSet");

/** One sample scored by one grader (evals' TestGraderResult), with the item as the grader saw it. */
const Tested = z.object({
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
export type TestedIsEvals = Check<Same<z.infer<typeof Tested>, TestGraderResult>>;
export const GraderTestResult = Tested.extend({
  /** The item the grader saw: a test-split line built as the eval runner builds it. */
  item: z.record(z.string(), z.unknown()),
}).openapi("GraderTestResult");
