/**
 * Prompt prefixes a model has already read, kept as their key/value cache rows so that a prompt beginning with the same
 * tokens (an eval run's shared system message, its tools, few-shot examples) skips them and reads only the rest.
 *
 * Reusing rows changes nothing of the answer, bit for bit, because only rows the whole prompt would have computed the
 * same way are reused:
 * - the attention kernel (native attention.cc) takes a call's queries in blocks of PREFIX_BLOCK rows from the call's
 *   first position, so rows are reused up to a multiple of PREFIX_BLOCK: the rest of the prompt then starts a block
 *   where the whole prompt's blocks start, and every reused row was computed in a whole block;
 * - the matrix products sum each row alone in the same order for any number of rows above MIN_SUFFIX - 1 (gemm.cc's
 *   packed path); GEMV_ROWS rows or fewer take the matrix-vector path, which sums otherwise, so at least MIN_SUFFIX
 *   tokens are always read anew.
 * prefix-cache.test.ts checks the logits equal on every fixture architecture.
 */
import { GEMV_ROWS } from "../../trainer/kernels/gemv-rows.ts";
import type { Vec } from "../../trainer/kernels/types.ts";
import type { HfDecoder } from "./decoder.ts";

/** native attention.cc's RB: queries are attended in blocks of this many rows. */
export const PREFIX_BLOCK = 48;
/** Fewest tokens read after reused rows: more than gemm.cc's matrix-vector path takes (GEMV_ROWS). */
export const MIN_SUFFIX = GEMV_ROWS + 1;

/** A sequence's key and value cache rows of its first positions, per layer. */
export interface CacheRows {
  keys: Vec[];
  values: Vec[];
}

interface Entry {
  tokens: readonly number[];
  rows: CacheRows;
  bytes: number;
  lastUsed: number;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const limit = Math.min(a.length, b.length);
  let n = 0;
  while (n < limit && a[n] === b[n]) n++;
  return n;
}

/** Tokens of `prompt` that may start from rows cached for `tokens`: their common prefix, rounded as above. */
export function reusableLength(tokens: readonly number[], prompt: readonly number[]): number {
  const common = Math.min(commonPrefix(tokens, prompt), prompt.length - MIN_SUFFIX);
  return common <= 0 ? 0 : Math.floor(common / PREFIX_BLOCK) * PREFIX_BLOCK;
}

export class PrefixCache {
  private readonly entries: Entry[] = [];
  private clock = 0;
  /** Prompts that started from cached rows, and the tokens they did not read again. */
  hits = 0;
  reusedTokens = 0;

  /** `budgetBytes`: the most its rows may hold (float32 keys and values); the least recently used go first. */
  constructor(readonly budgetBytes: number) {}

  get bytes(): number {
    return this.entries.reduce((sum, e) => sum + e.bytes, 0);
  }

  /**
   * Feeds `prompt` to an empty decoder, from cached rows where it can: the logits after its last token, and how many of
   * its tokens came from the cache.
   */
  feedPrompt(decoder: HfDecoder, prompt: readonly number[]): { logits: Float32Array; reused: number } {
    let best: Entry | undefined;
    let reuse = 0;
    for (const entry of this.entries) {
      const n = reusableLength(entry.tokens, prompt);
      if (n > reuse) [best, reuse] = [entry, n];
    }
    if (best) {
      best.lastUsed = ++this.clock;
      decoder.resume(best.rows, reuse);
      this.hits++;
      this.reusedTokens += reuse;
    }
    const logits = decoder.feed(prompt.slice(reuse));
    this.remember(prompt, decoder);
    return { logits, reused: reuse };
  }

  /** Keeps the prompt's rows up to its last whole block, unless a cached prompt already holds them. */
  private remember(prompt: readonly number[], decoder: HfDecoder): void {
    const n = Math.floor(prompt.length / PREFIX_BLOCK) * PREFIX_BLOCK;
    if (n === 0) return;
    const covering = this.entries.find((e) => commonPrefix(e.tokens, prompt) >= n);
    if (covering) {
      covering.lastUsed = ++this.clock;
      return;
    }
    const bytes = decoder.rowBytes(n);
    if (bytes > this.budgetBytes) return;
    // a cached prompt this one extends is replaced by it
    const extended = this.entries.findIndex((e) => commonPrefix(e.tokens, prompt) === e.tokens.length);
    if (extended >= 0) this.entries.splice(extended, 1);
    while (this.bytes + bytes > this.budgetBytes) {
      const oldest = this.entries.reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a));
      this.entries.splice(this.entries.indexOf(oldest), 1);
    }
    this.entries.push({ tokens: prompt.slice(0, n), rows: decoder.rows(n), bytes, lastUsed: ++this.clock });
  }
}
