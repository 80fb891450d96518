import { LearningCurve } from "@tunelab/evals";
import { z } from "zod";

/**
 * What a curve's x counts: the dataset version's training examples, or the experiment's trained tokens (the tokens
 * the loss is on, times epochs, as the provider reported them for the finished job).
 */
export const CURVE_AXES = ["examples", "tokens"] as const;
export const CurveAxis = z.enum(CURVE_AXES);
export type CurveAxis = z.infer<typeof CurveAxis>;

/** One experiment on a learning curve: its training-set size, trained tokens and primary-metric mean. */
export const CurveMember = z.object({
  experimentId: z.string(),
  name: z.string(),
  dataset: z.string(),
  examples: z.number(),
  /** As the provider reported them for the job; null when it did not. */
  trainedTokens: z.number().nullable(),
  /** This member's x on the curve: `examples` or `trainedTokens`, as the curve's axis says. */
  n: z.number(),
  score: z.number(),
});
export type CurveMember = z.infer<typeof CurveMember>;

/** Experiments that differ only in their data (same base, provider, method, hyperparameters, seed), fitted. */
export const ProjectCurve = z.object({
  /** What the experiments share, e.g. "local-small · supervised · auto · seed 42". */
  setup: z.string(),
  /** What n counts on this curve, e.g. "training examples" or "trained tokens: assistant (loss-bearing) tokens × epochs". */
  xLabel: z.string(),
  members: z.array(CurveMember),
  /** Fitted on the members' n; projections are at sizes in the same unit. */
  curve: LearningCurve,
});
export type ProjectCurve = z.infer<typeof ProjectCurve>;

export const ProjectCurves = z.object({
  project: z.string(),
  primaryMetric: z.string(),
  /** The test split version the experiments were scored on (`test@2`). */
  testSplit: z.string(),
  /** The grader set version they were scored with (`graders@1`): the primary metric is its. */
  graderSet: z.string(),
  /** The x every curve is fitted on. */
  x: CurveAxis,
  curves: z.array(ProjectCurve),
  /** Groups with fewer than three distinct training-set sizes (no curve can be fitted), as their setups. */
  tooFew: z.array(z.string()),
  /** With x = tokens: scored experiments left out because their provider reported no trained tokens, by name. */
  noTokens: z.array(z.string()),
});
export type ProjectCurves = z.infer<typeof ProjectCurves>;
