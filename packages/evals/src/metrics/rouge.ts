import { BitPattern, seqLcs } from "./indel.ts";
import { clippedMatches, type IdLists, internLists, internTexts } from "./ngrams.ts";

/**
 * ROUGE-N / ROUGE-L F-measure, matching Google's `rouge-score` package
 * (`RougeScorer(["rouge1", ..., "rougeL"], use_stemmer=False).score(reference, output)[t].fmeasure`).
 *
 * Tokenizer (rouge_score/tokenize.py): lower-case, every run of characters outside [a-z0-9] becomes one space,
 * split on whitespace, drop empty tokens. No stemming. Precision = overlap / output n-grams, recall =
 * overlap / reference n-grams (denominators floored at 1), F = 2PR/(P+R) or 0.
 *
 * The text entry points intern the tokens straight from the lower-cased texts (the runs of [a-z0-9] are exactly
 * the tokens the regex formulation yields) into scratch id arrays, so grading builds no token strings.
 */

const NON_ALNUM = /[^a-z0-9]+/g;

/** rouge-score's DefaultTokenizer without stemming. */
export function rougeTokenize(text: string): string[] {
  const cleaned = text.toLowerCase().replace(NON_ALNUM, " ");
  const out: string[] = [];
  for (const t of cleaned.split(" ")) if (t.length > 0) out.push(t);
  return out;
}

function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** Clipped matches by order (index n-1). */
let matches = new Float64Array(8);

/** ROUGE-N of the output ids `pair.a` against the reference ids `pair.b`. */
function rougeNIds(pair: IdLists, n: number): number {
  const predTotal = Math.max(pair.lenA - n + 1, 0);
  const refTotal = Math.max(pair.lenB - n + 1, 0);
  if (predTotal === 0 || refTotal === 0) return 0;
  if (matches.length < n) matches = new Float64Array(n);
  clippedMatches(pair, n, matches);
  const overlap = matches[n - 1] as number;
  return fmeasure(overlap / Math.max(predTotal, 1), overlap / Math.max(refTotal, 1));
}

export function rougeNTokens(outputTokens: readonly string[], referenceTokens: readonly string[], n: number): number {
  return rougeNIds(internLists(outputTokens, referenceTokens), n);
}

/** Both texts lower-cased and interned (an output equal to its reference is lower-cased once). */
function internLowered(output: string, reference: string): IdLists {
  const lowered = output.toLowerCase();
  return internTexts(lowered, reference === output ? lowered : reference.toLowerCase(), "ascii-alnum");
}

/** ROUGE-N F-measure (n >= 1). */
export function rougeN(output: string, reference: string, n: number): number {
  return rougeNIds(internLowered(output, reference), n);
}

let lcsRow = new Int32Array(64);

/** Length of the longest common subsequence of two token arrays (O(mn) time, O(n) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const m = b.length;
  if (lcsRow.length < m + 1) lcsRow = new Int32Array(2 * (m + 1));
  const row = lcsRow;
  row.fill(0, 0, m + 1);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    let diag = 0; // row[j-1] of the previous row
    for (let j = 1; j <= m; j++) {
      const up = row[j] as number;
      if (x === b[j - 1]) row[j] = diag + 1;
      else {
        const left = row[j - 1] as number;
        row[j] = Math.max(up, left);
      }
      diag = up;
    }
  }
  return row[m] as number;
}

/** Token ids are small integers, so the code-point LCS of indel.ts (bit-parallel, reusable) works on them as is. */
const lcsPattern = new BitPattern();

/** ROUGE-L F-measure (sentence-level LCS). */
export function rougeL(output: string, reference: string): number {
  const pair = internLowered(output, reference);
  if (pair.lenA === 0 || pair.lenB === 0) return 0;
  const lcs = seqLcs(lcsPattern, pair.b, pair.lenB, pair.a, pair.lenA);
  return fmeasure(lcs / pair.lenA, lcs / pair.lenB);
}
