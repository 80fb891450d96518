import type { ChatInputTool } from "./chat-message.schema.ts";
import type { ChatTemplate } from "./chat-template.ts";
import type { TemplateMessage } from "./template-messages.ts";

/**
 * What of a conversation's tool use a chat template leaves out, found by rendering it again without that part: the
 * assistant's `tool_calls` (Phi-3.5's template writes only `content`: trained on, the model would learn to reply with
 * nothing; sent, the model would not see the calls it made), or the request's `tools` (Phi-3.5's and Gemma 2's write
 * none: the model would never see them). `written` is the template's rendering of `messages` with `tools`.
 * A template that refuses the conversation without that part (Mistral v0.3's refuses calls taken away) writes it.
 */
export function unwrittenTools(
  template: ChatTemplate,
  messages: readonly TemplateMessage[],
  tools: readonly ChatInputTool[] | null,
  written: string,
  addGenerationPrompt = false,
): "tool_calls" | "tools" | undefined {
  const rendersAs = (list: readonly TemplateMessage[], withTools: readonly ChatInputTool[] | null) => {
    try {
      return template.render(list, { tools: withTools, addGenerationPrompt }) === written;
    } catch {
      return false;
    }
  };
  if (
    messages.some((m) => m.tool_calls !== undefined) &&
    rendersAs(
      messages.map(({ tool_calls: _, ...m }) => m),
      tools,
    )
  )
    return "tool_calls";
  if (tools !== null && tools.length > 0 && rendersAs(messages, null)) return "tools";
  return undefined;
}
