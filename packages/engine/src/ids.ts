import { randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** OpenAI-style ids: `file-…`, `ftjob-…`, `ftevent-…`, `ftckpt-…`, `chatcmpl-…`. */
export function openaiId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return `${prefix}-${out}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
