import type { GraderConfig } from "@tunelab/evals";
import { z } from "zod";

/** A project's graders and its primary metric (the grader whose mean ranks the leaderboard), versioned by content. */
export interface GraderSet {
  id: string;
  projectId: string;
  version: number;
  /** `graders@3` */
  ref: string;
  contentHash: string;
  graders: GraderConfig[];
  primaryMetric: string;
  createdAt: string;
}

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
