/**
 * The constraint a request puts on the text generated (a forced tool call, OpenAI's `response_format`), for the token
 * vocabulary of the model generating it; undefined when the text is free. `toolCallMarker` is the text the model
 * starts a tool call with (empty when a bare JSON call is its format).
 */
import type { SamplingParams } from "../../types.ts";
import { JsonPrefix } from "./json-prefix.ts";
import { ANY_OBJECT, compileSchema } from "./schema-node.ts";
import { TokenConstraint, type TokenVocabulary } from "./token-constraint.ts";
import { ToolCallMachine } from "./tool-call-machine.ts";

export function outputConstraint(
  sampling: SamplingParams,
  vocab: TokenVocabulary,
  toolCallMarker: Uint8Array,
): TokenConstraint | undefined {
  if (sampling.forcedToolCall) return new TokenConstraint(ToolCallMachine.of(sampling.forcedToolCall, toolCallMarker), vocab);
  const format = sampling.responseFormat;
  if (!format) return undefined;
  const root = format.type === "json_object" ? ANY_OBJECT : compileSchema(format.schema ?? true).root;
  return new TokenConstraint(JsonPrefix.of(root), vocab);
}
