import { TunelabError } from "@tunelab/base";
import type { HfTokenizer } from "./hf-tokenizer.ts";

/** A token's characters in the encoded text: UTF-16 indices [start, end). */
export interface TokenOffset {
  start: number;
  end: number;
}

const utf8 = new TextEncoder();
const SPACE = 0x20;

/**
 * Where each token of `ids` = encode(text, {addSpecialTokens: false}) sits in `text`, found by laying the tokens' raw
 * bytes over the text's UTF-8 bytes. Bytes the tokenizer adds are skipped: the space of a SentencePiece `▁` that the
 * normalizer prepends, and whitespace an added token strips (lstrip/rstrip). A token that ends inside a multi-byte
 * character covers that whole character (so neighbouring tokens may share it).
 */
export function tokenOffsets(tokenizer: HfTokenizer, ids: readonly number[], text: string): TokenOffset[] {
  const bytes = utf8.encode(text);
  const charAt = byteToChar(text, bytes.length);
  const offsets: TokenOffset[] = [];
  let pos = 0;
  for (const [index, id] of ids.entries()) {
    const tokenBytes = tokenizer.tokenBytes(id);
    let first = -1;
    let last = -1;
    for (const byte of tokenBytes) {
      if (bytes[pos] !== byte && byte === SPACE) continue; // a space the tokenizer added (SentencePiece's prepended ▁)
      while (pos < bytes.length && bytes[pos] !== byte && isSpace(bytes[pos])) pos++; // whitespace an added token stripped
      if (pos < bytes.length && bytes[pos] === byte) {
        if (first < 0) first = pos;
        last = pos;
        pos++;
      } else {
        throw new TunelabError(
          "internal",
          `token ${index} (id ${id}, ${JSON.stringify(tokenizer.idToToken(id))}) does not line up with the text at byte ${pos}: the tokenizer changed the text (normalization), so its tokens cannot be mapped back to characters`,
        );
      }
    }
    if (first < 0) offsets.push({ start: charAt.start(pos), end: charAt.start(pos) });
    else offsets.push({ start: charAt.start(first), end: charAt.end(last) });
  }
  return offsets;
}

function isSpace(byte: number | undefined): boolean {
  return byte === SPACE || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** Maps a UTF-8 byte index to the UTF-16 index where its character starts / ends. */
function byteToChar(text: string, byteLength: number): { start: (byte: number) => number; end: (byte: number) => number } {
  const starts = new Int32Array(byteLength + 1);
  const ends = new Int32Array(byteLength + 1);
  let byte = 0;
  let char = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let i = 0; i < size; i++) {
      starts[byte + i] = char;
      ends[byte + i] = char + ch.length;
    }
    byte += size;
    char += ch.length;
  }
  starts[byteLength] = char;
  ends[byteLength] = char;
  return { start: (b) => starts[b] ?? char, end: (b) => ends[b] ?? char };
}
