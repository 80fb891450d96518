/** The committed PyTorch reference (fixtures/hf/reference.json, written by scripts/hf_reference.py). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/hf/", import.meta.url));

export interface ReferenceConversation {
  name: string;
  messages: Array<Record<string, unknown>>;
  tools?: unknown[];
  text: string;
  token_ids: number[];
}

export interface ReferenceResult {
  conversation: string;
  last_logprobs: number[];
  top_logprobs: Array<{ id: number; token: string; logprob: number }>;
  greedy: { token_ids: number[]; logprobs: number[]; text: string; finish_reason: string };
}

export interface Reference {
  conversations: ReferenceConversation[];
  models: Record<string, { dir: string; architecture: string; eos_token_ids: number[]; results: ReferenceResult[] }>;
}

export const reference = JSON.parse(readFileSync(`${FIXTURES}reference.json`, "utf8")) as Reference;

/**
 * A reference conversation in OpenAI's chat format (tool call arguments as JSON strings, with ids; each tool message
 * answers the next unanswered call, as OpenAI requires it to name).
 */
export function openaiMessages(c: ReferenceConversation): Array<Record<string, unknown>> {
  let n = 0;
  let answered = 0;
  return c.messages.map((m) => {
    if (m.role === "tool" && m.tool_call_id === undefined) return { ...m, tool_call_id: `call_${answered++}` };
    const calls = m.tool_calls as Array<{ function: { name: string; arguments: unknown } }> | undefined;
    if (!calls) return m;
    return {
      ...m,
      tool_calls: calls.map((call) => ({
        id: `call_${n++}`,
        type: "function",
        function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments) },
      })),
    };
  });
}
