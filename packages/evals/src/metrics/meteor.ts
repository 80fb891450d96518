import { porterStem } from "./porter.ts";
import { pySplit } from "./whitespace.ts";
import { wordnetSynonyms } from "./wordnet.ts";

/**
 * METEOR as NLTK 3.8 computes it:
 * `nltk.translate.meteor_score.single_meteor_score(reference.split(), output.split())` with alpha 0.9, beta 3,
 * gamma 0.5. Words are lower-cased, then aligned in three greedy stages, each scanning the output from its last
 * word backwards and taking the last unmatched reference word that fits: exact match, Porter-stem match (NLTK's
 * PorterStemmer), WordNet 3.0 synonym match. As in NLTK, the synonym stage runs on the *stems* left over by the
 * stem stage. Score = (1 - 0.5 * (chunks / matches)^3) * P*R / (0.9*P + 0.1*R); 0 when nothing matches.
 */
const ALPHA = 0.9;
const BETA = 3;
const GAMMA = 0.5;

const stemCache = new Map<string, string>();
function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = porterStem(word);
    if (stemCache.size >= 200_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** Parallel arrays of (original position, word) still unmatched. */
interface Side {
  idx: number[];
  words: string[];
}

/** NLTK `_match_enums` (and the WordNet variant when `syn` is given). Appends (hyp, ref) index pairs. */
function matchStage(hyp: Side, ref: Side, pairs: number[], syn: boolean): void {
  for (let i = hyp.words.length - 1; i >= 0; i--) {
    const w = hyp.words[i] as string;
    const syns = syn ? wordnetSynonyms(w) : undefined;
    for (let j = ref.words.length - 1; j >= 0; j--) {
      const r = ref.words[j] as string;
      if (r === w || syns?.has(r)) {
        pairs.push(hyp.idx[i] as number, ref.idx[j] as number);
        hyp.idx.splice(i, 1);
        hyp.words.splice(i, 1);
        ref.idx.splice(j, 1);
        ref.words.splice(j, 1);
        break;
      }
    }
  }
}

function side(words: readonly string[]): Side {
  return { idx: words.map((_, i) => i), words: words.map((w) => w.toLowerCase()) };
}

export function meteorTokens(hypTokens: readonly string[], refTokens: readonly string[]): number {
  const hypLen = hypTokens.length;
  const refLen = refTokens.length;
  if (hypLen === 0 || refLen === 0) return 0;
  const hyp = side(hypTokens);
  const ref = side(refTokens);
  const pairs: number[] = [];
  matchStage(hyp, ref, pairs, false);
  if (hyp.words.length > 0 && ref.words.length > 0) {
    hyp.words = hyp.words.map(stem);
    ref.words = ref.words.map(stem);
    matchStage(hyp, ref, pairs, false);
    if (hyp.words.length > 0 && ref.words.length > 0) matchStage(hyp, ref, pairs, true);
  }
  const matches = pairs.length / 2;
  if (matches === 0) return 0;
  // sort matches by output position (unique), then count chunks of consecutive aligned positions
  const order: number[] = [];
  for (let k = 0; k < matches; k++) order.push(k);
  order.sort((a, b) => (pairs[2 * a] as number) - (pairs[2 * b] as number));
  let chunks = 1;
  for (let k = 0; k + 1 < matches; k++) {
    const a = order[k] as number;
    const b = order[k + 1] as number;
    if (!(pairs[2 * b] === (pairs[2 * a] as number) + 1 && pairs[2 * b + 1] === (pairs[2 * a + 1] as number) + 1)) chunks++;
  }
  const precision = matches / hypLen;
  const recall = matches / refLen;
  const fmean = (precision * recall) / (ALPHA * precision + (1 - ALPHA) * recall);
  const penalty = GAMMA * (chunks / matches) ** BETA;
  return (1 - penalty) * fmean;
}

export function meteor(output: string, reference: string): number {
  return meteorTokens(pySplit(output), pySplit(reference));
}
