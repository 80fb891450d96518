import { z } from "zod";

export const Distribution = z.object({
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  p5: z.number(),
  p95: z.number(),
  total: z.number(),
});
export type Distribution = z.infer<typeof Distribution>;

/** min/max/mean/p5/p95/total; percentiles by linear interpolation between closest ranks (numpy's default). */
export function distribution(values: ArrayLike<number>): Distribution {
  if (values.length === 0) return { min: 0, max: 0, mean: 0, p5: 0, p95: 0, total: 0 };
  const sorted = Float64Array.from(values).sort();
  let total = 0;
  for (const v of sorted) total += v;
  return {
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    mean: total / sorted.length,
    p5: quantile(sorted, 0.05),
    p95: quantile(sorted, 0.95),
    total,
  };
}

export function quantile(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower] ?? 0;
  const b = sorted[upper] ?? a;
  return a + (b - a) * (position - lower);
}
