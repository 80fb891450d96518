/**
 * Byte-level BPE tokenizer: 256 byte tokens, the chat template's special tokens, then the learned
 * merges. Plain text never encodes to a special token (a literal "<|end|>" in user text stays text).
 */
import { learnMerges } from "./bpe-train.ts";
import { pretokenize } from "./pretokenize.ts";
import { FIRST_MERGE, FIRST_SPECIAL, SPECIAL_TOKENS } from "./special.ts";

export interface TokenizerJson {
  type: "byte-bpe";
  version: 1;
  specialTokens: string[];
  merges: Array<[number, number]>;
}

const encoder = new TextEncoder();

export class Tokenizer {
  private readonly rank = new Map<number, number>();
  private readonly bytes: Uint8Array[] = [];
  private readonly cache = new Map<string, number[]>();

  constructor(readonly merges: Array<[number, number]>) {
    for (let i = 0; i < 256; i++) this.bytes.push(Uint8Array.of(i));
    for (const s of SPECIAL_TOKENS) this.bytes.push(encoder.encode(s));
    merges.forEach(([a, b], i) => {
      this.rank.set(a * 65536 + b, i);
      const x = this.bytes[a];
      const y = this.bytes[b];
      if (!x || !y || a >= FIRST_MERGE + i || b >= FIRST_MERGE + i) throw new Error(`invalid merge ${i}: ${a} ${b}`);
      const m = new Uint8Array(x.length + y.length);
      m.set(x);
      m.set(y, x.length);
      this.bytes.push(m);
    });
  }

  static train(texts: Iterable<string>, vocabSize: number): Tokenizer {
    return new Tokenizer(learnMerges(texts, vocabSize));
  }

  static fromJSON(json: TokenizerJson): Tokenizer {
    if (json.type !== "byte-bpe" || json.version !== 1) throw new Error("unsupported tokenizer format");
    if (json.specialTokens.join() !== SPECIAL_TOKENS.join()) throw new Error("tokenizer special tokens differ from this version's");
    return new Tokenizer(json.merges);
  }

  toJSON(): TokenizerJson {
    return { type: "byte-bpe", version: 1, specialTokens: [...SPECIAL_TOKENS], merges: this.merges };
  }

  /** The most bytes one token stands for (special tokens included). */
  get maxTokenBytes(): number {
    if (this.#maxTokenBytes === undefined) {
      let max = 16;
      for (let id = 0; id < this.vocabSize; id++) max = Math.max(max, this.tokenBytes(id).length);
      this.#maxTokenBytes = max;
    }
    return this.#maxTokenBytes;
  }
  #maxTokenBytes: number | undefined;

  get vocabSize(): number {
    return FIRST_MERGE + this.merges.length;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const w of pretokenize(text)) {
      let ids = this.cache.get(w);
      if (!ids) {
        ids = this.encodeWord(w);
        if (this.cache.size < 100_000) this.cache.set(w, ids);
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  /** Bytes of a token (special tokens decode to their literal text). */
  tokenBytes(id: number): Uint8Array {
    const b = this.bytes[id];
    if (!b) throw new Error(`token id ${id} out of range`);
    return b;
  }

  decode(ids: Iterable<number>): string {
    const parts: Uint8Array[] = [];
    let n = 0;
    for (const id of ids) {
      const b = this.tokenBytes(id);
      parts.push(b);
      n += b.length;
    }
    const all = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return new TextDecoder().decode(all);
  }

  isSpecial(id: number): boolean {
    return id >= FIRST_SPECIAL && id < FIRST_MERGE;
  }

  private encodeWord(w: string): number[] {
    const s = Array.from(encoder.encode(w));
    for (;;) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i + 1 < s.length; i++) {
        const r = this.rank.get((s[i] as number) * 65536 + (s[i + 1] as number));
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) return s;
      s.splice(best, 2, FIRST_MERGE + bestRank);
    }
  }
}
