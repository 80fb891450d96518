export { type AssistantMask, type AssistantMaskOptions, type AssistantSpan, assistantMask, assistantMasks } from "./assistant-mask.ts";
export { ChatInputMessage, ChatInputTool } from "./chat-message.schema.ts";
export { ChatTemplate, type TemplateRenderOptions } from "./chat-template.ts";
export { type DecodeOptions, type EncodeOptions, HfTokenizer } from "./hf-tokenizer.ts";
export { IncrementalDetokenizer, type IncrementalDetokenizerOptions } from "./incremental-detokenizer.ts";
export { readTokenizerFiles, type TokenizerFiles } from "./model-files.ts";
export { encodeChat, type RenderChatOptions, renderChat } from "./render-chat.ts";
export type { TokenByteScheme } from "./token-bytes.ts";
export { type TokenOffset, tokenOffsets } from "./token-offsets.ts";
