import { describe, expect, it } from "vitest";
import { binomialCdfHalf, mcnemarExact } from "./mcnemar.ts";

// Reference values: scipy 1.17.1, stats.binomtest(min(b, c), b + c, 0.5).pvalue (two-sided exact).
const SCIPY: Array<[number, number, number]> = [
  [3, 7, 0.34375],
  [1, 11, 0.00634765625],
  [25, 15, 0.1538599441628321],
  [480, 520, 0.2174482932041415],
];

describe("mcnemarExact", () => {
  it.each(SCIPY)("b=%i c=%i matches scipy", (b, c, p) => {
    const result = mcnemarExact(b, c);
    expect(result.pValue).toBeCloseTo(p, 12);
    expect(result).toMatchObject({ passToFail: b, failToPass: c });
  });

  it("is 1 without discordant pairs and capped at 1 for a balanced split", () => {
    expect(mcnemarExact(0, 0).pValue).toBe(1);
    expect(mcnemarExact(5, 5).pValue).toBe(1);
  });

  it("textbook: 0 vs 6 discordant pairs gives 2 · 2⁻⁶", () => {
    expect(mcnemarExact(0, 6).pValue).toBeCloseTo(2 / 64, 15);
  });

  it("does not underflow for large n", () => {
    expect(binomialCdfHalf(2500, 5000)).toBeGreaterThan(0.5);
    expect(binomialCdfHalf(2500, 5000)).toBeLessThan(0.51);
    expect(mcnemarExact(2000, 3000).pValue).toBeGreaterThan(0);
  });
});
