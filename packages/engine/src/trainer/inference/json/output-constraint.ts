/**
 * The constraint a request puts on the text generated (OpenAI's `response_format`), for the token vocabulary of the
 * model generating it; undefined when the text is free.
 */
import type { SamplingParams } from "../../types.ts";
import { JsonPrefix } from "./json-prefix.ts";
import { ANY_OBJECT, compileSchema } from "./schema-node.ts";
import { TokenConstraint, type TokenVocabulary } from "./token-constraint.ts";

export function outputConstraint(sampling: SamplingParams, vocab: TokenVocabulary): TokenConstraint | undefined {
  const format = sampling.responseFormat;
  if (!format) return undefined;
  const root = format.type === "json_object" ? ANY_OBJECT : compileSchema(format.schema ?? true).root;
  return new TokenConstraint(JsonPrefix.of(root), vocab);
}
