/**
 * Real llama.cpp for the GGUF export tests, through node-llama-cpp (its prebuilt CPU binaries come in npm packages).
 * It is not a dependency of the repository (with its GPU variants it is 725 MB): `node scripts/install-llama-cpp.mjs`
 * installs the CPU build (85 MB) into a cache folder outside it, and .ci/run does so. When it is not installed, the
 * tests that need it are skipped, saying why and how to install it.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openHfDecoderModel } from "../src/hf/load.ts";
import { HfDecoder } from "../src/hf/model/decoder.ts";

export const NODE_LLAMA_CPP_VERSION = "3.22.1";

/** Where scripts/install-llama-cpp.mjs installs it (the same rule). */
export function llamaCppDir(): string {
  return process.env.TUNELAB_LLAMA_CPP_DIR ?? join(homedir(), ".cache", "tunelab", `node-llama-cpp-${NODE_LLAMA_CPP_VERSION}`);
}

/** The part of node-llama-cpp's API these tests use. */
export interface LlamaCppModel {
  tokenize(text: string, specialTokens?: boolean): number[];
  detokenize(tokens: readonly number[], specialTokens?: boolean): string;
  createContext(options: Record<string, unknown>): Promise<LlamaCppContext>;
  dispose(): Promise<void>;
}
export interface LlamaCppContext {
  getSequence(): {
    controlledEvaluate(
      input: Array<number | [number, { generateNext: { logits: true } }]>,
    ): Promise<Array<{ next?: { logits?: Map<number, number> } } | undefined>>;
  };
  dispose(): Promise<void>;
}
export interface LlamaCpp {
  loadModel(options: { modelPath: string; vocabOnly?: boolean }): Promise<LlamaCppModel>;
  /** node-llama-cpp's own GGUF reader (JavaScript, independent of ours). */
  readGgufFileInfo(path: string): Promise<{
    metadata: Record<string, unknown>;
    tensorInfo?: Array<{ name: string; dimensions: Array<number | bigint>; ggmlType: number }>;
  }>;
}

/** llama.cpp for a test file, or undefined after saying (once, naming the file) why its tests are skipped. */
export async function llamaCppOrSkip(testFile: string): Promise<LlamaCpp | undefined> {
  const loaded = await loadLlamaCpp();
  if ("llama" in loaded) return loaded.llama;
  console.info(`${testFile}: skipped: ${loaded.reason}`);
  return undefined;
}

/** llama.cpp on the CPU, or why it cannot be had here. */
export async function loadLlamaCpp(): Promise<{ llama: LlamaCpp } | { reason: string }> {
  const entry = join(llamaCppDir(), "node_modules", "node-llama-cpp", "dist", "index.js");
  if (!existsSync(entry))
    return {
      reason: `node-llama-cpp ${NODE_LLAMA_CPP_VERSION} is not installed in ${llamaCppDir()}: run node scripts/install-llama-cpp.mjs`,
    };
  const api = (await import(pathToFileURL(entry).href)) as {
    getLlama(options: Record<string, unknown>): Promise<{ loadModel: LlamaCpp["loadModel"] }>;
    readGgufFileInfo: LlamaCpp["readGgufFileInfo"];
    LlamaLogLevel: { error: unknown };
  };
  try {
    // the CPU build only: GPU kernels would compute in other precisions than the comparisons' bounds assume
    const llama = await api.getLlama({ gpu: false, build: "never", logLevel: api.LlamaLogLevel.error });
    return { llama: { loadModel: (options) => llama.loadModel(options), readGgufFileInfo: api.readGgufFileInfo } };
  } catch (error) {
    return { reason: `node-llama-cpp ${NODE_LLAMA_CPP_VERSION} has no CPU build that runs here: ${(error as Error).message}` };
  }
}

/** A context that computes in float32 throughout (llama.cpp's default KV cache is float16), for tight comparisons. */
export const EXACT_CONTEXT = {
  contextSize: 256,
  batchSize: 256,
  sequences: 1,
  flashAttention: false,
  experimentalKvCacheKeyType: "F32",
  experimentalKvCacheValueType: "F32",
};

export function logSoftmax(x: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i] as number);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp((x[i] as number) - max);
  const log = Math.log(sum) + max;
  return Float64Array.from(x, (v) => v - log);
}

/** The options of a float32 context (EXACT_CONTEXT), with the GGUF LoRA adapter at `lora` applied if given. */
function contextOptions(lora: string | undefined): Record<string, unknown> {
  return { ...EXACT_CONTEXT, ...(lora ? { lora: { adapters: [{ filePath: lora }] } } : {}) };
}

/** llama.cpp's next-token log-probabilities after each of `ids` ([ids.length][vocab]). */
export async function llamaCppLogProbs(
  model: LlamaCppModel,
  ids: readonly number[],
  vocab: number,
  options: { lora?: string } = {},
): Promise<Float64Array[]> {
  const context = await model.createContext(contextOptions(options.lora));
  try {
    const out = await context.getSequence().controlledEvaluate(ids.map((id) => [id, { generateNext: { logits: true } }]));
    return ids.map((_, i) => {
      const logits = out[i]?.next?.logits;
      if (!logits) throw new Error(`llama.cpp returned no logits after token ${i}`);
      const dense = new Float64Array(vocab);
      for (const [token, value] of logits) dense[token] = value;
      return logSoftmax(dense);
    });
  } finally {
    await context.dispose();
  }
}

/** llama.cpp's greedy continuation of `prompt` (one context, each new token evaluated once): ids and log-probabilities. */
export async function llamaCppGreedy(
  model: LlamaCppModel,
  prompt: readonly number[],
  steps: number,
  vocab: number,
  options: { lora?: string } = {},
): Promise<{ ids: number[]; logprobs: number[] }> {
  const context = await model.createContext(contextOptions(options.lora));
  try {
    const sequence = context.getSequence();
    const ids: number[] = [];
    const logprobs: number[] = [];
    let input: Array<number | [number, { generateNext: { logits: true } }]> = [
      ...prompt.slice(0, -1),
      [prompt[prompt.length - 1] as number, { generateNext: { logits: true } }],
    ];
    for (let step = 0; step < steps; step++) {
      const out = await sequence.controlledEvaluate(input);
      const logits = out[input.length - 1]?.next?.logits;
      if (!logits) throw new Error(`llama.cpp returned no logits at step ${step}`);
      const dense = new Float64Array(vocab);
      for (const [token, value] of logits) dense[token] = value;
      const lp = logSoftmax(dense);
      let best = 0;
      for (let t = 1; t < vocab; t++) if ((lp[t] as number) > (lp[best] as number)) best = t;
      ids.push(best);
      logprobs.push(lp[best] as number);
      input = [[best, { generateNext: { logits: true } }]];
    }
    return { ids, logprobs };
  } finally {
    await context.dispose();
  }
}

/** The log-probabilities at each of `positions` from a decoder's logits for them all ([positions · vocab]). */
export function logProbsAt(logits: Float32Array, positions: number, vocab: number): Float64Array[] {
  return Array.from({ length: positions }, (_, p) => logSoftmax(logits.subarray(p * vocab, (p + 1) * vocab)));
}

/**
 * Two models' log-probabilities at the same positions: the largest |Δ log p| over positions and vocabulary, and the
 * number of positions where the most likely token is the same.
 */
export function compareLogProbs(ours: readonly Float64Array[], theirs: readonly Float64Array[]): { maxDiff: number; sameArgmax: number } {
  let maxDiff = 0;
  let sameArgmax = 0;
  for (const [p, a] of ours.entries()) {
    const b = theirs[p] as Float64Array;
    let am = 0;
    let bm = 0;
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
      if ((a[i] as number) > (a[am] as number)) am = i;
      if ((b[i] as number) > (b[bm] as number)) bm = i;
    }
    if (am === bm) sameArgmax++;
  }
  return { maxDiff, sameArgmax };
}

/** The `tokenizer.ggml` metadata of a GGUF file as node-llama-cpp's reader shows it (the fields the tests check). */
export interface GgufTokenizerMetadata {
  model: string;
  pre?: string;
  merges?: unknown;
  tokens: string[];
  scores: number[];
  token_type: number[];
  add_space_prefix: boolean;
  add_bos_token: boolean;
  add_eos_token: boolean;
  bos_token_id: number;
  eos_token_id: number;
  eot_token_id?: number;
  padding_token_id?: number;
  unknown_token_id: number;
}

/** That metadata of a file read with `readGgufFileInfo`. */
export function ggufTokenizerMetadata(info: { metadata: Record<string, unknown> }): GgufTokenizerMetadata {
  return (info.metadata as { tokenizer: { ggml: GgufTokenizerMetadata } }).tokenizer.ggml;
}

/**
 * llama.cpp's log-probabilities from the GGUF file at `ggufPath` against the engine's from the Hugging Face folder
 * `modelDir`, after each of `tokens` (f32 files): the same argmax at every position, and the largest difference.
 */
export async function ggufAgainstEngine(
  llama: LlamaCpp,
  ggufPath: string,
  modelDir: string,
  tokens: readonly number[],
): Promise<{ maxDiff: number; sameArgmax: number }> {
  const model = openHfDecoderModel(modelDir);
  const ours = logProbsAt(new HfDecoder(model, tokens.length).feed(tokens, true), tokens.length, model.arch.vocab);
  const gguf = await llama.loadModel({ modelPath: ggufPath });
  try {
    return compareLogProbs(ours, await llamaCppLogProbs(gguf, tokens, model.arch.vocab));
  } finally {
    await gguf.dispose();
  }
}
