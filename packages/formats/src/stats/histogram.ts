import { z } from "zod";

/** Equal-width bins over [start, start + width × counts.length]; the last bin holds its right edge (numpy's rule). */
export const Histogram = z.object({
  start: z.number(),
  width: z.number().positive(),
  counts: z.array(z.number().int().nonnegative()),
});
export type Histogram = z.infer<typeof Histogram>;

/**
 * `numpy.histogram(values, bins)` for counts: `bins` equal-width bins from the minimum to the maximum (fewer for integer
 * counts spanning less than `bins` values, so no bin falls between two integers); one value, or all equal, gets numpy's
 * range of ±0.5 around it.
 */
export function histogram(values: ArrayLike<number>, bins = 30): Histogram {
  if (values.length === 0) return { start: 0, width: 1, counts: [] };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return { start: min - 0.5, width: 1, counts: [values.length] };
  const n = Math.max(1, Math.min(bins, Math.floor(max - min) + 1));
  const width = (max - min) / n;
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < values.length; i++) {
    const bin = Math.min(n - 1, Math.floor(((values[i] ?? 0) - min) / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return { start: min, width, counts };
}
