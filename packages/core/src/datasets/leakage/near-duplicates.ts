import { jaccard } from "./normalize.ts";

export interface NearMatch {
  /** Index into the queries. */
  query: number;
  /** Index into the references. */
  reference: number;
  similarity: number;
}

/**
 * All (query, reference) pairs whose word sets have Jaccard similarity >= threshold, by prefix filtering:
 * with tokens in one global order (rarest first), two sets that reach the threshold must share a token
 * within their first |s| - ceil(threshold * |s|) + 1 tokens, so only the reference prefixes are indexed.
 */
export function nearDuplicates(
  queries: ReadonlyArray<ReadonlySet<string>>,
  references: ReadonlyArray<ReadonlySet<string>>,
  threshold: number,
): NearMatch[] {
  const frequency = new Map<string, number>();
  for (const ref of references) for (const word of ref) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  const order = (set: ReadonlySet<string>): string[] =>
    [...set].sort((a, b) => (frequency.get(a) ?? 0) - (frequency.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const prefixLength = (size: number): number => size - Math.ceil(threshold * size) + 1;

  const index = new Map<string, number[]>();
  references.forEach((ref, r) => {
    const ordered = order(ref);
    for (const word of ordered.slice(0, prefixLength(ordered.length))) {
      const postings = index.get(word);
      if (postings) postings.push(r);
      else index.set(word, [r]);
    }
  });

  const matches: NearMatch[] = [];
  queries.forEach((query, q) => {
    if (query.size === 0) return;
    const ordered = order(query);
    const seen = new Set<number>();
    for (const word of ordered.slice(0, prefixLength(ordered.length))) {
      for (const r of index.get(word) ?? []) {
        if (seen.has(r)) continue;
        seen.add(r);
        const reference = references[r];
        if (!reference) continue;
        const similarity = jaccard(query, reference);
        if (similarity >= threshold) matches.push({ query: q, reference: r, similarity });
      }
    }
  });
  return matches;
}
