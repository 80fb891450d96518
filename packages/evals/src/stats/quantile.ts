/**
 * The q-quantile of ascending-sorted values with linear interpolation between order statistics (Hyndman & Fan
 * type 7, numpy's default `np.percentile(..., method="linear")`). `sorted` must be non-empty.
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[above] ?? Number.NaN;
  return low + (high - low) * (position - below);
}
