import { z } from "zod";

/** One entry of tokenizer.json's `added_tokens` (special tokens and tokens added on top of the model's vocabulary). */
export const AddedTokenEntry = z.looseObject({
  id: z.number().int().nonnegative(),
  content: z.string(),
  special: z.boolean().optional(),
  single_word: z.boolean().optional(),
  lstrip: z.boolean().optional(),
  rstrip: z.boolean().optional(),
  normalized: z.boolean().optional(),
});

const Component = z.looseObject({ type: z.string() }).nullable().default(null);

/**
 * tokenizer.json (the `tokenizers` library's serialization). Only the outline is checked here; the pipeline
 * components are interpreted by @huggingface/tokenizers, which rejects the ones it does not know.
 */
export const TokenizerJsonFile = z.looseObject({
  model: z.looseObject({ type: z.string().optional() }),
  added_tokens: z.array(AddedTokenEntry).default([]),
  normalizer: Component,
  pre_tokenizer: Component,
  post_processor: Component,
  decoder: Component,
});
export type TokenizerJsonFile = z.infer<typeof TokenizerJsonFile>;
