/**
 * What a model's chat template does with OpenAI chat data, asked of the template itself (`models show`): whether it
 * writes tools and tool calls, and in which form the model writes a call; whether it writes reasoning blocks, which the
 * server splits from the answer (model/reasoning.ts); whether it has a system role (else a system message goes into the
 * first user message).
 */
import { THINK_CLOSE } from "./model/reasoning.ts";
import { HfTokenizer } from "./tokenizer/hf-tokenizer.ts";
import { toTemplateMessages } from "./tokenizer/template-messages.ts";
import { unwrittenTools } from "./tokenizer/unwritten-tools.ts";

export interface ChatFeatures {
  /** Tools and tool calls are written, so a request's tools reach the model and its calls come back as `tool_calls`. */
  toolCalling: boolean;
  /** How a call is written (its marker, or "JSON" for a bare object), when tool calling works. */
  toolCallForm?: string;
  /** The template writes `<think>` … `</think>` blocks: the model may reason before answering. */
  reasoning: boolean;
  /** A system message is the template's own; false: it is written into the first user message. */
  systemRole: boolean;
}

/** Markers of the call forms the server reads (model/tool-calls.ts), most specific first. */
const FORMS = ["[TOOL_CALLS]", "<|tool_call|>", "<tool_call>", "<|python_tag|>"] as const;

/** A tool as requests give them (templates such as Hermes' read its description and each parameter's). */
const PROBE_TOOL = {
  type: "function" as const,
  function: {
    name: "probe_tool",
    description: "The weather in a city.",
    parameters: { type: "object", properties: { city: { type: "string", description: "The city." } }, required: ["city"] },
  },
};

export async function chatFeatures(dir: string): Promise<ChatFeatures> {
  const tokenizer = await HfTokenizer.fromDirectory(dir);
  const template = tokenizer.chatTemplate;
  if (!template) return { toolCalling: false, reasoning: false, systemRole: false };
  const user = { role: "user" as const, content: "Is it raining in Paris?" };
  const call = {
    role: "assistant" as const,
    content: null,
    tool_calls: [{ id: "call_probe1", type: "function" as const, function: { name: "probe_tool", arguments: '{"city": "Paris"}' } }],
  };
  const conversation = toTemplateMessages([user, call, { role: "tool", tool_call_id: "call_probe1", content: "rain" }]);
  let written: string | undefined;
  try {
    written = template.render(conversation, { tools: [PROBE_TOOL] });
  } catch {
    written = undefined; // the template refuses tool messages (Gemma 2)
  }
  const toolCalling = written !== undefined && unwrittenTools(template, conversation, [PROBE_TOOL], written) === undefined;
  // the call's form, read from what follows the prompt (a system text may name markers it tells the model to use)
  let form: string | undefined;
  if (written !== undefined) {
    const prompt = template.render(conversation.slice(0, 1), { tools: [PROBE_TOOL], addGenerationPrompt: true });
    const reply = written.startsWith(prompt) ? written.slice(prompt.length) : written;
    form = FORMS.find((marker) => reply.includes(marker)) ?? "JSON";
  }
  return {
    toolCalling,
    ...(toolCalling && form ? { toolCallForm: form } : {}),
    reasoning: template.writes(THINK_CLOSE),
    systemRole: !template.foldsSystem(false),
  };
}
