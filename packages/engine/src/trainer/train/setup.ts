/**
 * Builds the starting point of a training run: a fresh base model (tokenizer learned from the
 * training file, seeded random weights), a tuned model to continue from (its weights and tokenizer),
 * or a checkpoint to resume (weights, optimizer moments, step and RNG state).
 */
import type { Kernels } from "../kernels/types.ts";
import { Transformer } from "../model/transformer.ts";
import { loadModelDir, type TrainingState } from "../model-dir.ts";
import { exampleTexts } from "../tokenizer/chat-template.ts";
import { Tokenizer } from "../tokenizer/tokenizer.ts";
import type { TrainRequest } from "../types.ts";
import { hasImages } from "../vision/parts.ts";
import { IMAGE_TOKENS, VISION } from "../vision/spec.ts";
import { AdamW } from "./optimizer.ts";
import { Rng } from "./rng.ts";

export interface Start {
  model: Transformer;
  tokenizer: Tokenizer;
  optimizer: AdamW;
  state?: TrainingState;
}

/** Seed-derived stream for weight init (the data order uses its own stream, see loop.ts). */
export function initRng(seed: number): Rng {
  return new Rng((seed ^ 0x2545f491) >>> 0);
}

export function prepare(request: TrainRequest, k: Kernels): Start {
  if (request.resumeFrom) {
    const files = loadModelDir(request.resumeFrom);
    if (!files.state || !files.optimizer) throw new Error(`${request.resumeFrom} is a model, not a resumable checkpoint`);
    const model = new Transformer(files.spec, k, files.weights);
    return { model, tokenizer: files.tokenizer, optimizer: new AdamW(k, model.params.length, files.optimizer), state: files.state };
  }
  if ("modelDir" in request.base) {
    const files = loadModelDir(request.base.modelDir);
    const model = new Transformer(files.spec, k, files.weights);
    return { model, tokenizer: files.tokenizer, optimizer: new AdamW(k, model.params.length) };
  }
  if ("hf" in request.base) throw new Error("open-weight bases are fine-tuned with LoRA (hf/lora/loop.ts), not by this loop");
  const spec = request.base.spec;
  const tokenizer = Tokenizer.train(
    (function* () {
      for (const e of request.training) yield* exampleTexts(e);
    })(),
    spec.vocabSize,
  );
  // Images in the training file give the model the vision front end (and the image span's tokens).
  const vision = request.training.some((e) => hasImages(e.messages));
  const model = new Transformer(
    vision ? { ...spec, vocabSize: tokenizer.vocabSize + IMAGE_TOKENS, vision: VISION } : { ...spec, vocabSize: tokenizer.vocabSize },
    k,
  );
  model.initialize(initRng(request.seed));
  return { model, tokenizer, optimizer: new AdamW(k, model.params.length) };
}
