// The scratch-buffer implementations of fuzzy_match, BLEU and ROUGE against their straightforward formulations
// (the code they replaced: arrays of code points and tokens, string-keyed maps and sets, regex tokenizers), on
// random texts with repeated tokens, case changes, punctuation, Unicode (case mappings that change length,
// surrogate pairs, code points past 2^17, lone surrogates, Python-only whitespace) and empty strings. Scores must be bit-identical.
import { describe, expect, it } from "vitest";
import { BLEU_SMOOTHINGS, type BleuSmoothingError, bleu, bleuTokens } from "./bleu.ts";
import { defaultProcess, fuzzyMatch, wratio } from "./fuzzy-match.ts";
import { rougeL, rougeN, rougeNTokens, rougeTokenize } from "./rouge.ts";
import { pySplit } from "./whitespace.ts";

// ---------------------------------------------------------------- straightforward formulations

// biome-ignore lint/suspicious/noControlCharactersInRegex: \x1c-\x1f are whitespace to Python str.split()
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
function refPySplit(text: string): string[] {
  const parts = text.split(PY_WHITESPACE);
  if (parts.length > 0 && parts[0] === "") parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

function refRougeTokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .split(" ")
    .filter((t) => t.length > 0);
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join("\u0000");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function clipped(hyp: readonly string[], ref: readonly string[], n: number): number {
  const refCounts = ngramCounts(ref, n);
  let matches = 0;
  for (const [gram, c] of ngramCounts(hyp, n)) matches += Math.min(c, refCounts.get(gram) ?? 0);
  return matches;
}

const fmeasure = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

function refRougeN(output: string, reference: string, n: number): number {
  const pred = refRougeTokenize(output);
  const ref = refRougeTokenize(reference);
  const predTotal = Math.max(pred.length - n + 1, 0);
  const refTotal = Math.max(ref.length - n + 1, 0);
  if (predTotal === 0 || refTotal === 0) return 0;
  const overlap = clipped(ref, pred, n);
  return fmeasure(overlap / Math.max(predTotal, 1), overlap / Math.max(refTotal, 1));
}

function refLcs(a: readonly string[], b: readonly string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = table[i] as number[];
      const prev = table[i - 1] as number[];
      row[j] = a[i - 1] === b[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, row[j - 1] as number);
    }
  return (table[a.length] as number[])[b.length] as number;
}

function refRougeL(output: string, reference: string): number {
  const pred = refRougeTokenize(output);
  const ref = refRougeTokenize(reference);
  if (pred.length === 0 || ref.length === 0) return 0;
  const lcs = refLcs(ref, pred);
  return fmeasure(lcs / pred.length, lcs / ref.length);
}

/** NLTK sentence_bleu without smoothing, as the code before the scratch buffers computed it. */
function refBleu(output: string, reference: string): number {
  const hyp = refPySplit(output);
  const ref = refPySplit(reference);
  if (hyp.length === 0) return 0;
  const precisions: number[] = [];
  let firstMatches = 0;
  for (let n = 1; n <= 4; n++) {
    const matches = clipped(hyp, ref, n);
    if (n === 1) firstMatches = matches;
    precisions.push(matches === 0 ? 2.2250738585072014e-308 : matches / Math.max(1, hyp.length - n + 1));
  }
  if (firstMatches === 0) return 0;
  let logSum = 0;
  for (const p of precisions) if (p > 0) logSum += 0.25 * Math.log(p);
  const bp = hyp.length > ref.length ? 1 : Math.exp(1 - ref.length / hyp.length);
  return bp * Math.exp(logSum);
}

const ALNUM = /[\p{L}\p{N}]/u;
function refDefaultProcess(s: string): number[] {
  const cps = Array.from(s, (ch) => {
    const c = ch.codePointAt(0) as number;
    if (!ALNUM.test(ch)) return 32;
    if (c === 0x130) return 0x69;
    const lower = ch.toLowerCase();
    return lower.length === ch.length ? (lower.codePointAt(0) as number) : c;
  });
  let start = 0;
  let end = cps.length;
  while (start < end && cps[start] === 32) start++;
  while (end > start && cps[end - 1] === 32) end--;
  return cps.slice(start, end);
}

type Seq = readonly number[];
function refLcsSeq(a: Seq, b: Seq): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++)
      row[j] = a[i - 1] === b[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, row[j - 1] as number);
    prev = row;
  }
  return prev[b.length] as number;
}
const indelSim = (lcs: number, l1: number, l2: number) => (l1 + l2 === 0 ? 1 : 1 - (l1 + l2 - 2 * lcs) / (l1 + l2));
const refRatio = (a: Seq, b: Seq) => indelSim(refLcsSeq(a, b), a.length, b.length) * 100;

function refPartialImpl(needle: Seq, hay: Seq): number {
  const len1 = needle.length;
  const len2 = hay.length;
  const chars = new Set(needle);
  let best = 0;
  const consider = (start: number, end: number): boolean => {
    const score = indelSim(refLcsSeq(needle, hay.slice(start, end)), len1, end - start);
    if (score > best) best = score;
    return best === 1;
  };
  for (let i = 1; i < len1; i++) if (chars.has(hay[i - 1] as number) && consider(0, i)) return 100;
  for (let i = 0; i < len2 - len1; i++) if (chars.has(hay[i + len1 - 1] as number) && consider(i, i + len1)) return 100;
  for (let i = Math.max(len2 - len1, 0); i < len2; i++) if (chars.has(hay[i] as number) && consider(i, len2)) return 100;
  return best * 100;
}

function refPartialRatio(a: Seq, b: Seq): number {
  if (a.length === 0 && b.length === 0) return 100;
  if (a.length === 0 || b.length === 0) return 0;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  let res = refPartialImpl(shorter, longer);
  if (res !== 100 && a.length === b.length) res = Math.max(res, refPartialImpl(longer, shorter));
  return res;
}

const keyOf = (t: Seq): string => String.fromCodePoint(...t);
const fromKey = (k: string): number[] => Array.from(k, (ch) => ch.codePointAt(0) as number);
function refTokens(s: Seq): string[] {
  return keyOf(s)
    .split(" ")
    .filter((t) => t.length > 0);
}
function compareSeq(a: Seq, b: Seq): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}
const joinSorted = (tokens: readonly string[]): number[] => fromKey(tokens.map(fromKey).sort(compareSeq).map(keyOf).join(" "));
const normDistance = (dist: number, lensum: number) => (lensum > 0 ? 100 - (100 * dist) / lensum : 100);

function refTokenSetRatio(setA: Set<string>, setB: Set<string>): number {
  if (setA.size === 0 || setB.size === 0) return 0;
  const sect = [...setA].filter((t) => setB.has(t));
  const diffAB = [...setA].filter((t) => !setB.has(t));
  const diffBA = [...setB].filter((t) => !setA.has(t));
  let sectLen = sect.reduce((n, t) => n + fromKey(t).length, 0);
  if (sect.length > 0) sectLen += sect.length - 1;
  if (sect.length > 0 && (diffAB.length === 0 || diffBA.length === 0)) return 100;
  const ab = joinSorted(diffAB);
  const ba = joinSorted(diffBA);
  const sep = sectLen !== 0 ? 1 : 0;
  const sectAbLen = sectLen + sep + ab.length;
  const sectBaLen = sectLen + sep + ba.length;
  const result = normDistance(ab.length + ba.length - 2 * refLcsSeq(ab, ba), sectAbLen + sectBaLen);
  if (sectLen === 0) return result;
  return Math.max(result, normDistance(sep + ab.length, sectLen + sectAbLen), normDistance(sep + ba.length, sectLen + sectBaLen));
}

function refWratio(s1: Seq, s2: Seq): number {
  if (s1.length === 0 || s2.length === 0) return 0;
  const lenRatio = s1.length > s2.length ? s1.length / s2.length : s2.length / s1.length;
  let end = refRatio(s1, s2);
  if (end === 100) return 100;
  const tokensA = refTokens(s1);
  const tokensB = refTokens(s2);
  const setA = new Set(tokensA);
  const setB = new Set(tokensB);
  if (lenRatio < 1.5) {
    const tokenSort = refRatio(joinSorted(tokensA), joinSorted(tokensB));
    return Math.max(end, Math.max(refTokenSetRatio(setA, setB), tokenSort) * 0.95);
  }
  const scale = lenRatio < 8 ? 0.9 : 0.6;
  end = Math.max(end, refPartialRatio(s1, s2) * scale);
  let partialToken: number;
  if ([...setA].some((t) => setB.has(t))) partialToken = 100;
  else {
    partialToken = refPartialRatio(joinSorted(tokensA), joinSorted(tokensB));
    if (tokensA.length !== setA.size || tokensB.length !== setB.size)
      partialToken = Math.max(partialToken, refPartialRatio(joinSorted([...setA]), joinSorted([...setB])));
  }
  return Math.max(end, partialToken * 0.95 * scale);
}

// ---------------------------------------------------------------- random texts

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = ["the", "The", "THE", "cat", "sat", "on", "mat", "a", "refund", "issued", "x1", "42", "dog's", "naïve", "Straße"];
const UNICODE = [
  "é",
  "É",
  "ß",
  "İ",
  "Σ",
  "ς",
  "\u212a",
  "ǅ",
  "ﬁ",
  "中文",
  "😀",
  "𐐀",
  "\ud800",
  "\u0307",
  "٣",
  "Ⅻ",
  "ǰ",
  "𠀀b",
  "𠀁a",
  "𠀀",
  "𠀀𠀀c",
  "\u{10ffff}",
];
const SEPARATORS = [
  " ",
  " ",
  " ",
  "  ",
  "\t",
  "\n",
  ",",
  ".",
  "!",
  "-",
  "\u00a0",
  "\u0085",
  "\u2003",
  "\u3000",
  "\x1c",
  "\ufeff",
  "\u180e",
  "\u200b",
];

function randomText(random: () => number, maxTokens: number): string {
  const n = Math.floor(random() * (maxTokens + 1));
  let out = random() < 0.2 ? (SEPARATORS[Math.floor(random() * SEPARATORS.length)] as string) : "";
  for (let i = 0; i < n; i++) {
    const r = random();
    const word =
      r < 0.7
        ? (WORDS[Math.floor(random() * WORDS.length)] as string)
        : r < 0.9
          ? (UNICODE[Math.floor(random() * UNICODE.length)] as string)
          : "";
    out += word + (SEPARATORS[Math.floor(random() * SEPARATORS.length)] as string);
  }
  return random() < 0.5 ? out.trimEnd() : out;
}

/** Pairs: unrelated, shared vocabulary, a perturbed copy, identical, case-changed, truncated, empty. */
function randomPairs(seed: number, count: number, maxTokens: number): Array<[string, string]> {
  const random = rng(seed);
  const pairs: Array<[string, string]> = [
    ["", ""],
    ["", "a b"],
    ["a b", ""],
    [" ", "!!"],
    ["the the the the", "the the"],
  ];
  for (let i = 0; i < count; i++) {
    const a = randomText(random, maxTokens);
    const r = random();
    const b =
      r < 0.15
        ? a
        : r < 0.3
          ? a.toUpperCase()
          : r < 0.45
            ? a.slice(0, Math.floor(random() * a.length))
            : r < 0.6
              ? `${randomText(random, 3)} ${a} ${randomText(random, 3)}`
              : randomText(random, maxTokens);
    pairs.push(random() < 0.5 ? [a, b] : [b, a]);
  }
  return pairs;
}

const SHORT = randomPairs(11, 3000, 12);
const LONG = randomPairs(12, 150, 80); // patterns over 32 and 64 characters: multi-word bit vectors

// ---------------------------------------------------------------- properties

describe("tokenizers", () => {
  it("pySplit and rougeTokenize split as the regex formulations do", () => {
    for (const [a, b] of [...SHORT, ...LONG]) {
      expect(pySplit(a)).toEqual(refPySplit(a));
      expect(rougeTokenize(b)).toEqual(refRougeTokenize(b));
    }
  });

  it("every code unit that is whitespace to the regex is whitespace to pySplit", () => {
    for (let c = 0; c < 0x10000; c++) {
      const text = `a${String.fromCharCode(c)}b`;
      expect(pySplit(text).length, c.toString(16)).toBe(refPySplit(text).length);
    }
  });
});

describe("fuzzy_match", () => {
  it("default_process matches the per-character formulation", () => {
    for (const [a] of SHORT) expect(defaultProcess(a)).toEqual(refDefaultProcess(a));
  });

  it("WRatio is bit-identical to the straightforward formulation", () => {
    const failures: string[] = [];
    for (const [a, b] of [...SHORT, ...LONG]) {
      const want = refWratio(refDefaultProcess(a), refDefaultProcess(b));
      const got = fuzzyMatch(a, b);
      if (!Object.is(got, want / 100)) failures.push(`${JSON.stringify([a, b])}: ${want / 100} != ${got}`);
      expect(wratio(refDefaultProcess(a), refDefaultProcess(b))).toBe(want);
    }
    expect(failures).toEqual([]);
  });
});

describe("BLEU", () => {
  it("is bit-identical to the map-of-joined-strings formulation (no smoothing)", () => {
    const failures: string[] = [];
    for (const [a, b] of [...SHORT, ...LONG]) {
      const want = refBleu(a, b);
      const got = bleu(a, b);
      if (!Object.is(got, want)) failures.push(`${JSON.stringify([a, b])}: ${want} != ${got}`);
    }
    expect(failures).toEqual([]);
  });

  it("scores texts and their token lists alike, for every smoothing", () => {
    for (const [a, b] of SHORT.slice(0, 800))
      for (const method of BLEU_SMOOTHINGS) {
        let fromText: number | BleuSmoothingError;
        let fromTokens: number | BleuSmoothingError;
        try {
          fromText = bleu(a, b, method);
        } catch (error) {
          fromText = error as BleuSmoothingError;
        }
        try {
          fromTokens = bleuTokens(refPySplit(a), refPySplit(b), method);
        } catch (error) {
          fromTokens = error as BleuSmoothingError;
        }
        expect(fromText).toEqual(fromTokens);
      }
  });
});

describe("ROUGE", () => {
  it("ROUGE-1..5 are bit-identical to the map-of-joined-strings formulation", () => {
    const failures: string[] = [];
    for (const [a, b] of [...SHORT, ...LONG])
      for (let n = 1; n <= 5; n++) {
        const want = refRougeN(a, b, n);
        const got = rougeN(a, b, n);
        if (!Object.is(got, want)) failures.push(`n=${n} ${JSON.stringify([a, b])}: ${want} != ${got}`);
        expect(rougeNTokens(refRougeTokenize(a), refRougeTokenize(b), n)).toBe(want);
      }
    expect(failures).toEqual([]);
  });

  it("ROUGE-L is bit-identical to the full-table LCS formulation", () => {
    const failures: string[] = [];
    for (const [a, b] of [...SHORT, ...LONG]) {
      const want = refRougeL(a, b);
      const got = rougeL(a, b);
      if (!Object.is(got, want)) failures.push(`${JSON.stringify([a, b])}: ${want} != ${got}`);
    }
    expect(failures).toEqual([]);
  });
});

describe("long texts", () => {
  it("thousands of tokens and distinct words (hash tables and scratch buffers grow) score as the formulations do", () => {
    const random = rng(13);
    const words = (n: number, vocab: number) => Array.from({ length: n }, () => `w${Math.floor(random() * vocab)}`).join(" ");
    for (const [n, vocab] of [
      [3000, 2500],
      [2000, 40],
      [500, 5000],
    ] as const) {
      const a = words(n, vocab);
      const b = `${a.slice(0, a.length / 2)} ${words(n / 2, vocab)}`;
      expect(bleu(a, b)).toBe(refBleu(a, b));
      for (let k = 1; k <= 4; k++) expect(rougeN(a, b, k)).toBe(refRougeN(a, b, k));
      expect(rougeL(a, b)).toBe(refRougeL(a, b));
      // short texts again after the buffers grew
      expect(bleu("the cat sat on the mat", "the cat sat on a mat")).toBe(refBleu("the cat sat on the mat", "the cat sat on a mat"));
    }
  });

  it("fuzzy_match on long texts with hundreds of distinct non-ASCII characters (multi-word bit masks grow)", () => {
    const random = rng(14);
    const text = (n: number) =>
      Array.from({ length: n }, () => (random() < 0.15 ? " " : String.fromCodePoint(0x4e00 + Math.floor(random() * 400)))).join("");
    for (let trial = 0; trial < 6; trial++) {
      const a = text(250 + trial * 40);
      const b = trial % 2 === 0 ? `${a.slice(20)}${text(30)}` : text(200 + trial * 40);
      expect(fuzzyMatch(a, b)).toBe(refWratio(refDefaultProcess(a), refDefaultProcess(b)) / 100);
      expect(fuzzyMatch("naïve café", "naive cafe")).toBe(
        refWratio(refDefaultProcess("naïve café"), refDefaultProcess("naive cafe")) / 100,
      );
    }
  });
});
