import { GraderSummary, Interval } from "@tunelab/evals";
import { z } from "zod";
import { ExperimentMethod } from "../experiments/experiment.schema.ts";

/** One experiment on the leaderboard: its rank, primary-metric score with interval, per-grader figures and setup. */
export const LeaderboardRow = z.object({
  rank: z.number().int().nullable(),
  experimentId: z.string(),
  name: z.string(),
  kind: z.string(),
  status: z.string(),
  score: z.number().nullable(),
  interval: Interval.nullable(),
  graders: z.record(z.string(), GraderSummary.pick({ mean: true, passRate: true, errored: true, n: true })),
  resultCounts: z.object({ total: z.number(), passed: z.number(), failed: z.number(), errored: z.number() }).nullable(),
  evalRunId: z.string().nullable(),
  dataset: z.string().nullable(),
  datasetExamples: z.number().int().nullable(),
  /**
   * Set when the experiment's training version holds items of the board's test split (`examples` of its examples have
   * a test item's input): a version stored before the split keeps them, so the experiment is scored on items it trained
   * on and its score overstates it. null when none does (and for baselines).
   */
  leakage: z.object({ testSplit: z.string(), examples: z.number().int() }).nullable(),
  baseModel: z.string(),
  /** `supervised`, `dpo`, or `none` for a baseline. */
  method: ExperimentMethod,
  provider: z.string(),
  tunedModel: z.string().nullable(),
  hyperparameters: z.record(z.string(), z.unknown()),
  trainedTokens: z.number().nullable(),
  trainingSeconds: z.number().nullable(),
  costUsd: z.number().nullable(),
  createdAt: z.string(),
});
export type LeaderboardRow = z.infer<typeof LeaderboardRow>;

/** Experiments on one test split and grader set (the current ones unless asked for others), ranked (and sorted) by the server. */
export const Leaderboard = z.object({
  project: z.string(),
  testSplitVersionId: z.string().nullable(),
  /** The board's test split version (`test@1`); null when the project has none yet. */
  testSplit: z.string().nullable(),
  /** The project's current test split version: another than `testSplit` when an older split's board was asked for. */
  currentTestSplit: z.string().nullable(),
  graderSetId: z.string().nullable(),
  /** The board's grader set version (`graders@1`); null when the project has no graders yet. */
  graderSet: z.string().nullable(),
  /** The project's current grader set: another than `graderSet` when an older grader set's board was asked for. */
  currentGraderSet: z.string().nullable(),
  primaryMetric: z.string().nullable(),
  /** One page of the sorted board: `limit` rows from `offset` (0-based). Ranks are the whole board's. */
  rows: z.array(LeaderboardRow),
  /** Experiments on the board (all pages): `total - offset - rows.length` more follow this page. */
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  /** Runs scored on other test split / grader set versions: listed apart, never ranked together. */
  elsewhere: z.array(z.object({ testSplitVersionId: z.string(), graderSetId: z.string(), experiments: z.number().int() })),
});
export type Leaderboard = z.infer<typeof Leaderboard>;
