import { z } from "zod";
import { SpecialTokenValue } from "./special-token.schema.ts";

/** A named chat template, as in tokenizer_config.json files that hold several (`default`, `tool_use`, `rag`, ...). */
export const NamedChatTemplate = z.looseObject({ name: z.string().min(1), template: z.string() });

/** tokenizer_config.json: the fields this engine reads; everything else passes through to the tokenizer library. */
export const TokenizerConfigFile = z.looseObject({
  bos_token: SpecialTokenValue.optional(),
  eos_token: SpecialTokenValue.optional(),
  unk_token: SpecialTokenValue.optional(),
  pad_token: SpecialTokenValue.optional(),
  additional_special_tokens: z.array(SpecialTokenValue).optional(),
  chat_template: z.union([z.string(), z.array(NamedChatTemplate), z.null()]).optional(),
  clean_up_tokenization_spaces: z.boolean().optional(),
  add_bos_token: z.boolean().nullable().optional(),
  add_eos_token: z.boolean().nullable().optional(),
});
export type TokenizerConfigFile = z.infer<typeof TokenizerConfigFile>;
