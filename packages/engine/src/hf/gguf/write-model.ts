/**
 * One GGUF file of a decoder held in memory (a base, a merged LoRA model or a fully tuned one) and the tokenizer of
 * its directory: what llama.cpp (`llama-cli -m`, `llama-server -m`), Ollama (`FROM ./model.gguf`) and LM Studio load.
 */
import type { ProjectionValues } from "../lora/merge.ts";
import type { DecoderModel } from "../model/decoder.ts";
import { HfTokenizer } from "../tokenizer/hf-tokenizer.ts";
import { readTokenizerFiles } from "../tokenizer/model-files.ts";
import { type GgufValue, writeGguf } from "./gguf-file.ts";
import { architectureMetadata, type GgufDtype, modelTensors } from "./model-tensors.ts";
import { ggufModelName } from "./strip-rule.ts";
import { vocabularyMetadata } from "./vocab.ts";

export interface GgufModelOptions {
  model: DecoderModel;
  /** The directory holding tokenizer.json and tokenizer_config.json (the base's). */
  tokenizerDir: string;
  outPath: string;
  dtype: GgufDtype;
  /** Each projection's values as written (default: the model's weights; an export of a LoRA-tuned model folds its adapter in). */
  projectionValues?: ProjectionValues;
  /**
   * `general.name`: what llama.cpp and Ollama show as the model's name; written as strip-rule.ts says, since llama.cpp
   * also keys a tokenizer rule on it.
   */
  name: string;
  /** Called after each tensor is written (see `writeGguf`). */
  onTensor?: (done: number, total: number) => void;
}

/** The file name an export of this type gets. */
export const ggufFileName = (dtype: GgufDtype) => `model-${dtype}.gguf`;

/** Checks the tokenizer first (nothing is written when it cannot be expressed in GGUF), then writes the file. */
export async function writeGgufModel(options: GgufModelOptions): Promise<{ bytes: number }> {
  const files = await readTokenizerFiles(options.tokenizerDir);
  const tokenizer = new HfTokenizer(files);
  const vocab = vocabularyMetadata(files, tokenizer, options.model.arch.vocab);
  const name = ggufModelName(files, tokenizer, options.model.arch.vocab, options.name);
  const metadata = new Map<string, GgufValue>([
    ...architectureMetadata(options.model.arch, options.dtype),
    ["general.type", { type: "string", value: "model" }],
    ["general.name", { type: "string", value: name }],
    ...vocab,
  ]);
  return {
    bytes: writeGguf(
      options.outPath,
      metadata,
      modelTensors(options.model, options.dtype, options.projectionValues),
      options.onTensor,
      // the model's kernels' encoder: the native addon's, blocks in parallel, the reference's bytes
      options.model.k.ggufQuantize,
    ),
  };
}
