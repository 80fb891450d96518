import { z } from "zod";
import { Interval } from "./interval.schema.ts";

export const CurvePoint = z.object({
  /** Training-set size (examples or tokens). */
  n: z.number(),
  y: z.number(),
});
export type CurvePoint = z.infer<typeof CurvePoint>;

/** y(n) = a − b · n^(−c). */
export const PowerLawFit = z.object({
  a: z.number(),
  b: z.number(),
  c: z.number(),
  /** Sum of squared residuals. */
  sse: z.number(),
});
export type PowerLawFit = z.infer<typeof PowerLawFit>;

export const Projection = CurvePoint.extend({ interval: Interval });
export type Projection = z.infer<typeof Projection>;

export const LearningCurve = z.object({
  fit: PowerLawFit,
  points: z.array(CurvePoint),
  /** The fitted score at each requested size, with its bootstrap interval. */
  projections: z.array(Projection),
  /** The asymptote a (the score with unlimited data) and its interval. */
  asymptote: z.object({ y: z.number(), interval: Interval }),
  resamples: z.number().int(),
});
export type LearningCurve = z.infer<typeof LearningCurve>;
