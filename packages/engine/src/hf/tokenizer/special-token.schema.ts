import { z } from "zod";

/**
 * A special token as Hugging Face config files write it: its text, an AddedToken object
 * (`{"content": "<s>", "__type": "AddedToken", ...}`) in older files, or null when the model has none.
 */
export const SpecialTokenValue = z.union([z.string(), z.looseObject({ content: z.string() }), z.null()]);
export type SpecialTokenValue = z.infer<typeof SpecialTokenValue>;

/** The token's text, or undefined when the value is absent or null. */
export function specialTokenText(value: SpecialTokenValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : value.content;
}

/** special_tokens_map.json (optional in a model directory; tokenizer_config.json takes precedence). */
export const SpecialTokensMapFile = z.looseObject({
  bos_token: SpecialTokenValue.optional(),
  eos_token: SpecialTokenValue.optional(),
  unk_token: SpecialTokenValue.optional(),
  pad_token: SpecialTokenValue.optional(),
  additional_special_tokens: z.array(SpecialTokenValue).optional(),
});
export type SpecialTokensMapFile = z.infer<typeof SpecialTokensMapFile>;
