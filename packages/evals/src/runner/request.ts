import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { EvalItem } from "../item.ts";
import type { SamplingParams } from "./sampler.ts";

/**
 * The chat-completions body for one item: the item's input messages, its own tools when it has any (else the
 * sampler's), and the sampling parameters. Undefined parameters are left out.
 */
export function buildRequest(model: string, params: SamplingParams | undefined, item: EvalItem): ChatCompletionCreateParamsNonStreaming {
  const { tools, ...rest } = params ?? {};
  const body: Record<string, unknown> = { model, messages: item.input.messages };
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) body[key] = value;
  const itemTools = item.input.tools;
  const chosen = itemTools && itemTools.length > 0 ? itemTools : tools;
  if (chosen && chosen.length > 0) body.tools = chosen;
  return body as unknown as ChatCompletionCreateParamsNonStreaming;
}
