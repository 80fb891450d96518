/**
 * Learns byte-level BPE merges from a list of texts. Pair counts are kept incrementally (only the
 * words containing the merged pair are revisited). Ties are broken by the smaller pair, so the
 * result depends only on the input. Stops at the target vocabulary or when no pair repeats.
 */
import { pretokenize } from "./pretokenize.ts";
import { FIRST_MERGE } from "./special.ts";

const encoder = new TextEncoder();
const key = (a: number, b: number) => a * 65536 + b;

export function learnMerges(texts: Iterable<string>, vocabSize: number): Array<[number, number]> {
  const counts = new Map<string, number>();
  for (const text of texts) for (const w of pretokenize(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [w, c] of [...counts].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
    words.push(Array.from(encoder.encode(w)));
    freq.push(c);
  }
  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const addWord = (wi: number, sign: number) => {
    const s = words[wi] as number[];
    const f = (freq[wi] as number) * sign;
    for (let i = 0; i + 1 < s.length; i++) {
      const k = key(s[i] as number, s[i + 1] as number);
      const c = (pairCount.get(k) ?? 0) + f;
      if (c === 0) pairCount.delete(k);
      else pairCount.set(k, c);
      if (sign > 0) {
        const set = where.get(k);
        if (set) set.add(wi);
        else where.set(k, new Set([wi]));
      }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addWord(wi, 1);
  const merges: Array<[number, number]> = [];
  for (let id = FIRST_MERGE; id < vocabSize; id++) {
    let best = -1;
    let bestCount = 1;
    for (const [k, c] of pairCount) if (c > bestCount || (c === bestCount && best >= 0 && k < best)) [best, bestCount] = [k, c];
    if (best < 0) break;
    const a = Math.floor(best / 65536);
    const b = best % 65536;
    merges.push([a, b]);
    const affected = [...(where.get(best) ?? [])].sort((x, y) => x - y);
    where.delete(best);
    for (const wi of affected) {
      const s = words[wi] as number[];
      addWord(wi, -1);
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(id);
          i++;
        } else out.push(s[i] as number);
      }
      words[wi] = out;
      addWord(wi, 1);
    }
  }
  return merges;
}
