// The floor of a paired p-value, in a module of its own without zod (the trials path of the finalize worker loads it).

/** Differences farther from 0 than rounding: the pairs that changed. */
export function changedPairs(differences: readonly number[]): number {
  let changed = 0;
  for (const d of differences) if (Math.abs(d) > 1e-12) changed++;
  return changed;
}

/**
 * The smallest two-sided p-value an exact paired test can give when `changed` pairs differ: under the null each
 * difference is as likely positive as negative, and the most extreme outcome (all one way) has probability 2 / 2^m
 * (the sign test's and McNemar's exact bound; 1 for a single pair). No paired p-value here goes below it.
 */
export function signFlipFloor(changed: number): number {
  return Math.min(1, 2 ** (1 - changed));
}
