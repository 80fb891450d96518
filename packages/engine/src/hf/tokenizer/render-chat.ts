import { TunelabError } from "@tunelab/base";
import type { ChatInputMessage } from "./chat-message.schema.ts";
import type { TemplateRenderOptions } from "./chat-template.ts";
import type { HfTokenizer } from "./hf-tokenizer.ts";
import { toTemplateMessages } from "./template-messages.ts";

export type RenderChatOptions = TemplateRenderOptions;

/** The prompt text of a conversation, as the model's own chat template writes it. */
export function renderChat(tokenizer: HfTokenizer, messages: readonly ChatInputMessage[], options: RenderChatOptions = {}): string {
  const template = tokenizer.chatTemplate;
  if (!template) {
    throw new TunelabError(
      "validation_failed",
      `${tokenizer.source} has no chat template (tokenizer_config.json chat_template or chat_template.jinja)`,
    );
  }
  return template.render(toTemplateMessages(messages), options);
}

/**
 * The token ids of a conversation. The rendered text is encoded without adding special tokens, as transformers'
 * apply_chat_template does: templates write the bos text themselves (Llama 3's `<|begin_of_text|>`), so adding it
 * again would double it.
 */
export function encodeChat(tokenizer: HfTokenizer, messages: readonly ChatInputMessage[], options: RenderChatOptions = {}): number[] {
  return tokenizer.encode(renderChat(tokenizer, messages, options), { addSpecialTokens: false });
}
