/**
 * TensorBoard's scalar smoothing: an exponential moving average, debiased so the first points are not pulled
 * toward 0. With weight w, `last = w·last + (1−w)·y` and the smoothed value is `last / (1 − w^k)` after the k-th
 * finite point. Missing (null) or non-finite points stay as they are and do not count. A constant series is
 * returned unchanged (as TensorBoard does). `weight` 0 is no smoothing; it must be in [0, 1).
 */
export function emaSmooth(values: ReadonlyArray<number | null>, weight: number): Array<number | null> {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (weight === 0 || finite.every((v) => v === finite[0])) return [...values];
  let last = 0;
  let k = 0;
  return values.map((y) => {
    if (y === null || !Number.isFinite(y)) return y;
    last = last * weight + (1 - weight) * y;
    k++;
    return last / (1 - weight ** k);
  });
}
