import { z } from "zod";

/**
 * POST /v1/embeddings as OpenAI documents it: `input` is a string, an array of strings, an array of token
 * ids or an array of such arrays (at most 2,048 inputs, none empty); `encoding_format` `float` or `base64`
 * (the `openai` SDK asks for base64 and decodes it). `dimensions` is refused: these embeddings have the
 * model's hidden size.
 */
const MAX_INPUTS = 2048;
const tokens = z.array(z.number().int().min(0)).min(1, "an input must not be empty");

export const EmbeddingsRequest = z.strictObject({
  model: z.string().min(1),
  input: z.union([
    z.string().min(1, "the input must not be empty"),
    z.array(z.string().min(1, "an input must not be empty")).min(1).max(MAX_INPUTS),
    tokens,
    z.array(tokens).min(1).max(MAX_INPUTS),
  ]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: z.string().optional(),
});
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequest>;

/** The request's inputs as a list: texts or token-id arrays. */
export function embeddingInputs(input: EmbeddingsRequest["input"]): (string | number[])[] {
  if (typeof input === "string") return [input];
  if (input.length > 0 && typeof input[0] === "number") return [input as number[]];
  return input as (string | number[])[];
}
