import { z } from "@hono/zod-openapi";
import { GraderSet } from "@tunelab/core";
import { GRADER_TYPES, type GraderType, TestGraderResult } from "@tunelab/evals";
import { named } from "./named.ts";

export const GraderTypes = z
  .object({
    data: z.array(z.enum(GRADER_TYPES as [GraderType, ...GraderType[]])),
    /** `tunelab serve --allow-code-graders`: python and custom graders may be registered and tried over HTTP. */
    allowCodeGraders: z.boolean(),
  })
  .openapi("GraderTypes");

/** A project's graders and primary metric, versioned by content (core's GraderSet). */
export const GraderSetBody = named(GraderSet, "GraderSet", { ref: z.string().openapi({ example: "graders@3" }) });

export const GraderSets = z.object({ current: GraderSetBody.nullable(), versions: z.array(GraderSetBody) }).openapi("GraderSets");
export const SavedGraderSet = z
  .object({
    graderSet: GraderSetBody,
    /** A new version. */
    created: z.boolean(),
    /** An earlier version with this content is current again (its scores rank again). */
    restored: z.boolean(),
  })
  .openapi("SavedGraderSet");

/** One sample scored by one grader (evals' TestGraderResult), with the item as the grader saw it. */
export const GraderTestResult = named(TestGraderResult, "GraderTestResult", {
  /** The item the grader saw: a test-split line built as the eval runner builds it. */
  item: z.record(z.string(), z.unknown()),
});
