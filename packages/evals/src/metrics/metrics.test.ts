import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cosineSimilarity, SIMILARITY_METRICS, type SimilarityMetric, textSimilarity } from "./index.ts";
import { porterStem } from "./porter.ts";
import { wordnetSynonyms } from "./wordnet.ts";

type TextMetric = Exclude<SimilarityMetric, "cosine">;
interface Case {
  id: string;
  output: string;
  reference: string;
  scores: Record<TextMetric, number>;
}

const fixtures = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8"));
const { cases } = fixtures("text-similarity.json") as { cases: Case[] };
const { stems } = fixtures("porter-stems.json") as { stems: Record<string, string> };
const TEXT_METRICS = SIMILARITY_METRICS.filter((m): m is TextMetric => m !== "cosine");

/** Every metric reproduces its reference implementation exactly (see fixtures/README.md). */
const TOLERANCE = 1e-9;

describe("text similarity fixtures", () => {
  it("has a few hundred cases covering every metric", () => {
    expect(cases.length).toBeGreaterThan(300);
    for (const c of cases) for (const m of TEXT_METRICS) expect(typeof c.scores[m]).toBe("number");
  });

  for (const metric of TEXT_METRICS) {
    it(`${metric} matches the reference on every fixture`, () => {
      const failures: string[] = [];
      for (const c of cases) {
        const got = textSimilarity(metric, c.output, c.reference);
        if (!(Math.abs(got - c.scores[metric]) <= TOLERANCE)) failures.push(`${c.id}: expected ${c.scores[metric]}, got ${got}`);
      }
      expect(failures).toEqual([]);
    });
  }
});

describe("edge cases", () => {
  const sentence = "The quick brown fox jumps over the lazy dog";

  it("empty output scores 0 for every metric", () => {
    for (const m of TEXT_METRICS) expect(textSimilarity(m, "", sentence)).toBe(0);
  });

  it("both empty score 0 (rapidfuzz and NLTK return 0, not 1)", () => {
    for (const m of TEXT_METRICS) expect(textSimilarity(m, "", "")).toBe(0);
  });

  it("identical text scores 1 (METEOR's fragmentation penalty keeps it just below 1)", () => {
    for (const m of TEXT_METRICS) {
      const s = textSimilarity(m, sentence, sentence);
      if (m === "meteor") expect(s).toBeCloseTo(1 - 0.5 / 9 ** 3, 12);
      else expect(s).toBe(1);
    }
  });

  it("BLEU without smoothing: identical outputs shorter than 4 tokens score ~0, as in NLTK", () => {
    expect(textSimilarity("bleu", "refund was issued", "refund was issued")).toBeLessThan(1e-70);
  });

  it("scores stay in [0, 1]", () => {
    for (const c of cases)
      for (const m of TEXT_METRICS) {
        const s = textSimilarity(m, c.output, c.reference);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
      }
  });

  it("fuzzy_match ignores case and punctuation, rouge too", () => {
    expect(textSimilarity("fuzzy_match", "HELLO World!", "hello world")).toBe(1);
    expect(textSimilarity("rouge_l", "HELLO, World!", "hello world")).toBe(1);
  });
});

describe("METEOR building blocks", () => {
  it("PorterStemmer matches NLTK (NLTK_EXTENSIONS) on the committed sample", () => {
    const wrong = Object.entries(stems).filter(([w, s]) => porterStem(w) !== s);
    expect(wrong).toEqual([]);
  });

  it("WordNet 3.0 synonyms through morphy", () => {
    expect(wordnetSynonyms("quick").has("fast")).toBe(true);
    expect(wordnetSynonyms("cars").has("automobile")).toBe(true); // noun rule s -> ""
    expect(wordnetSynonyms("geese").has("goose")).toBe(true); // exception list
    expect(wordnetSynonyms("zzzqx").size).toBe(0);
  });
});

describe("cosineSimilarity", () => {
  it("matches numpy on seeded vector pairs (fixtures/cosine.json)", () => {
    const { cases: pairs } = fixtures("cosine.json") as { cases: { a: number[]; b: number[]; cosine: number }[] };
    expect(pairs.length).toBeGreaterThan(20);
    for (const c of pairs) expect(Math.abs(cosineSimilarity(c.a, c.b) - c.cosine)).toBeLessThan(1e-12);
  });

  it("computes the cosine and guards zero vectors", () => {
    expect(cosineSimilarity([1, 0], [1, 0])).toBe(1);
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow();
  });
});
