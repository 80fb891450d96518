import type { TemplateMessage } from "./template-messages.ts";

/** What separates the system message from the user's text when it is written into the first user message. */
export const SYSTEM_SEPARATOR = "\n\n";

/**
 * For chat templates without a system role (Mistral 7B Instruct v0.1 and v0.2, Gemma 2 raise on one), a conversation
 * that starts with system messages is written with them at the start of the first user message, separated by a blank
 * line: what Gemma 3's own template does with a system message, and what Mistral's guidance for these versions
 * suggests. Training and inference both render through here, so the tuned model is trained on the prompts it is
 * served with.
 *
 * Only system messages before the first user message move; null when there is none, or when no user message follows
 * them (the template then refuses the messages as before, with its own error).
 */
export function foldSystemIntoFirstUser(messages: readonly TemplateMessage[]): TemplateMessage[] | null {
  const leading = messages.findIndex((m) => m.role !== "system");
  if (leading <= 0) return null;
  const user = messages[leading];
  if (user?.role !== "user") return null;
  const system = messages
    .slice(0, leading)
    .map((m) => m.content)
    .join(SYSTEM_SEPARATOR);
  return [{ ...user, content: `${system}${SYSTEM_SEPARATOR}${user.content}` }, ...messages.slice(leading + 1)];
}
