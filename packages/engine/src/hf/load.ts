/**
 * openHfModel(): a Hugging Face model directory ready for chat completions in this thread: checked
 * (checkpoint.ts), weights loaded (bf16 as stored, else float32), RoPE tables, tokenizer and chat template. A LoRA
 * adapter is applied unmerged (model/decoder.ts), so a tuned model costs its base's memory plus the adapter's.
 */
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { nativeKernels } from "../trainer/kernels/native.ts";
import type { Kernels } from "../trainer/kernels/types.ts";
import type { LoadedModel } from "../trainer/types.ts";
import { createChatCodec } from "./chat-codec.ts";
import { inspectCheckpoint, weightFiles } from "./checkpoint.ts";
import { contextLimit } from "./config.ts";
import { embedTokens } from "./embed.ts";
import { readPeftAdapter } from "./lora/peft.ts";
import { machineMemoryBytes } from "./machine-memory.ts";
import type { DecoderModel } from "./model/decoder.ts";
import { generateHf, HfBatch } from "./model/generate.ts";
import { PrefixCache } from "./model/prefix-cache.ts";
import { ropeTables } from "./model/rope.ts";
import { type BaseWeights, loadHfWeights } from "./model/weights.ts";

/** RoPE positions tabulated at most (the KV cache is sized per request). */
const MAX_TABLE_POSITIONS = 32_768;

/** Bytes a served model keeps of prompt prefixes' key/value rows (model/prefix-cache.ts): 256 MiB, or 1/16 of memory. */
export function prefixCacheBudget(memory = machineMemoryBytes()): number {
  return Math.min(256 * 2 ** 20, Math.floor(memory / 16));
}

/** A base model directory's decoder; `weights: "q8_0"` holds its matrices in 8-bit Q8 blocks (model/q8-matrix.ts). */
export function openHfDecoderModel(dir: string, k: Kernels = nativeKernels(), options: { weights?: BaseWeights } = {}): DecoderModel {
  const ckpt = inspectCheckpoint(dir);
  const positions = Math.min(contextLimit(ckpt.arch), MAX_TABLE_POSITIONS);
  const weights = loadHfWeights(ckpt, { weights: options.weights ?? "as_stored", k });
  return {
    arch: ckpt.arch,
    weights,
    rope: ropeTables(ckpt.arch, positions),
    // Gemma 3's local layers have a RoPE of their own (Gemma 2's use the global one: no second table)
    ...(ckpt.arch.modelType === "gemma3_text" ? { localRope: ropeTables(ckpt.arch, positions, "local") } : {}),
    k,
  };
}

/**
 * Bases of served models, each loaded once for every adapter on it while any served model holds it: the key (folder and
 * how its weights are held) maps to its weights weakly, and the weights to the rest of the decoder (ephemeron), so a
 * base no served model holds any more is collected.
 */
const servedWeights = new Map<string, WeakRef<DecoderModel["weights"]>>();
const servedParts = new WeakMap<DecoderModel["weights"], DecoderModel>();

/**
 * The decoder of a base for serving: the one already loaded for another adapter on it (with these kernels, from weight
 * files of the same size and time), else loaded.
 */
export function servedBase(dir: string, k: Kernels, weights: BaseWeights | undefined): DecoderModel {
  const files = weightFiles(dir).map((name) => {
    const stat = statSync(join(dir, name));
    return `${name}:${stat.size}:${stat.mtimeMs}`;
  });
  const key = [resolve(dir), weights ?? "as_stored", ...files].join("\u0000");
  const held = servedWeights.get(key)?.deref();
  const parts = held && servedParts.get(held);
  if (parts && parts.k === k) return { ...parts };
  const base = openHfDecoderModel(dir, k, weights ? { weights } : {});
  servedWeights.set(key, new WeakRef(base.weights));
  servedParts.set(base.weights, base);
  return { ...base };
}

/**
 * A base model directory, with the LoRA adapter in `adapterDir` applied unmerged when it is given, for serving: prompts
 * that begin as earlier ones did start from the rows those left in its prefix cache (`prefixCacheBytes`, 0: none).
 * Adapters on one base share its weights in memory (servedBase).
 */
export async function openHfModel(
  dir: string,
  options: { adapterDir?: string; weights?: BaseWeights; prefixCacheBytes?: number } = {},
  k: Kernels = nativeKernels(),
): Promise<LoadedModel> {
  const model = servedBase(dir, k, options.weights);
  if (options.adapterDir) model.lora = readPeftAdapter(options.adapterDir, model.arch, k, { inference: true });
  const budget = options.prefixCacheBytes ?? prefixCacheBudget();
  if (budget > 0) model.prefixes = new PrefixCache(budget);
  const codec = await createChatCodec(dir, model.arch.vocab);
  const a = model.arch;
  return {
    spec: { name: dir, vocabSize: a.vocab, dModel: a.hidden, nLayers: a.layers, nHeads: a.heads, contextLength: model.rope.positions },
    contextLength: model.rope.positions,
    parameters: 0,
    complete: (messages, tools, sampling, onToken) => generateHf(model, codec, messages, tools, sampling, onToken),
    startBatch: () => new HfBatch(model, codec),
    countPromptTokens: (messages, tools) => codec.encodeChat(messages, tools).length,
    embed: (inputs) =>
      embedTokens(
        model,
        inputs.map((input) => (typeof input === "string" ? codec.encodeText(input) : input)),
      ),
  };
}
