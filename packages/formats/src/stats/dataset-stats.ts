import { z } from "zod";
import { Distribution, distribution } from "./distribution.ts";
import { billingTokensPerEpoch, defaultEpochs } from "./epochs.ts";
import { Histogram, histogram } from "./histogram.ts";
import { Encoding } from "./tokenizer.ts";

export const DatasetStats = z.object({
  encoding: Encoding,
  contextLimit: z.number().int().positive(),
  examples: z.number().int(),
  messagesPerExample: Distribution,
  tokensPerExample: Distribution,
  /** Exact tokens per example (all messages) in up to 30 bins; absent from versions imported before it was added. */
  tokensHistogram: Histogram.optional(),
  assistantTokensPerExample: Distribution,
  overContextLimit: z.number().int(),
  epochs: z.number().int(),
  billingTokensPerEpoch: z.number().int(),
  estimatedTrainedTokens: z.number().int(),
  images: z.number().int(),
});
export type DatasetStats = z.infer<typeof DatasetStats>;

export interface PerExampleCounts {
  messages: number;
  tokens: number;
  assistantTokens: number;
  images: number;
}

/** Columns of per-example counts (one entry per example) and the total of images. */
export interface CountColumns {
  messages: ArrayLike<number>;
  tokens: ArrayLike<number>;
  assistantTokens: ArrayLike<number>;
  images: number;
}

export function datasetStats(
  counts: ReadonlyArray<PerExampleCounts> | CountColumns,
  encoding: Encoding,
  contextLimit: number,
): DatasetStats {
  const columns = Array.isArray(counts) ? toColumns(counts) : (counts as CountColumns);
  const tokens = columns.tokens;
  const epochs = defaultEpochs(tokens.length);
  const perEpoch = billingTokensPerEpoch(tokens, contextLimit);
  let overContextLimit = 0;
  for (let i = 0; i < tokens.length; i++) if ((tokens[i] ?? 0) > contextLimit) overContextLimit++;
  return {
    encoding,
    contextLimit,
    examples: tokens.length,
    messagesPerExample: distribution(columns.messages),
    tokensPerExample: distribution(tokens),
    tokensHistogram: histogram(tokens),
    assistantTokensPerExample: distribution(columns.assistantTokens),
    overContextLimit,
    epochs,
    billingTokensPerEpoch: perEpoch,
    estimatedTrainedTokens: perEpoch * epochs,
    images: columns.images,
  };
}

function toColumns(counts: ReadonlyArray<PerExampleCounts>): CountColumns {
  return {
    messages: counts.map((c) => c.messages),
    tokens: counts.map((c) => c.tokens),
    assistantTokens: counts.map((c) => c.assistantTokens),
    images: counts.reduce((sum, c) => sum + c.images, 0),
  };
}
