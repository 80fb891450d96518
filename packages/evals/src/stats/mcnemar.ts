import { z } from "zod";

export const McNemarResult = z.object({
  /** Discordant pairs passed in A and failed in B (regressions when A is the baseline). */
  passToFail: z.number().int(),
  /** Discordant pairs failed in A and passed in B (improvements). */
  failToPass: z.number().int(),
  /** Two-sided exact p-value. */
  pValue: z.number(),
});
export type McNemarResult = z.infer<typeof McNemarResult>;

/**
 * McNemar's exact test: under H0 the discordant pairs split Binomial(b + c, 1/2); the two-sided p-value is
 * `min(1, 2 · P(X ≤ min(b, c)))` (the same as `scipy.stats.binomtest(min(b, c), b + c, 0.5)`). 1 when there are
 * no discordant pairs.
 */
export function mcnemarExact(passToFail: number, failToPass: number): McNemarResult {
  const n = passToFail + failToPass;
  const k = Math.min(passToFail, failToPass);
  return { passToFail, failToPass, pValue: n === 0 ? 1 : Math.min(1, 2 * binomialCdfHalf(k, n)) };
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space so large n does not underflow. */
export function binomialCdfHalf(k: number, n: number): number {
  const logHalfN = n * Math.log(0.5);
  let logPmf = logHalfN; // log C(n, 0) + n log 1/2
  let maxLog = logPmf;
  const logs = [logPmf];
  for (let i = 1; i <= k; i++) {
    logPmf += Math.log((n - i + 1) / i);
    logs.push(logPmf);
    if (logPmf > maxLog) maxLog = logPmf;
  }
  let sum = 0;
  for (const value of logs) sum += Math.exp(value - maxLog);
  return Math.min(1, Math.exp(maxLog) * sum);
}
