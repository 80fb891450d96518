import { createHash } from "node:crypto";
import type { TemplateMessage } from "./template-messages.ts";

/**
 * Mistral's tool-call convention (`[TOOL_CALLS]` in the chat template: Mistral 7B v0.3, Nemo, Small) takes tool-call
 * ids of exactly 9 letters and digits: its templates raise "Tool call IDs should be alphanumeric strings with length
 * 9!" on any other, and OpenAI's ids (`call_…`) are longer. Such a template is given each id as 9 letters and digits
 * derived from it (sha256, base 62), the same for a call and for the tool message answering it, so the pairing holds;
 * an id that already has that form is kept. The data itself keeps its ids.
 */
export const MISTRAL_TOOL_CALLS = "[TOOL_CALLS]";

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const NINE = /^[A-Za-z0-9]{9}$/;

/** A tool-call id as 9 letters and digits (kept when it already is). */
export function nineCharacterId(id: string): string {
  if (NINE.test(id)) return id;
  const digest = createHash("sha256").update(id).digest();
  let out = "";
  for (let i = 0; i < 9; i++) out += ALPHABET[(digest[i] as number) % ALPHABET.length];
  return out;
}

/** Whether a chat template writes Mistral's tool-call convention. */
export function usesMistralToolCalls(templateSource: string): boolean {
  return templateSource.includes(MISTRAL_TOOL_CALLS);
}

/** Messages with every tool-call id (assistant `tool_calls[].id`, tool `tool_call_id`) as 9 letters and digits. */
export function withNineCharacterIds(messages: readonly TemplateMessage[]): TemplateMessage[] {
  return messages.map((message) => {
    const out: TemplateMessage = { ...message };
    if (typeof message.tool_call_id === "string") out.tool_call_id = nineCharacterId(message.tool_call_id);
    if (Array.isArray(message.tool_calls))
      out.tool_calls = (message.tool_calls as Array<Record<string, unknown>>).map((call) =>
        typeof call.id === "string" ? { ...call, id: nineCharacterId(call.id) } : call,
      );
    return out;
  });
}
