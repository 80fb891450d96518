import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BLEU_SMOOTHINGS, type BleuSmoothing, BleuSmoothingError, bleu } from "./bleu.ts";

interface Case {
  id: string;
  output: string;
  reference: string;
  scores: Record<BleuSmoothing, number | "error">;
}

// NLTK 3.8's sentence_bleu with each SmoothingFunction method (scripts/bleu_smoothing_fixtures.py).
const { cases } = JSON.parse(readFileSync(new URL("../../fixtures/bleu-smoothing.json", import.meta.url), "utf8")) as { cases: Case[] };

describe("BLEU smoothing against NLTK", () => {
  it("covers every method on a few hundred pairs, including NLTK's refusals", () => {
    expect(cases.length).toBeGreaterThan(300);
    for (const m of BLEU_SMOOTHINGS) expect(cases.some((c) => typeof c.scores[m] === "number" && c.scores[m] > 0.01)).toBe(true);
    expect(cases.some((c) => c.scores.method6 === "error")).toBe(true);
  });

  for (const method of BLEU_SMOOTHINGS) {
    it(`${method} matches NLTK on every pair`, () => {
      const failures: string[] = [];
      for (const c of cases) {
        const want = c.scores[method];
        if (want === "error") {
          expect(() => bleu(c.output, c.reference, method), c.id).toThrow(BleuSmoothingError);
          continue;
        }
        const got = bleu(c.output, c.reference, method);
        if (!(Math.abs(got - want) <= 1e-12 + 1e-9 * want)) failures.push(`${c.id}: expected ${want}, got ${got}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it("makes short answers scoreable: the issue's example scores 0.041 with method1, ~1e-231 without", () => {
    const out = "The cat sat on the mat.";
    const ref = "On the mat, the cat was sitting.";
    expect(bleu(out, ref)).toBeLessThan(1e-200);
    expect(bleu(out, ref, "method1")).toBeCloseTo(0.0411, 4);
    expect(bleu("refund was issued", "refund was issued", "method1")).toBeGreaterThan(0.5);
  });
});
