// Integer-keyed n-gram counts against the plain definition: n-grams as joined token strings, counted in a Map.
import { describe, expect, it } from "vitest";
import { countIdNgrams, internPair } from "./ngrams.ts";

/** The definition: each n-gram's tokens joined with a separator no token contains. */
function byStrings(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join("\u0000");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Counts of one side, re-keyed by the tokens each n-gram stands for, to compare with the definition. */
function asStrings(tokens: readonly string[], ids: Int32Array, n: number, vocab: number): Map<string, number> {
  const out = new Map<string, number>();
  const idCounts = countIdNgrams(ids, n, vocab);
  const seen = new Map<number | string, string>();
  for (let i = 0; i + n <= tokens.length; i++) {
    let key: number | string = 0;
    if (vocab ** n <= Number.MAX_SAFE_INTEGER) {
      for (let k = 0; k < n; k++) key = (key as number) * Math.max(1, vocab) + (ids[i + k] as number);
    } else key = Array.from(ids.subarray(i, i + n)).join(",");
    seen.set(key, tokens.slice(i, i + n).join("\u0000"));
  }
  for (const [key, count] of idCounts) out.set(seen.get(key) ?? `missing ${String(key)}`, count);
  return out;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("countIdNgrams", () => {
  it("counts what joined-string n-grams count, on random token lists sharing words", () => {
    const random = rng(7);
    const words = ["a", "b", "the", "cat", "sat", "on", "mat", "A", "a.", "", "x y"];
    for (let trial = 0; trial < 200; trial++) {
      const list = () => Array.from({ length: Math.floor(random() * 12) }, () => words[Math.floor(random() * words.length)] as string);
      const a = list();
      const b = list();
      const pair = internPair(a, b);
      for (let n = 1; n <= 5; n++) {
        expect(asStrings(a, pair.a, n, pair.vocab)).toEqual(byStrings(a, n));
        expect(asStrings(b, pair.b, n, pair.vocab)).toEqual(byStrings(b, n));
      }
      // an n-gram of one side matches the other's exactly when their tokens are equal
      const shared = [...countIdNgrams(pair.a, 2, pair.vocab).keys()].filter((k) => countIdNgrams(pair.b, 2, pair.vocab).has(k)).length;
      const sharedByText = [...byStrings(a, 2).keys()].filter((k) => byStrings(b, 2).has(k)).length;
      expect(shared).toBe(sharedByText);
    }
  });

  it("keeps keys exact past 2^53 (many distinct tokens at order 4)", () => {
    const a = Array.from({ length: 12_000 }, (_, i) => `w${i}`);
    const b = [...a.slice(5000, 5004), "w1", "w2", "w3", "w4", "w1", "w2", "w3", "w4"];
    const pair = internPair(a, b);
    expect(pair.vocab ** 4).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    const counts = countIdNgrams(pair.b, 4, pair.vocab);
    expect([...counts.keys()].every((k) => typeof k === "string")).toBe(true);
    expect(asStrings(b, pair.b, 4, pair.vocab)).toEqual(byStrings(b, 4));
    expect(counts.get(Array.from(pair.a.subarray(1, 5)).join(","))).toBe(2); // w1 w2 w3 w4, twice
  });
});
