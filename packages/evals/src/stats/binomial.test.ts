import { describe, expect, it } from "vitest";
import fixture from "./binomial.fixture.json" with { type: "json" };
import { binomial, INVERSION_MEAN, logFactorial } from "./binomial.ts";
import { fitToBins } from "./goodness-of-fit.test-helpers.ts";
import { mulberry32 } from "./prng.ts";

// Reference: binomial_reference.py beside this file (Python's exact integers, no sampling): the probabilities of each
// case grouped into bins, and the chi-square and Kolmogorov-Smirnov bounds at the fixture's alpha (1e-4). The draws are
// seeded, so each check gives the same answer every run; a correct sampler passes each with probability 1 − alpha.

type Case = (typeof fixture.binomial)[number];
const label = (c: Case) => `Binomial(${c.n}, ${c.p[0]}/${c.p[1]})`;

function draws(n: number, p: number, count: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = binomial(n, p, random);
  return out;
}

describe("binomial", () => {
  it.each(fixture.binomial.map((c) => [label(c), c] as const))("draws %s with the exact probabilities", (_, c) => {
    const p = (c.p[0] as number) / (c.p[1] as number);
    const sample = draws(c.n, p, c.draws, 17);
    const fit = fitToBins(sample, c.bins);
    expect(fit.chiSquare).toBeLessThan(c.chiSquareCritical);
    expect(fit.ks).toBeLessThan(c.ksCritical);
    // the mean within 5 standard errors
    let sum = 0;
    for (const x of sample) sum += x;
    expect(Math.abs(sum / c.draws - c.mean)).toBeLessThan(5 * Math.sqrt(c.variance / c.draws));
  });

  it("covers both methods with the cases above (inversion below a mean of INVERSION_MEAN, BTRS from it)", () => {
    const means = fixture.binomial.map(
      (c) => (c.n * Math.min(c.p[0] as number, (c.p[1] as number) - (c.p[0] as number))) / (c.p[1] as number),
    );
    expect(means.some((m) => m > 1 && m < INVERSION_MEAN)).toBe(true);
    expect(means.some((m) => m === INVERSION_MEAN)).toBe(true);
    expect(means.some((m) => m > 1_000)).toBe(true);
  });

  it("rejects a sampler slightly off (the checks above can fail)", () => {
    for (const [n, a, d] of [
      [1_000, 1, 2],
      [10_000, 3, 2_500],
      [40, 6, 25],
    ] as const) {
      const c = fixture.binomial.find((x) => x.n === n && x.p[0] === a && x.p[1] === d) as Case;
      // p one percent too large
      const fit = fitToBins(draws(n, (a / d) * 1.01, c.draws, 17), c.bins);
      expect(fit.chiSquare).toBeGreaterThan(c.chiSquareCritical);
    }
    // the right mean with the wrong spread: n·p rounded to the nearest count plus or minus one at random
    const c = fixture.binomial.find((x) => x.n === 10_000 && x.p[0] === 3) as Case;
    const random = mulberry32(3);
    const wrong = Float64Array.from({ length: c.draws }, () => 12 + Math.floor(random() * 7) - 3);
    expect(fitToBins(wrong, c.bins).chiSquare).toBeGreaterThan(c.chiSquareCritical);
  });

  it("is certain at the edges and reproducible for a seed", () => {
    const random = mulberry32(1);
    expect(binomial(0, 0.3, random)).toBe(0);
    expect(binomial(12, 0, random)).toBe(0);
    expect(binomial(12, 1, random)).toBe(12);
    expect(binomial(12, 1.5, random)).toBe(12);
    expect(draws(500, 0.3, 50, 9)).toEqual(draws(500, 0.3, 50, 9));
    expect(draws(500, 0.3, 50, 9)).not.toEqual(draws(500, 0.3, 50, 10));
  });
});

describe("logFactorial", () => {
  it("is ln(k!) on both sides of the table", () => {
    expect(logFactorial(0)).toBe(0);
    expect(logFactorial(1)).toBe(0);
    expect(logFactorial(5)).toBeCloseTo(Math.log(120), 14);
    // ln(k!) − ln((k−1)!) = ln k across the switch to Stirling's series, and far past it
    for (const k of [255, 256, 257, 1_000, 65_535]) expect(logFactorial(k) - logFactorial(k - 1)).toBeCloseTo(Math.log(k), 9);
    // ln(300!) from the table's ln(255!) plus the logs in between
    let sum = logFactorial(255);
    for (let i = 256; i <= 300; i++) sum += Math.log(i);
    expect(logFactorial(300) / sum).toBeCloseTo(1, 14);
  });
});
