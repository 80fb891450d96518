import * as library from "@huggingface/tokenizers";

/**
 * The parts of @huggingface/tokenizers this engine uses, typed here: version 0.2's .d.ts files import each other
 * without file extensions, which TypeScript's NodeNext resolution does not follow, so its own types come out as any.
 */
export interface LibraryTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
  decode(ids: number[], options: { skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean }): string;
  token_to_id(token: string): number | undefined;
  model: { vocab: Array<string | undefined> } | null;
}

interface LibraryExports {
  Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => LibraryTokenizer;
  ByteLevelDecoder: new (config: { type: "ByteLevel" }) => { byte_decoder: Record<string, number | string> };
}

const typed = library as unknown as LibraryExports;

export const Tokenizer = typed.Tokenizer;
export const ByteLevelDecoder = typed.ByteLevelDecoder;
