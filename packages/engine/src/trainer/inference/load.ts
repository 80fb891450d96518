/**
 * loadModel(): a trained model (or checkpoint) directory, or a base size as it is (seeded random
 * weights and a byte-level tokenizer: what a baseline experiment of an untrained model measures),
 * ready for chat completions.
 */
import { nativeKernels } from "../kernels/native.ts";
import type { Kernels } from "../kernels/types.ts";
import { Transformer } from "../model/transformer.ts";
import { loadModelDir } from "../model-dir.ts";
import { encodePrompt } from "../tokenizer/chat-template.ts";
import { Tokenizer } from "../tokenizer/tokenizer.ts";
import { initRng } from "../train/setup.ts";
import type { LoadedModel, ModelSpec } from "../types.ts";
import { visionEncoding } from "../vision/spec.ts";
import { generate } from "./generate.ts";

/** Bytes a trained local-* tokenizer packs into a token, roughly (BPE learned on the training file). */
export const UNTRAINED_BYTES_PER_TOKEN = 4;

export type ModelSource = string | { dir: string } | { spec: ModelSpec; seed?: number };

export async function loadModel(source: ModelSource, k: Kernels = nativeKernels()): Promise<LoadedModel> {
  return openModel(source, k);
}

/** Synchronous form of loadModel (for use inside the synchronous training loop's hooks). */
export function openModel(source: ModelSource, k: Kernels = nativeKernels()): LoadedModel {
  let model: Transformer;
  let tokenizer: Tokenizer;
  if (typeof source === "object" && "spec" in source) {
    tokenizer = new Tokenizer([]);
    // An untrained base reads bytes (no merges yet), so its context covers UNTRAINED_BYTES_PER_TOKEN × the size's
    // context in positions: prompts that fit the trained model fit the baseline too (its weights are random either way).
    const contextLength = source.spec.contextLength * UNTRAINED_BYTES_PER_TOKEN;
    model = new Transformer({ ...source.spec, vocabSize: tokenizer.vocabSize, contextLength }, k);
    model.initialize(initRng(source.seed ?? 0));
  } else {
    const files = loadModelDir(typeof source === "string" ? source : source.dir);
    model = new Transformer(files.spec, k, files.weights);
    tokenizer = files.tokenizer;
  }
  return {
    spec: model.spec,
    contextLength: model.spec.contextLength,
    parameters: model.params.length,
    complete: (messages, tools, sampling, onToken) => generate(model, tokenizer, messages, tools, sampling, onToken),
    countPromptTokens: (messages, tools) => encodePrompt(tokenizer, messages, tools, visionEncoding(model.spec)).length,
  };
}
