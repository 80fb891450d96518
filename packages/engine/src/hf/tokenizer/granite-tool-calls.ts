import { pythonJson } from "./python-text.ts";
import type { TemplateMessage } from "./template-messages.ts";

/**
 * IBM Granite 3's tool-call convention. Its chat template writes the request's tools (an `available_tools` turn) and
 * tells the model to "respond only with <|tool_call|> followed by a JSON list of tools used", but writes only an
 * assistant message's `content`: OpenAI `tool_calls` would be dropped. Such a template is given each call in that form
 * as the message's content, `<|tool_call|>[{"arguments": {…}, "name": "…"}]` (after any text of the message), as
 * the model card shows Granite writing them and as vLLM's `granite` tool parser and llama.cpp read them back; the
 * engine's own parser does too (model/tool-calls.ts). The data itself keeps its `tool_calls`.
 */
export const GRANITE_TOOL_CALL = "<|tool_call|>";

/** Whether a chat template tells the model to write Granite's calls but does not write `tool_calls` itself. */
export function usesGraniteToolCalls(templateSource: string): boolean {
  return templateSource.includes(GRANITE_TOOL_CALL) && !templateSource.includes("tool_calls");
}

/** Messages with each assistant's tool calls written into its content in Granite's form, and no `tool_calls`. */
export function withGraniteToolCalls(messages: readonly TemplateMessage[]): TemplateMessage[] {
  return messages.map((message) => {
    if (!Array.isArray(message.tool_calls)) return message;
    const { tool_calls: calls, ...rest } = message;
    const list = (calls as Array<{ function: { name: string; arguments: unknown } }>).map((call) => ({
      arguments: call.function.arguments,
      name: call.function.name,
    }));
    return { ...rest, content: `${message.content}${GRANITE_TOOL_CALL}${pythonJson(list)}` };
  });
}
