import { TunelabError } from "@tunelab/base";
import type { TokenizerFiles } from "./model-files.ts";
import { specialTokenText } from "./special-token.schema.ts";

/** The special tokens a chat template may use, by their text (tokenizer_config.json first, then special_tokens_map.json). */
export interface SpecialTokenTexts {
  bos?: string;
  eos?: string;
  unk?: string;
  pad?: string;
}

export function specialTokenTexts(files: TokenizerFiles): SpecialTokenTexts {
  const config = files.tokenizerConfig;
  const map = files.specialTokensMap;
  const pick = (key: "bos_token" | "eos_token" | "unk_token" | "pad_token") => specialTokenText(config[key] ?? map?.[key]);
  const texts: SpecialTokenTexts = {};
  const bos = pick("bos_token");
  const eos = pick("eos_token");
  const unk = pick("unk_token");
  const pad = pick("pad_token");
  if (bos !== undefined) texts.bos = bos;
  if (eos !== undefined) texts.eos = eos;
  if (unk !== undefined) texts.unk = unk;
  if (pad !== undefined) texts.pad = pad;
  return texts;
}

/**
 * The ids that end generation: generation_config.json's `eos_token_id` (a number or a list, e.g. Llama 3.1's
 * [128001, 128008, 128009]) together with the tokenizer's `eos_token` (e.g. Qwen's `<|im_end|>`), in that order.
 */
export function resolveEosIds(files: TokenizerFiles, texts: SpecialTokenTexts, idOf: (token: string) => number | undefined): number[] {
  const ids: number[] = [];
  const fromGeneration = files.generationConfig?.eos_token_id;
  if (typeof fromGeneration === "number") ids.push(fromGeneration);
  else if (Array.isArray(fromGeneration)) ids.push(...fromGeneration);
  if (texts.eos !== undefined) ids.push(requireId(texts.eos, "eos_token", files, idOf));
  return [...new Set(ids)];
}

/** The id of the beginning-of-sequence token, or null for tokenizers without one (Qwen). */
export function resolveBosId(files: TokenizerFiles, texts: SpecialTokenTexts, idOf: (token: string) => number | undefined): number | null {
  if (texts.bos !== undefined) return requireId(texts.bos, "bos_token", files, idOf);
  return files.generationConfig?.bos_token_id ?? null;
}

function requireId(token: string, field: string, files: TokenizerFiles, idOf: (token: string) => number | undefined): number {
  const id = idOf(token);
  if (id === undefined) {
    throw new TunelabError(
      "validation_failed",
      `${files.source}: tokenizer_config.json field ${field} is ${JSON.stringify(token)}, which is not a token of tokenizer.json`,
    );
  }
  return id;
}
