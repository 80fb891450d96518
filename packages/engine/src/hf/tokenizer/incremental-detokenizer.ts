import type { HfTokenizer } from "./hf-tokenizer.ts";

export interface IncrementalDetokenizerOptions {
  /** Leave out special tokens (the end-of-turn token a model writes last). Default true. */
  skipSpecialTokens?: boolean;
}

const REPLACEMENT = "\uFFFD";
/** How many already-emitted tokens stay in the decoding window (context for SentencePiece spaces). */
const WINDOW = 6;

/**
 * Turns generated token ids into text as they arrive, for streaming. A byte-level token can end in the middle of
 * a UTF-8 character (an emoji is often 2-3 tokens) and SentencePiece byte-fallback pieces are single bytes, so text
 * is released only once it forms whole characters.
 *
 * Method (as vLLM's detokenizer): decode a small window of recent tokens with and without the new ones through the
 * tokenizer's own decoder and release the difference, unless it ends in U+FFFD (an incomplete character). Decoding
 * the same window both times keeps decoder-level rules right (SentencePiece drops the leading space of a sequence,
 * so a lone `▁world` decodes to "world" but after `▁Hello` to " world"). The concatenation of everything push()
 * and flush() return equals decode() of all the ids.
 */
export class IncrementalDetokenizer {
  readonly #tokenizer: HfTokenizer;
  readonly #skipSpecial: boolean;
  readonly #ids: number[] = [];
  /** Start of the decoding window. */
  #prefix = 0;
  /** Tokens before this index have been released as text. */
  #read = 0;

  constructor(tokenizer: HfTokenizer, options: IncrementalDetokenizerOptions = {}) {
    this.#tokenizer = tokenizer;
    this.#skipSpecial = options.skipSpecialTokens ?? true;
  }

  /** Adds one generated id; returns the text it completes ("" while a character is still incomplete). */
  push(id: number): string {
    this.#ids.push(id);
    return this.#release(false);
  }

  /** Releases what is left at the end of generation, with U+FFFD for bytes that never completed a character. */
  flush(): string {
    return this.#release(true);
  }

  /** All ids pushed so far. */
  get ids(): readonly number[] {
    return this.#ids;
  }

  #release(final: boolean): string {
    const decode = (ids: number[]) => this.#tokenizer.decode(ids, { skipSpecialTokens: this.#skipSpecial });
    const before = decode(this.#ids.slice(this.#prefix, this.#read));
    const after = decode(this.#ids.slice(this.#prefix));
    if (after.length <= before.length || (!final && after.endsWith(REPLACEMENT))) return "";
    const text = after.slice(before.length);
    this.#read = this.#ids.length;
    this.#prefix = Math.max(0, this.#read - WINDOW);
    return text;
  }
}
