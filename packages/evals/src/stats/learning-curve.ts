/**
 * Learning curves: how a metric grows with training-set size, fitted as a saturating power law
 *   y(n) = a − b · n^(−c),  c in [C_MIN, C_MAX]
 * (a: the score approached with unlimited data; b, c: how fast it closes in), and projections to other sizes
 * with intervals.
 *
 * The fit minimizes the sum of squared errors. For a fixed c the model is linear in (a, b), solved in closed
 * form, so only c is searched: a log-spaced grid, then golden-section refinement around the best grid point
 * (variable projection; no starting guess to get wrong); where the best a exceeds maxScore, a = maxScore and
 * b alone is fitted. At least three distinct sizes are needed.
 *
 * Intervals come from a paired item bootstrap: every point is an experiment scored on the same test items, so
 * each resample draws item indices once and recomputes every point's mean on them (keeping the correlation
 * between points), refits, and projects; the interval is the percentile interval of the projections.
 * Checked against scipy's curve_fit with the same resamples (stats/learning_curve_reference.py).
 */
import { DEFAULT_RESAMPLES } from "./bootstrap.ts";
import type { Interval } from "./interval.schema.ts";
import type { CurvePoint, LearningCurve, PowerLawFit } from "./learning-curve.schema.ts";
import { mulberry32 } from "./prng.ts";
import { quantileSorted } from "./quantile.ts";

export const C_MIN = 0.01;
export const C_MAX = 3;
const GRID = 120;

export const predict = (fit: PowerLawFit, n: number): number => fit.a - fit.b * n ** -fit.c;

function linearAt(points: readonly CurvePoint[], c: number, maxScore: number): PowerLawFit {
  let mx = 0;
  let my = 0;
  for (const p of points) {
    mx += p.n ** -c;
    my += p.y;
  }
  mx /= points.length;
  my /= points.length;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    const dx = p.n ** -c - mx;
    sxx += dx * dx;
    sxy += dx * (p.y - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0; // y = a + slope·x, so b = −slope
  const fit = { a: my - slope * mx, b: -slope, c, sse: 0 };
  if (fit.a > maxScore) {
    // The constrained optimum sits on a = maxScore: then b alone, by least squares of (maxScore − y) on x.
    let sx2 = 0;
    let sxr = 0;
    for (const p of points) {
      const x = p.n ** -c;
      sx2 += x * x;
      sxr += x * (maxScore - p.y);
    }
    fit.a = maxScore;
    fit.b = sx2 > 0 ? sxr / sx2 : 0;
  }
  for (const p of points) fit.sse += (p.y - predict(fit, p.n)) ** 2;
  return fit;
}

/**
 * Least-squares saturating power law through the points (at least three distinct sizes, all > 0), with the
 * asymptote a at most `maxScore` (1 for scores in [0, 1]: otherwise nearly straight points in log n send a to
 * absurd heights with c at its floor).
 */
export function fitPowerLaw(points: readonly CurvePoint[], maxScore = 1): PowerLawFit {
  if (points.some((p) => !(p.n > 0) || !Number.isFinite(p.y)))
    throw new Error("learning curve: every size must be > 0 and every score finite");
  if (new Set(points.map((p) => p.n)).size < 3) throw new Error("learning curve: at least three distinct training-set sizes are needed");
  const lc = (i: number) => Math.log(C_MIN) + ((Math.log(C_MAX) - Math.log(C_MIN)) * i) / (GRID - 1);
  let best = 0;
  let bestFit = linearAt(points, C_MIN, maxScore);
  for (let i = 1; i < GRID; i++) {
    const f = linearAt(points, Math.exp(lc(i)), maxScore);
    if (f.sse < bestFit.sse) {
      best = i;
      bestFit = f;
    }
  }
  // Golden-section search on log c between the grid neighbours of the best point.
  let lo = lc(Math.max(0, best - 1));
  let hi = lc(Math.min(GRID - 1, best + 1));
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = linearAt(points, Math.exp(x1), maxScore);
  let f2 = linearAt(points, Math.exp(x2), maxScore);
  for (let it = 0; it < 80 && hi - lo > 1e-12; it++) {
    if (f1.sse <= f2.sse) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = linearAt(points, Math.exp(x1), maxScore);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = linearAt(points, Math.exp(x2), maxScore);
    }
  }
  for (const f of [f1, f2]) if (f.sse < bestFit.sse) bestFit = f;
  return bestFit;
}

export interface CurveSeries {
  /** Training-set size of this experiment. */
  n: number;
  /** Its per-item scores on the test split, in the same item order for every series. */
  scores: readonly number[];
}

export interface LearningCurveOptions {
  /** Sizes to project to (default: twice the largest). */
  at?: readonly number[];
  resamples?: number;
  seed?: number;
  confidence?: number;
  /** Upper bound of the asymptote (default 1: scores in [0, 1]). */
  maxScore?: number;
}

/** Fits the curve through the series' mean scores and projects it, with paired item-bootstrap intervals. */
export function learningCurve(series: readonly CurveSeries[], options: LearningCurveOptions = {}): LearningCurve {
  const m = series[0]?.scores.length ?? 0;
  if (m === 0 || series.some((s) => s.scores.length !== m))
    throw new Error("learning curve: every point needs scores on the same, non-empty set of items");
  const meanOf = (s: CurveSeries, idx?: Int32Array) => {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += s.scores[idx ? (idx[i] as number) : i] as number;
    return sum / m;
  };
  const points = series.map((s) => ({ n: s.n, y: meanOf(s) }));
  const maxScore = options.maxScore ?? 1;
  const fit = fitPowerLaw(points, maxScore);
  const at = options.at ?? [2 * Math.max(...series.map((s) => s.n))];
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const alpha = 1 - (options.confidence ?? 0.95);
  const draws = at.map(() => new Float64Array(resamples));
  const asymptotes = new Float64Array(resamples);
  const random = mulberry32(options.seed ?? 0);
  const idx = new Int32Array(m);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < m; i++) {
      idx[i] = Math.floor(random() * m);
    }
    const f = fitPowerLaw(
      series.map((s) => ({ n: s.n, y: meanOf(s, idx) })),
      maxScore,
    );
    for (const [j, n] of at.entries()) (draws[j] as Float64Array)[r] = predict(f, n);
    asymptotes[r] = f.a;
  }
  const interval = (values: Float64Array): Interval => {
    const sorted = Array.from(values).sort((x, y) => x - y);
    return { low: quantileSorted(sorted, alpha / 2), high: quantileSorted(sorted, 1 - alpha / 2) };
  };
  return {
    fit,
    points,
    projections: at.map((n, j) => ({ n, y: predict(fit, n), interval: interval(draws[j] as Float64Array) })),
    asymptote: { y: fit.a, interval: interval(asymptotes) },
    resamples,
  };
}
