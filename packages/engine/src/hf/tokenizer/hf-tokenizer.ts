import { TunelabError } from "@tunelab/base";
import { ChatTemplate } from "./chat-template.ts";
import { readTokenizerFiles, type TokenizerFiles } from "./model-files.ts";
import { resolveBosId, resolveEosIds, type SpecialTokenTexts, specialTokenTexts } from "./special-ids.ts";
import { specialTokenText } from "./special-token.schema.ts";
import { detectByteScheme, pieceBytes, type TokenByteScheme } from "./token-bytes.ts";
import { type LibraryTokenizer, Tokenizer } from "./tokenizers-library.ts";

export interface EncodeOptions {
  /** Add what the tokenizer's post-processor adds around a text (Llama's bos). Default true, as in transformers. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave out special tokens (`<|im_end|>`, `<|eot_id|>`, `<s>`). Default false. */
  skipSpecialTokens?: boolean;
}

const utf8 = new TextEncoder();

/**
 * A Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) through @huggingface/tokenizers, with what the
 * engine needs around it: special and end-of-sequence ids, the raw bytes of each token, the chat template.
 *
 * decode() never applies `clean_up_tokenization_spaces` (which turns " ." into "." and so changes what the model
 * wrote): decoding is the exact inverse of encoding.
 */
export class HfTokenizer {
  /** Number of token ids, added tokens included (the model's embedding matrix may be larger). */
  readonly vocabSize: number;
  /** Ids that end generation. */
  readonly eosIds: readonly number[];
  /** The beginning-of-sequence id, or null when the tokenizer has none. */
  readonly bosId: number | null;
  readonly specialTokens: Readonly<SpecialTokenTexts>;
  /** The chat template(s) of the model, or null when it ships none. */
  readonly chatTemplate: ChatTemplate | null;
  readonly byteScheme: TokenByteScheme;
  /** Where the tokenizer was loaded from. */
  readonly source: string;

  readonly #tokenizer: LibraryTokenizer;
  readonly #vocab: readonly (string | undefined)[];
  readonly #added = new Map<number, string>();
  readonly #special = new Set<number>();
  readonly #eos: Set<number>;
  readonly #bytes: Array<Uint8Array | undefined> = [];

  /** Loads the tokenizer of a Hugging Face model directory. */
  static async fromDirectory(dir: string): Promise<HfTokenizer> {
    return new HfTokenizer(await readTokenizerFiles(dir));
  }

  constructor(files: TokenizerFiles) {
    this.source = files.source;
    const texts = specialTokenTexts(files);
    this.specialTokens = texts;
    try {
      this.#tokenizer = new Tokenizer(files.tokenizerJson, libraryConfig(files));
    } catch (cause) {
      throw new TunelabError(
        "validation_failed",
        `${files.source}: tokenizer.json cannot be loaded by @huggingface/tokenizers: ${(cause as Error).message}`,
        { cause },
      );
    }
    this.#vocab = this.#tokenizer.model?.vocab ?? [];
    this.vocabSize = this.#vocab.length;
    this.byteScheme = detectByteScheme(files.tokenizerJson);

    for (const token of files.tokenizerJson.added_tokens) {
      this.#added.set(token.id, token.content);
      if (token.special === true) this.#special.add(token.id);
    }
    const idOf = (token: string) => this.tokenToId(token);
    const extra = [
      ...(files.tokenizerConfig.additional_special_tokens ?? []),
      ...(files.specialTokensMap?.additional_special_tokens ?? []),
    ];
    for (const text of [...extra.map(specialTokenText), texts.bos, texts.eos, texts.unk, texts.pad]) {
      const id = text === undefined ? undefined : idOf(text);
      if (id !== undefined) this.#special.add(id);
    }
    this.eosIds = resolveEosIds(files, texts, idOf);
    this.#eos = new Set(this.eosIds);
    this.bosId = resolveBosId(files, texts, idOf);
    this.chatTemplate = ChatTemplate.fromFiles(files);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.#tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (ids.length === 0) return "";
    for (const id of ids) this.#check(id);
    return this.#tokenizer.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: false,
    });
  }

  /** The vocabulary entry of an id as tokenizer.json spells it (`Ġworld`, `▁Hello`, `<0x0A>`, `<|im_end|>`). */
  idToToken(id: number): string {
    return this.#check(id);
  }

  tokenToId(token: string): number | undefined {
    return this.#tokenizer.token_to_id(token);
  }

  isSpecial(id: number): boolean {
    return this.#special.has(id);
  }

  isEos(id: number): boolean {
    return this.#eos.has(id);
  }

  /**
   * The raw bytes a token stands for, as OpenAI's logprobs `bytes`: a byte-level token can be part of a character
   * (`ðŁ` is the first two bytes of an emoji), a byte-fallback piece `<0xF0>` is one byte, `▁` is a space, and an
   * added or special token is its text.
   */
  tokenBytes(id: number): Uint8Array {
    const cached = this.#bytes[id];
    if (cached) return cached;
    const piece = this.#check(id);
    const added = this.#added.get(id);
    let bytes: Uint8Array;
    if (added !== undefined) bytes = utf8.encode(added);
    else if (this.byteScheme === "text") bytes = utf8.encode(this.decode([id]));
    else bytes = pieceBytes(piece, this.byteScheme);
    this.#bytes[id] = bytes;
    return bytes;
  }

  #check(id: number): string {
    const piece = Number.isInteger(id) ? this.#vocab[id] : undefined;
    if (piece === undefined) {
      throw new TunelabError("invalid_argument", `token id ${id} is not in the vocabulary of ${this.source} (${this.vocabSize} ids)`);
    }
    return piece;
  }
}

/** tokenizer_config.json as the library reads it: special tokens written as AddedToken objects become their text. */
function libraryConfig(files: TokenizerFiles): Record<string, unknown> {
  const config: Record<string, unknown> = { ...files.tokenizerConfig };
  for (const key of ["bos_token", "eos_token", "unk_token", "pad_token"] as const) {
    const text = specialTokenText(files.tokenizerConfig[key]);
    if (text === undefined) delete config[key];
    else config[key] = text;
  }
  const extra = files.tokenizerConfig.additional_special_tokens;
  if (extra) config.additional_special_tokens = extra.map(specialTokenText).filter((t) => t !== undefined);
  return config;
}
