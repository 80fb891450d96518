export interface NearMatch {
  /** Index into the queries. */
  query: number;
  /** Index into the references. */
  reference: number;
  similarity: number;
}

/**
 * The references (test items' word sets), indexed for Jaccard similarity >= threshold by prefix filtering
 * (Chaudhuri et al.; Bayardo et al.'s All-Pairs): with words in one global order (rarest first), two sets that
 * reach the threshold must share a word within their first |s| - ceil(threshold * |s|) + 1 words, so only
 * reference prefixes are indexed and a query meets only the references that share one of its rarest words; a size
 * filter, a positional filter and a merge-based overlap on sorted integer ids do the rest. Queries come one at a
 * time, so a file streams past the index.
 */
export class NearDuplicateIndex {
  private readonly ids: Map<string, number>;
  private readonly refs: Int32Array[];
  /** Postings: reference index and the word's position in that reference, interleaved. */
  private readonly index = new Map<number, number[]>();
  /** The last query each reference was compared with, so a reference sharing several prefix words is compared once. */
  private readonly seen: Int32Array;
  private queries = 0;

  constructor(
    references: ReadonlyArray<ReadonlySet<string>>,
    readonly threshold: number,
  ) {
    this.ids = wordIds(references);
    this.refs = references.map((r) => this.encode(r));
    this.refs.forEach((ref, r) => {
      const p = this.prefixLength(ref.length);
      for (let j = 0; j < p && j < ref.length; j++) {
        const id = ref[j] as number;
        const postings = this.index.get(id);
        if (postings) postings.push(r, j);
        else this.index.set(id, [r, j]);
      }
    });
    this.seen = new Int32Array(this.refs.length).fill(-1);
  }

  /** The references similar to one query, in the order the prefix walk meets them. */
  matches(set: ReadonlySet<string>): Array<{ reference: number; similarity: number }> {
    const out: Array<{ reference: number; similarity: number }> = [];
    if (set.size === 0) return out;
    const q = this.queries++;
    const { threshold, refs, seen } = this;
    const query = this.encode(set);
    const minSize = threshold * query.length;
    const maxSize = query.length / threshold;
    const p = this.prefixLength(query.length);
    for (let i = 0; i < p && i < query.length; i++) {
      const postings = this.index.get(query[i] as number);
      if (!postings) continue;
      for (let k = 0; k < postings.length; k += 2) {
        const r = postings[k] as number;
        if (seen[r] === q) continue;
        seen[r] = q;
        const ref = refs[r] as Int32Array;
        if (ref.length < minSize - 1e-9 || ref.length > maxSize + 1e-9) continue;
        // positional filter: this is the first shared word (earlier prefix words were not shared),
        // so the overlap is at most 1 + the words after it in the shorter remainder
        const j = postings[k + 1] as number;
        const needed = Math.ceil((threshold / (1 + threshold)) * (query.length + ref.length) - 1e-9);
        if (1 + Math.min(query.length - i - 1, ref.length - j - 1) < needed) continue;
        const shared = overlap(query, ref);
        const similarity = shared / (query.length + ref.length - shared);
        if (similarity >= threshold) out.push({ reference: r, similarity });
      }
    }
    return out;
  }

  /** Sorted word ids; words absent from the references are rarer than all others: ids below every known word. */
  private encode(set: ReadonlySet<string>): Int32Array {
    const out = new Int32Array(set.size);
    let i = 0;
    let unknown = -1;
    for (const word of set) out[i++] = this.ids.get(word) ?? unknown--;
    return out.sort();
  }

  private prefixLength(size: number): number {
    return size - Math.ceil(this.threshold * size - 1e-9) + 1;
  }
}

/** All (query, reference) pairs whose word sets have Jaccard similarity >= threshold. */
export function nearDuplicates(
  queries: ReadonlyArray<ReadonlySet<string>>,
  references: ReadonlyArray<ReadonlySet<string>>,
  threshold: number,
): NearMatch[] {
  const index = new NearDuplicateIndex(references, threshold);
  return queries.flatMap((set, query) => index.matches(set).map((m) => ({ query, ...m })));
}

/** Ids in ascending order of document frequency among the references (rarest first), ties by word. */
function wordIds(references: ReadonlyArray<ReadonlySet<string>>): Map<string, number> {
  const frequency = new Map<string, number>();
  for (const ref of references) for (const word of ref) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  const ordered = [...frequency.keys()].sort((a, b) => (frequency.get(a) ?? 0) - (frequency.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  return new Map(ordered.map((word, i) => [word, i]));
}

function overlap(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return shared;
}
