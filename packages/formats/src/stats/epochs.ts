/** OpenAI's default-epochs rule from its data-preparation guide. */
export const EPOCH_RULE = {
  targetEpochs: 3,
  minTargetExamples: 100,
  maxTargetExamples: 25_000,
  minEpochs: 1,
  maxEpochs: 25,
} as const;

export function defaultEpochs(exampleCount: number): number {
  const { targetEpochs, minTargetExamples, maxTargetExamples, minEpochs, maxEpochs } = EPOCH_RULE;
  if (exampleCount <= 0) return targetEpochs;
  if (exampleCount * targetEpochs < minTargetExamples) {
    return Math.min(maxEpochs, Math.floor(minTargetExamples / exampleCount));
  }
  if (exampleCount * targetEpochs > maxTargetExamples) {
    return Math.max(minEpochs, Math.floor(maxTargetExamples / exampleCount));
  }
  return targetEpochs;
}

/** Tokens charged per epoch: each example counts up to the context limit. */
export function billingTokensPerEpoch(exampleTokens: ArrayLike<number>, contextLimit: number): number {
  let sum = 0;
  for (let i = 0; i < exampleTokens.length; i++) sum += Math.min(contextLimit, exampleTokens[i] ?? 0);
  return sum;
}
