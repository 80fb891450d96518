/**
 * A Hugging Face model directory, checked before anything is registered: config.json of a supported
 * architecture, the tokenizer and its chat template, and safetensors weights (one file, or shards
 * listed by model.safetensors.index.json) holding every tensor the architecture needs with the
 * shape the config implies. Every refusal names the file and the field.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { type HfArchitecture, hfParameterCount, parseHfConfig } from "./config.ts";
import { storedTextName, type TextTensorLayout, textTensorLayout } from "./image-text.ts";
import { readSafetensorsHeader, type TensorEntry } from "./safetensors.ts";
import { expectedTensors } from "./tensor-names.ts";
import { tokenizerIds, vocabFitProblem } from "./vocab-fit.ts";

export interface LocatedTensor {
  file: string;
  entry: TensorEntry;
}

export interface HfCheckpoint {
  dir: string;
  arch: HfArchitecture;
  config: Record<string, unknown>;
  parameters: number;
  /** dtype of the weights as stored (the most common one). */
  dtype: string;
  tensors: Map<string, LocatedTensor>;
  /** Files of the checkpoint (relative names) with their sizes, for fingerprints. */
  files: Array<{ name: string; bytes: number }>;
  /**
   * An image-text checkpoint (arch.imageText): where its text model's tensors sit in the files (`tensors` holds them
   * under the text model's own names), and every other tensor (vision tower, projector) under its stored name.
   */
  imageText?: { layout: TextTensorLayout; others: Map<string, LocatedTensor> };
}

const refuse = (file: string, field: string, message: string) =>
  new TunelabError("validation_failed", `${file}: ${field}: ${message}`, { details: { file, field } });

const WeightIndex = z.looseObject({ weight_map: z.record(z.string(), z.string()) });
const TokenizerConfig = z.looseObject({ chat_template: z.unknown().optional() });

function readJson(dir: string, name: string): unknown {
  const path = join(dir, name);
  if (!existsSync(path)) throw refuse(name, "(file)", `missing from ${dir}`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw refuse(name, "(file)", `is not valid JSON (${(error as Error).message})`);
  }
}

/** Inspects (and checks) a model directory; reads only JSON files and safetensors headers. */
export function inspectCheckpoint(dir: string): HfCheckpoint {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw refuse(dir, "(path)", "is not a directory");
  const config = readJson(dir, "config.json") as Record<string, unknown>;
  const arch = parseHfConfig(config);
  const ids = tokenizerIds(readJson(dir, "tokenizer.json"), arch.vocab);
  const tooMany = vocabFitProblem(ids.count, arch.vocab);
  if (tooMany) throw refuse("tokenizer.json", "model.vocab", tooMany);
  if (ids.missing !== undefined)
    throw refuse(
      "tokenizer.json",
      "added_tokens",
      `no token has id ${ids.missing}, below the highest id ${ids.count - 1} (model.vocab and added_tokens must give every id a token)`,
    );
  const tokenizerConfig = TokenizerConfig.safeParse(readJson(dir, "tokenizer_config.json"));
  if (!tokenizerConfig.success || tokenizerConfig.data.chat_template === undefined) {
    // transformers ≥ 4.43 may save the template on its own: chat_template.jinja, or chat_template.json (Gemma 3 4B–27B)
    if (!existsSync(join(dir, "chat_template.jinja")) && !existsSync(join(dir, "chat_template.json")))
      throw refuse(
        "tokenizer_config.json",
        "chat_template",
        "missing: a chat model (an -Instruct checkpoint) with a chat template is needed. To tune a base checkpoint, give it " +
          "the chat template of its -Instruct variant (the same tokenizer): its tokenizer_config.json's chat_template, or " +
          "its chat_template.jinja beside the other files, then register it",
      );
  }
  if (existsSync(join(dir, "generation_config.json"))) readJson(dir, "generation_config.json");

  const files: Array<{ name: string; bytes: number }> = [];
  for (const name of [
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "generation_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "chat_template.json",
  ])
    if (existsSync(join(dir, name))) files.push({ name, bytes: statSync(join(dir, name)).size });

  const shards = weightFiles(dir);
  const tensors = new Map<string, LocatedTensor>();
  const dtypes = new Map<string, number>();
  for (const shard of shards) {
    const header = readSafetensorsHeader(join(dir, shard));
    files.push({ name: shard, bytes: statSync(join(dir, shard)).size });
    for (const entry of header.tensors.values()) {
      tensors.set(entry.name, { file: join(dir, shard), entry });
      dtypes.set(entry.dtype, (dtypes.get(entry.dtype) ?? 0) + 1);
    }
  }
  const imageText = arch.imageText ? textModelTensors(tensors, shards) : undefined;
  if (imageText) {
    tensors.clear();
    for (const [name, t] of imageText.text) tensors.set(name, t);
  }
  for (const expected of expectedTensors(arch)) {
    const found = tensors.get(expected.name);
    const stored = imageText ? storedTextName(imageText.layout, expected.name) : expected.name;
    if (!found)
      throw refuse(shards.length === 1 ? (shards[0] as string) : "model.safetensors.index.json", stored, "tensor missing from the weights");
    if (found.entry.shape.join("x") !== expected.shape.join("x"))
      throw refuse(
        found.file.slice(dir.length + 1),
        stored,
        `shape [${found.entry.shape}] does not match config.json (expected [${expected.shape}])`,
      );
  }
  const dtype = [...dtypes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "F32";
  return {
    dir,
    arch,
    config,
    parameters: hfParameterCount(arch),
    dtype,
    tensors,
    files,
    ...(imageText ? { imageText: { layout: imageText.layout, others: imageText.others } } : {}),
  };
}

/** An image-text checkpoint's tensors: the text model's under its own names, and the others as stored. */
function textModelTensors(
  all: Map<string, LocatedTensor>,
  shards: string[],
): { layout: TextTensorLayout; text: Map<string, LocatedTensor>; others: Map<string, LocatedTensor> } {
  const layout = textTensorLayout(new Set(all.keys()));
  if (!layout)
    throw refuse(
      shards.length === 1 ? (shards[0] as string) : "model.safetensors.index.json",
      "language_model.model.embed_tokens.weight",
      "tensor missing from the weights (nor model.language_model.embed_tokens.weight): no language model found",
    );
  const text = new Map<string, LocatedTensor>();
  const others = new Map(all);
  for (const stored of all.keys()) {
    const own =
      stored === layout.head
        ? "lm_head.weight"
        : stored.startsWith(layout.model)
          ? `model.${stored.slice(layout.model.length)}`
          : undefined;
    if (own === undefined || storedTextName(layout, own) !== stored) continue;
    text.set(own, all.get(stored) as LocatedTensor);
    others.delete(stored);
  }
  return { layout, text, others };
}

/** The safetensors files of a directory: `model.safetensors`, or the shards its index lists. */
export function weightFiles(dir: string): string[] {
  const index = join(dir, "model.safetensors.index.json");
  if (existsSync(index)) {
    const parsed = WeightIndex.safeParse(readJson(dir, "model.safetensors.index.json"));
    if (!parsed.success) throw refuse("model.safetensors.index.json", "weight_map", "missing or not an object of tensor name → file");
    const shards = [...new Set(Object.values(parsed.data.weight_map))].sort();
    for (const shard of shards)
      if (!existsSync(join(dir, shard))) throw refuse("model.safetensors.index.json", "weight_map", `lists ${shard}, which is missing`);
    return shards;
  }
  if (existsSync(join(dir, "model.safetensors"))) return ["model.safetensors"];
  const other = ["pytorch_model.bin", "model.gguf"].find((f) => existsSync(join(dir, f)));
  throw refuse(
    "model.safetensors",
    "(file)",
    other
      ? `missing (found ${other}; only safetensors weights are supported)`
      : "missing: no model.safetensors or model.safetensors.index.json",
  );
}
