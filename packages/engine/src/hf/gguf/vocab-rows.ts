/**
 * The rows of a GGUF vocabulary: every id up to the model's embedding rows with its text and llama.cpp token type.
 * Added tokens are control (special) or user-defined; ids past the tokenizer's (padding rows of the embedding) are
 * `[PADn]`, unused; the others are normal. `classify` (SentencePiece: the unknown piece, byte pieces) decides first
 * where it returns a type.
 */
import type { HfTokenizer } from "../tokenizer/hf-tokenizer.ts";
import type { TokenizerFiles } from "../tokenizer/model-files.ts";

/** llama.cpp's token types (`enum llama_token_type`). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export function vocabularyRows(
  files: TokenizerFiles,
  tokenizer: HfTokenizer,
  rows: number,
  classify: (piece: string, id: number) => number | undefined = () => undefined,
): { tokens: string[]; types: Int32Array } {
  const added = new Map(files.tokenizerJson.added_tokens.map((t) => [t.id, t]));
  const tokens: string[] = [];
  const types = new Int32Array(rows);
  for (let id = 0; id < rows; id++) {
    if (id >= tokenizer.vocabSize) {
      tokens.push(`[PAD${id}]`);
      types[id] = TOKEN_TYPE.unused;
      continue;
    }
    const piece = tokenizer.idToToken(id);
    tokens.push(piece);
    const entry = added.get(id);
    types[id] = classify(piece, id) ?? (entry ? (entry.special === true ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined) : TOKEN_TYPE.normal);
  }
  return { tokens, types };
}
