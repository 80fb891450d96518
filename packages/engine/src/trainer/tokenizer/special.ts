/** Special tokens of the chat template, at fixed ids right after the 256 byte tokens. */
export const SPECIAL_TOKENS = [
  "<|bos|>",
  "<|end|>",
  "<|system|>",
  "<|user|>",
  "<|assistant|>",
  "<|tool|>",
  "<|tools|>",
  "<|call|>",
  "<|pad|>",
] as const;

export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

export const FIRST_SPECIAL = 256;
export const FIRST_MERGE = FIRST_SPECIAL + SPECIAL_TOKENS.length;

export function specialId(token: SpecialToken): number {
  return FIRST_SPECIAL + SPECIAL_TOKENS.indexOf(token);
}

export const BOS = specialId("<|bos|>");
export const END = specialId("<|end|>");
export const PAD = specialId("<|pad|>");
export const CALL = specialId("<|call|>");
