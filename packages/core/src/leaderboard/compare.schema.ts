import { Grade, GraderComparison, PairedDelta } from "@tunelab/evals";
import { z } from "zod";
import { ExperimentMethod } from "../experiments/experiment.schema.ts";

/** One item that moved (or failed in both runs): its prompt, reference, both outputs and both grades. */
export const ComparedItem = z.object({
  itemId: z.string(),
  input: z.string(),
  reference: z.string().nullable(),
  outputA: z.string().nullable(),
  outputB: z.string().nullable(),
  gradesA: z.record(z.string(), Grade),
  gradesB: z.record(z.string(), Grade),
});
export type ComparedItem = z.infer<typeof ComparedItem>;

export const ComparedSide = z.object({
  label: z.string(),
  runId: z.string(),
  experimentId: z.string().nullable(),
  model: z.string(),
  /** The experiment's method (`supervised`, `dpo`, `none` for a baseline); null for a standalone eval run. */
  method: ExperimentMethod.nullable(),
});
export type ComparedSide = z.infer<typeof ComparedSide>;

/** A vs B on the items of one tag, on one grader (the primary metric): the same paired figures compare gives per grader. */
export const TagComparison = z.object({
  tag: z.string(),
  /** Pairs compared (items of the tag both runs graded without an error). */
  n: z.number().int(),
  meanA: z.number().nullable(),
  meanB: z.number().nullable(),
  /** Mean of `scoreB - scoreA` with the paired-bootstrap 95% interval and the paired sign-flip p-value. */
  delta: PairedDelta,
  regressed: z.number().int(),
  improved: z.number().int(),
  /** Items of the tag both runs failed. */
  bothFailed: z.number().int(),
});
export type TagComparison = z.infer<typeof TagComparison>;

/** A vs B on the same test split: per-grader paired deltas, the items that moved, and what differs in their setup. */
export const Comparison = z.object({
  a: ComparedSide,
  b: ComparedSide,
  primaryMetric: z.string().nullable(),
  graders: z.record(z.string(), GraderComparison),
  /** Items that passed in A and fail in B on the primary metric, and the reverse. */
  regressed: z.array(ComparedItem),
  improved: z.array(ComparedItem),
  /** Per tag on the primary metric: n, both means, the paired delta with its interval and p-value. */
  byTag: z.array(TagComparison),
  /** Items both runs failed on the primary metric. */
  bothFailed: z.array(ComparedItem),
  hyperparameters: z.array(z.object({ key: z.string(), a: z.unknown(), b: z.unknown() })),
  dataset: z.object({ a: z.string().nullable(), b: z.string().nullable(), added: z.number(), removed: z.number() }).nullable(),
});
export type Comparison = z.infer<typeof Comparison>;
