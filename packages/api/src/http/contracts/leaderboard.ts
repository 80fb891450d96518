import { z } from "@hono/zod-openapi";
import { type Comparison, CURVE_AXES, ExperimentMethod, type Leaderboard, type ProjectCurves } from "@tunelab/core";
import { Grade, GraderComparison, GraderSummary, Interval, PairedDelta } from "@tunelab/evals";
import type { Check, Same } from "./same.ts";

const Row = z
  .object({
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
  })
  .openapi("LeaderboardRow");

/** Core's leaderboard: experiments on the current test split and grader set, ranked (and sorted) by the server. */
export const LeaderboardBody = z
  .object({
    project: z.string(),
    testSplitVersionId: z.string().nullable(),
    graderSetId: z.string().nullable(),
    primaryMetric: z.string().nullable(),
    rows: z.array(Row),
    /** Runs scored on other test split / grader set versions: listed apart, never ranked together. */
    elsewhere: z.array(z.object({ testSplitVersionId: z.string(), graderSetId: z.string(), experiments: z.number().int() })),
  })
  .openapi("Leaderboard");
export type LeaderboardIsCore = Check<Same<z.infer<typeof LeaderboardBody>, Leaderboard>>;

const Point = z.object({ n: z.number(), y: z.number() });
const Curve = z
  .object({
    setup: z.string(),
    xLabel: z.string(),
    members: z.array(
      z.object({
        experimentId: z.string(),
        name: z.string(),
        dataset: z.string(),
        examples: z.number(),
        trainedTokens: z.number().nullable(),
        n: z.number(),
        score: z.number(),
      }),
    ),
    curve: z.object({
      fit: z.object({ a: z.number(), b: z.number(), c: z.number(), sse: z.number() }),
      points: z.array(Point),
      projections: z.array(Point.extend({ interval: Interval })),
      asymptote: z.object({ y: z.number(), interval: Interval }),
      resamples: z.number().int(),
    }),
  })
  .openapi("LearningCurve");
export const CurvesBody = z
  .object({
    project: z.string(),
    primaryMetric: z.string(),
    testSplit: z.string(),
    x: z.enum(CURVE_AXES),
    curves: z.array(Curve),
    tooFew: z.array(z.string()),
    noTokens: z.array(z.string()),
  })
  .openapi("ProjectCurves");
export type CurvesIsCore = Check<Same<z.infer<typeof CurvesBody>, ProjectCurves>>;

const Side = z.object({
  label: z.string(),
  runId: z.string(),
  experimentId: z.string().nullable(),
  model: z.string(),
  method: ExperimentMethod.nullable(),
});
const Compared = z
  .object({
    itemId: z.string(),
    input: z.string(),
    reference: z.string().nullable(),
    outputA: z.string().nullable(),
    outputB: z.string().nullable(),
    gradesA: z.record(z.string(), Grade),
    gradesB: z.record(z.string(), Grade),
  })
  .openapi("ComparedItem");
export const ComparisonBody = z
  .object({
    a: Side,
    b: Side,
    primaryMetric: z.string().nullable(),
    graders: z.record(z.string(), GraderComparison),
    regressed: z.array(Compared),
    improved: z.array(Compared),
    byTag: z.array(
      z.object({
        tag: z.string(),
        n: z.number().int(),
        meanA: z.number().nullable(),
        meanB: z.number().nullable(),
        delta: PairedDelta,
        regressed: z.number().int(),
        improved: z.number().int(),
        bothFailed: z.number().int(),
      }),
    ),
    bothFailed: z.array(Compared),
    hyperparameters: z.array(z.object({ key: z.string(), a: z.unknown(), b: z.unknown() })),
    dataset: z.object({ a: z.string().nullable(), b: z.string().nullable(), added: z.number(), removed: z.number() }).nullable(),
  })
  .openapi("Comparison");
export type ComparisonIsCore = Check<Same<z.infer<typeof ComparisonBody>, Comparison>>;
