import type { Interval } from "./interval.schema.ts";
import { Z95 } from "./interval.ts";

/**
 * Wilson score interval for a pass rate `passed / n` (95% by default). Unlike the normal approximation it stays
 * inside [0, 1] and is sensible at 0% and 100%. Returns `null` when `n` is 0 (no evidence either way).
 */
export function wilsonInterval(passed: number, n: number, z: number = Z95): Interval | null {
  if (n <= 0) return null;
  const p = passed / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
