import { pythonJson, pythonRepr } from "./python-text.ts";
import type { TemplateMessage } from "./template-messages.ts";

/**
 * SmolLM3's tool convention. Its chat template reads tools from `xml_tools` (a list of functions, each written with
 * jinja2's `|string`, Python's repr of the dict, as transformers renders `apply_chat_template(…, xml_tools=tools)` in
 * SmolLM3's model card), not from `tools`, and writes only an assistant message's `content`; the model is told to answer
 * "a json object with function name and arguments within <tool_call></tool_call> XML tags". Such a template is given
 * a request's tools as `xml_tools` (each function already in Python's repr, which @huggingface/jinja's `|string` leaves
 * as it is) and each assistant call in its content as `<tool_call>\n{"name": …, "arguments": …}\n</tool_call>`, which
 * the engine's parser reads back as Hermes' calls (model/tool-calls.ts). The data itself keeps `tools` and `tool_calls`.
 */
export function usesXmlTools(templateSource: string): boolean {
  return templateSource.includes("xml_tools") && !templateSource.includes("tool_calls");
}

/** The template variables for a request's tools: `xml_tools`, each function as Python writes the dict. */
export function xmlToolsVariables(tools: readonly unknown[] | null | undefined): Record<string, unknown> {
  if (!tools || tools.length === 0) return {};
  return { xml_tools: tools.map((t) => pythonRepr((t as { function?: unknown }).function ?? t)) };
}

/** Messages with each assistant's tool calls written into its content as SmolLM3 writes them, and no `tool_calls`. */
export function withXmlToolCalls(messages: readonly TemplateMessage[]): TemplateMessage[] {
  return messages.map((message) => {
    if (!Array.isArray(message.tool_calls)) return message;
    const { tool_calls: calls, ...rest } = message;
    const blocks = (calls as Array<{ function: { name: string; arguments: unknown } }>).map(
      (call) => `<tool_call>\n${pythonJson({ name: call.function.name, arguments: call.function.arguments })}\n</tool_call>`,
    );
    return { ...rest, content: [message.content, ...blocks].filter((part) => part !== "").join("\n") };
  });
}
