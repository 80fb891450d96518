import { mulberry32 } from "@tunelab/evals";
import { describe, expect, it } from "vitest";
import { nearDuplicates } from "./near-duplicates.ts";
import { jaccard, wordSet } from "./normalize.ts";

describe("near-duplicate search", () => {
  it("normalizes case, punctuation and unicode forms", () => {
    expect([...wordSet("Ｒefund my ORDER #77, please!")].sort()).toEqual(["77", "my", "order", "please", "refund"]);
    expect(jaccard(wordSet("a b c"), wordSet("a b d"))).toBeCloseTo(2 / 4);
  });

  it("finds exactly the pairs a brute-force comparison finds", () => {
    const random = mulberry32(42);
    const vocabulary = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const makeSet = () =>
      new Set(Array.from({ length: 2 + Math.floor(random() * 8) }, () => vocabulary[Math.floor(random() * vocabulary.length)] ?? "w0"));
    const references = Array.from({ length: 80 }, makeSet);
    // queries: random sets plus perturbed copies of references
    const queries = [
      ...Array.from({ length: 150 }, makeSet),
      ...references.slice(0, 40).map((r) => {
        const copy = new Set(r);
        if (random() < 0.5) copy.add(vocabulary[Math.floor(random() * vocabulary.length)] ?? "w0");
        return copy;
      }),
    ];
    for (const threshold of [0.5, 0.7, 0.8, 0.9]) {
      const expected: string[] = [];
      for (const [i, q] of queries.entries()) {
        for (const [j, r] of references.entries()) if (jaccard(q, r) >= threshold) expected.push(`${i}:${j}`);
      }
      const found = nearDuplicates(queries, references, threshold).map((m) => `${m.query}:${m.reference}`);
      expect(found.sort()).toEqual(expected.sort());
      expect(expected.length).toBeGreaterThan(10);
    }
  });
});
