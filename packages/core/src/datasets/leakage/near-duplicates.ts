export interface NearMatch {
  /** Index into the queries. */
  query: number;
  /** Index into the references. */
  reference: number;
  similarity: number;
}

/**
 * All (query, reference) pairs whose word sets have Jaccard similarity >= threshold, by prefix filtering
 * (Chaudhuri et al.; Bayardo et al.'s All-Pairs): with words in one global order (rarest first), two sets that
 * reach the threshold must share a word within their first |s| - ceil(threshold * |s|) + 1 words, so only
 * reference prefixes are indexed; a size filter and a merge-based overlap on sorted integer ids do the rest.
 */
export function nearDuplicates(
  queries: ReadonlyArray<ReadonlySet<string>>,
  references: ReadonlyArray<ReadonlySet<string>>,
  threshold: number,
): NearMatch[] {
  const ids = wordIds(references);
  const encode = (set: ReadonlySet<string>, unknown: { next: number }): Int32Array => {
    const out = new Int32Array(set.size);
    let i = 0;
    // words absent from the references are rarer than all others: give them ids below every known word
    for (const word of set) out[i++] = ids.get(word) ?? unknown.next--;
    return out.sort();
  };
  const prefixLength = (size: number): number => size - Math.ceil(threshold * size - 1e-9) + 1;

  const refs = references.map((r) => encode(r, { next: -1 }));
  // postings: reference index and the word's position in that reference, interleaved
  const index = new Map<number, number[]>();
  refs.forEach((ref, r) => {
    const p = prefixLength(ref.length);
    for (let j = 0; j < p && j < ref.length; j++) {
      const id = ref[j] as number;
      const postings = index.get(id);
      if (postings) postings.push(r, j);
      else index.set(id, [r, j]);
    }
  });

  const matches: NearMatch[] = [];
  const seen = new Int32Array(refs.length).fill(-1);
  queries.forEach((set, q) => {
    if (set.size === 0) return;
    const query = encode(set, { next: -1 });
    const minSize = threshold * query.length;
    const maxSize = query.length / threshold;
    const p = prefixLength(query.length);
    for (let i = 0; i < p && i < query.length; i++) {
      const postings = index.get(query[i] as number);
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
        if (similarity >= threshold) matches.push({ query: q, reference: r, similarity });
      }
    }
  });
  return matches;
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
