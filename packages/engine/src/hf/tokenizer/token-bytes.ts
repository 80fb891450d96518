import type { TokenizerJsonFile } from "./tokenizer-json.schema.ts";
import { ByteLevelDecoder } from "./tokenizers-library.ts";

/**
 * How a vocabulary entry spells the bytes it stands for:
 * - `byte-level`: GPT-2's byte-level BPE (Llama 3, Qwen, SmolLM, GPT-2): every byte is one printable character of
 *   GPT-2's byte-to-unicode table (`Ġ` is a space, `Ċ` a newline), so a token can end in the middle of a character.
 * - `sentencepiece`: SentencePiece-style pieces (Llama 2, Mistral, Gemma): `▁` is a space and byte-fallback pieces
 *   `<0xNN>` are single bytes.
 * - `text`: anything else (WordPiece, Unigram without byte fallback): a token is the UTF-8 of its decoded text.
 */
export type TokenByteScheme = "byte-level" | "sentencepiece" | "text";

const METASPACE = "\u2581";
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

export function detectByteScheme(json: TokenizerJsonFile): TokenByteScheme {
  const decoders = flatten(json.decoder);
  if (decoders.some((d) => d.type === "ByteLevel")) return "byte-level";
  const model = json.model as { byte_fallback?: unknown };
  const metaspace = decoders.some(
    (d) => d.type === "Metaspace" || d.type === "ByteFallback" || (d.type === "Replace" && JSON.stringify(d).includes(METASPACE)),
  );
  if (metaspace || model.byte_fallback === true) return "sentencepiece";
  return "text";
}

function flatten(decoder: TokenizerJsonFile["decoder"]): Array<{ type: string }> {
  if (decoder === null) return [];
  const children = (decoder as { decoders?: unknown }).decoders;
  if (decoder.type === "Sequence" && Array.isArray(children)) {
    return children.flatMap((child) => flatten(child as TokenizerJsonFile["decoder"]));
  }
  return [decoder];
}

const utf8 = new TextEncoder();
let byteDecoder: Record<string, number | string> | undefined;

/**
 * GPT-2's table from printable character back to byte, as @huggingface/tokenizers' own ByteLevel decoder holds it
 * (its values are numeric strings at run time, hence Number() above).
 */
function byteLevelTable(): Record<string, number | string> {
  if (!byteDecoder) byteDecoder = new ByteLevelDecoder({ type: "ByteLevel" }).byte_decoder;
  return byteDecoder;
}

/**
 * The raw bytes a vocabulary entry stands for (OpenAI's logprobs `bytes`). `piece` is the entry as tokenizer.json
 * spells it; added tokens (special or not) are their literal text and are not passed here, nor are `text` schemes
 * (their bytes are those of the decoded token).
 */
export function pieceBytes(piece: string, scheme: Exclude<TokenByteScheme, "text">): Uint8Array {
  if (scheme === "byte-level") {
    const table = byteLevelTable();
    const bytes: number[] = [];
    for (const char of piece) {
      const byte = table[char];
      if (byte === undefined) bytes.push(...utf8.encode(char));
      else bytes.push(Number(byte));
    }
    return Uint8Array.from(bytes);
  }
  const byte = BYTE_PIECE.exec(piece)?.[1];
  if (byte !== undefined) return Uint8Array.of(Number.parseInt(byte, 16));
  return utf8.encode(piece.replaceAll(METASPACE, " "));
}
