import { z } from "zod";

const TokenId = z.number().int().nonnegative();

/** generation_config.json: the token ids that end generation (one or a list) and the bos id. */
export const GenerationConfigFile = z.looseObject({
  bos_token_id: TokenId.nullable().optional(),
  eos_token_id: z.union([TokenId, z.array(TokenId), z.null()]).optional(),
  pad_token_id: TokenId.nullable().optional(),
});
export type GenerationConfigFile = z.infer<typeof GenerationConfigFile>;
