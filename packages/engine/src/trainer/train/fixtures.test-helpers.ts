/** Tiny data and model for trainer tests: 20 words, each mapped to one of four labels. */
import type { ChatExample, ModelSpec, TrainRequest } from "../types.ts";

export const WORDS = [
  "apple",
  "river",
  "stone",
  "cloud",
  "tiger",
  "piano",
  "lemon",
  "ocean",
  "maple",
  "eagle",
  "grape",
  "delta",
  "flint",
  "storm",
  "zebra",
  "violin",
  "mango",
  "harbor",
  "granite",
  "thunder",
];
export const LABELS = ["fruit", "water", "rock", "sky"];

export const labelOf = (i: number) => LABELS[i % LABELS.length] as string;

export const SYSTEM = "Label the word.";

export function wordExamples(): ChatExample[] {
  return WORDS.map((w, i) => ({
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: w },
      { role: "assistant", content: labelOf(i) },
    ],
  }));
}

export const TINY_SPEC: ModelSpec = { name: "test-tiny", vocabSize: 300, dModel: 32, nLayers: 2, nHeads: 2, contextLength: 32 };

export function tinyRequest(outputDir: string, over: Partial<TrainRequest> = {}): TrainRequest {
  return {
    base: { spec: TINY_SPEC },
    training: wordExamples(),
    hyperparameters: { nEpochs: 6, batchSize: 4, learningRateMultiplier: 1 },
    seed: 42,
    outputDir,
    checkpointEvery: 1000,
    ...over,
  };
}
