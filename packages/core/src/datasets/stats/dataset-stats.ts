import { z } from "zod";
import { Distribution, distribution } from "./distribution.ts";
import { billingTokensPerEpoch, defaultEpochs } from "./epochs.ts";
import { Encoding } from "./tokenizer.ts";

export const DatasetStats = z.object({
  encoding: Encoding,
  contextLimit: z.number().int().positive(),
  examples: z.number().int(),
  messagesPerExample: Distribution,
  tokensPerExample: Distribution,
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

export function datasetStats(counts: ReadonlyArray<PerExampleCounts>, encoding: Encoding, contextLimit: number): DatasetStats {
  const tokens = counts.map((c) => c.tokens);
  const epochs = defaultEpochs(counts.length);
  const perEpoch = billingTokensPerEpoch(tokens, contextLimit);
  return {
    encoding,
    contextLimit,
    examples: counts.length,
    messagesPerExample: distribution(counts.map((c) => c.messages)),
    tokensPerExample: distribution(tokens),
    assistantTokensPerExample: distribution(counts.map((c) => c.assistantTokens)),
    overContextLimit: tokens.filter((t) => t > contextLimit).length,
    epochs,
    billingTokensPerEpoch: perEpoch,
    estimatedTrainedTokens: perEpoch * epochs,
    images: counts.reduce((sum, c) => sum + c.images, 0),
  };
}
