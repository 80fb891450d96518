/**
 * Constrained decoding at the token level: a token is allowed when its bytes keep the output a valid prefix of what
 * the byte machine accepts (a JSON document of a schema, a forced tool call), and an end-of-text token only when the
 * output is complete. The sampler asks about a few candidates in its own order (each answer is one clone of the
 * machine and a push of a token's few bytes); only when none of those fits does it scan the vocabulary, and then
 * a table of each token's first byte refuses most ids with one comparison.
 */

/** What a token-level constraint drives: fed bytes, cloned to try a token without committing it. */
export interface ByteMachine {
  push(byte: number): boolean;
  pushAll(bytes: Uint8Array): boolean;
  clone(): ByteMachine;
  /** The output so far is whole: the text may end here. */
  readonly complete: boolean;
}

export interface TokenVocabulary {
  /** Ids below this. */
  readonly size: number;
  /** The token's bytes; empty for tokens that are never written while constrained (special tokens). */
  bytes(id: number): Uint8Array;
  /** An end-of-text id (allowed only when the output is complete). */
  isEnd(id: number): boolean;
  /** What the table of token heads is cached on (one per tokenizer). */
  readonly key: object;
}

const headTables = new WeakMap<object, Int32Array>();

/**
 * Each id's first two bytes (first × 256 + second, or 65536 + first for a one-byte token; -1 for tokens without
 * bytes); built once per tokenizer, on the first scan that needs it.
 */
function tokenHeads(vocab: TokenVocabulary): Int32Array {
  let table = headTables.get(vocab.key);
  if (!table || table.length < vocab.size) {
    table = new Int32Array(vocab.size);
    for (let id = 0; id < vocab.size; id++) {
      const b = vocab.bytes(id);
      table[id] = b.length === 0 ? -1 : b.length === 1 ? 65536 + (b[0] as number) : (b[0] as number) * 256 + (b[1] as number);
    }
    headTables.set(vocab.key, table);
  }
  return table;
}

export class TokenConstraint {
  /** This step's answers: the machine after the token, or null when refused. */
  private readonly tried = new Map<number, ByteMachine | null>();
  /** This step's two-byte starts that may come next (0 not yet known, 1 yes, 2 no; 65536 + b: the byte b alone). */
  private heads: Uint8Array | undefined;
  private table: Int32Array | undefined;
  /** Candidates tried since generation started, and scans of the vocabulary (for benchmarks). */
  readonly stats = { tried: 0, scans: 0 };

  constructor(
    private state: ByteMachine,
    private readonly vocab: TokenVocabulary,
  ) {}

  get complete(): boolean {
    return this.state.complete;
  }

  /** After prepareScan(): false for a token whose first two bytes cannot come next (a comparison or two). */
  mayAccept(id: number): boolean {
    if (!this.heads || !this.table || this.vocab.isEnd(id)) return true;
    const head = this.table[id] as number;
    if (head < 0) return false;
    const first = head >= 65536 ? head - 65536 : head >> 8;
    if (this.heads[65536 + first] === 2) return false;
    if (head >= 65536) return true;
    let known = this.heads[head] as number;
    if (known === 0) {
      const m = this.state.clone();
      known = m.push(first) && m.push(head & 255) ? 1 : 2;
      this.heads[head] = known;
    }
    return known === 1;
  }

  accepts(id: number): boolean {
    const known = this.tried.get(id);
    if (known !== undefined) return known !== null;
    if (this.vocab.isEnd(id)) return this.state.complete;
    if (!this.mayAccept(id)) return false;
    this.stats.tried++;
    const bytes = this.vocab.bytes(id);
    let next: ByteMachine | null = null;
    if (bytes.length > 0) {
      next = this.state.clone();
      if (!next.pushAll(bytes)) next = null;
    }
    this.tried.set(id, next);
    return next !== null;
  }

  /** Before the sampler goes through the whole vocabulary: the filter of token heads for this step. */
  prepareScan(): void {
    if (this.heads) return;
    this.stats.scans++;
    this.table = tokenHeads(this.vocab);
    const heads = new Uint8Array(65536 + 256);
    for (let b = 0; b < 256; b++) heads[65536 + b] = this.state.clone().push(b) ? 1 : 2;
    this.heads = heads;
  }

  /** The sampler took `id` (which it accepted). */
  advance(id: number): void {
    if (!this.vocab.isEnd(id)) {
      let next = this.tried.get(id);
      if (next === undefined) {
        next = this.state.clone();
        if (!next.pushAll(this.vocab.bytes(id))) next = null;
      }
      if (!next) throw new Error(`token ${id} does not continue the constrained output`);
      this.state = next;
    }
    this.tried.clear();
    this.heads = undefined;
  }
}
