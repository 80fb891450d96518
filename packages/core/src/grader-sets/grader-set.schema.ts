import { GraderConfig } from "@tunelab/evals";
import { z } from "zod";

/** A project's graders and its primary metric (the grader whose mean ranks the leaderboard), versioned by content. */
export const GraderSet = z.object({
  id: z.string(),
  projectId: z.string(),
  version: z.number().int(),
  /** `graders@3` */
  ref: z.string(),
  contentHash: z.string(),
  graders: z.array(GraderConfig),
  primaryMetric: z.string(),
  createdAt: z.string(),
});
export type GraderSet = z.infer<typeof GraderSet>;

/**
 * What a user may hand us as a grader file: one OpenAI grader object, a list of them, OpenAI's eval config with
 * `testing_criteria`, or tunelab's `{graders, primary_metric}`.
 */
export const GraderFile = z.union([
  z.looseObject({ graders: z.array(z.unknown()).min(1), primary_metric: z.string().optional() }),
  z.looseObject({ testing_criteria: z.array(z.unknown()).min(1) }),
  z.array(z.unknown()).min(1),
  z.looseObject({ type: z.string() }),
]);
