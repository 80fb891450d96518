export { contentText, type Encoded, encodeExample, encodePrompt, exampleTexts, serializeToolCall } from "./chat-template.ts";
export { BOS, CALL, END, PAD, SPECIAL_TOKENS } from "./special.ts";
export { Tokenizer, type TokenizerJson } from "./tokenizer.ts";
