import type { ChatInputTool } from "./chat-message.schema.ts";
import { pythonJson } from "./python-text.ts";
import type { TemplateMessage } from "./template-messages.ts";

/**
 * Phi-4-mini's tool convention. Its chat template reads the tools from the system message's own `tools` key (a JSON
 * text written between `<|tool|>` and `<|/tool|>`), never from the `tools` variable, and writes only an assistant
 * message's `content`. Microsoft's model card gives the tools as a JSON dump of the functions
 * (`[{"name": …, "description": …, "parameters": …}]`, as Python's json.dumps writes them by default), and the model writes a call as `<|tool_call|>` and a JSON list of
 * `{"name", "arguments"}` closed by `<|/tool_call|>`, all special tokens of its tokenizer. Such a template is given a
 * request's tools on its leading system message (one with empty content is added when the conversation has none) and
 * each assistant's calls in its content in that form, which the server reads back (model/tool-calls.ts). The data
 * itself keeps `tools` and `tool_calls`.
 */
export const PHI4_TOOL_CALL = "<|tool_call|>";
export const PHI4_TOOL_CALL_END = "<|/tool_call|>";

/** Whether a chat template reads tools from a message's `tools` key and does not write `tool_calls` itself. */
export function usesSystemMessageTools(templateSource: string): boolean {
  return /message\s*(\[\s*['"]tools['"]\s*\]|\.tools\b)/.test(templateSource) && !templateSource.includes("tool_calls");
}

/** Messages with the request's tools on the leading system message and each assistant's calls in its content. */
export function withSystemMessageTools(messages: readonly TemplateMessage[], tools: readonly ChatInputTool[] | null): TemplateMessage[] {
  const shaped = messages.map((message) => {
    if (!Array.isArray(message.tool_calls)) return message;
    const { tool_calls: calls, ...rest } = message;
    const list = (calls as Array<{ function: { name: string; arguments: unknown } }>).map((call) => ({
      name: call.function.name,
      arguments: call.function.arguments,
    }));
    return { ...rest, content: `${message.content}${PHI4_TOOL_CALL}${pythonJson(list)}${PHI4_TOOL_CALL_END}` };
  });
  if (!tools || tools.length === 0) return shaped;
  const written = pythonJson(
    tools.map((tool) => (tool as { function?: unknown }).function ?? tool),
    true,
  );
  const [first, ...rest] = shaped;
  if (first?.role === "system") return [{ ...first, tools: written }, ...rest];
  return [{ role: "system", content: "", tools: written }, ...shaped];
}
