/**
 * N-gram counting on integer token ids: the metrics (BLEU, GLEU, ROUGE-N) compare the n-grams of two token lists,
 * and keying n-grams by numbers instead of joined strings builds no string per n-gram. Equal tokens get equal ids
 * from one dictionary shared by both lists, so two n-grams have the same key exactly when their tokens are equal.
 */

/** Two token lists as ids from one shared dictionary; `vocab` is the number of distinct tokens. */
export interface IdPair {
  a: Int32Array;
  b: Int32Array;
  vocab: number;
}

export function internPair(a: readonly string[], b: readonly string[]): IdPair {
  const dictionary = new Map<string, number>();
  const toIds = (tokens: readonly string[]) => {
    const ids = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      let id = dictionary.get(token);
      if (id === undefined) {
        id = dictionary.size;
        dictionary.set(token, id);
      }
      ids[i] = id;
    }
    return ids;
  };
  const idsA = toIds(a);
  const idsB = toIds(b);
  return { a: idsA, b: idsB, vocab: dictionary.size };
}

/**
 * Counts the n-grams of one order. A key is the n-gram's ids as one number in base `vocab` while vocab^n stays within
 * 2^53 (exact); beyond that (thousands of distinct tokens at order 4), the ids joined with ",".
 */
export function countIdNgrams(ids: Int32Array, n: number, vocab: number): Map<number | string, number> {
  const counts = new Map<number | string, number>();
  const base = Math.max(1, vocab);
  if (base ** n <= Number.MAX_SAFE_INTEGER) {
    for (let i = 0; i + n <= ids.length; i++) {
      let key = ids[i] as number;
      for (let k = 1; k < n; k++) key = key * base + (ids[i + k] as number);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  } else {
    for (let i = 0; i + n <= ids.length; i++) {
      let key = String(ids[i]);
      for (let k = 1; k < n; k++) key += `,${ids[i + k] as number}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}
