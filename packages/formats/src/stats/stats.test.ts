import { describe, expect, it } from "vitest";
import { distribution } from "./distribution.ts";
import { billingTokensPerEpoch, defaultEpochs } from "./epochs.ts";

describe("OpenAI's default-epochs rule", () => {
  it.each([
    [1, 25], // 100 / 1 = 100, capped at 25
    [5, 20], // 5 x 3 < 100: floor(100 / 5)
    [30, 3], // 90 < 100: floor(100 / 30) = 3
    [34, 3], // 102 >= 100: target 3
    [8_000, 3],
    [8_334, 2], // 25,002 > 25,000: floor(25,000 / 8,334) = 2
    [10_000, 2],
    [30_000, 1],
  ])("%i examples -> %i epochs", (examples, epochs) => {
    expect(defaultEpochs(examples)).toBe(epochs);
  });

  it("bills each example up to the context limit", () => {
    expect(billingTokensPerEpoch([10, 5000, 20000], 16_385)).toBe(10 + 5000 + 16_385);
  });
});

describe("distribution", () => {
  it("matches numpy's percentiles (linear interpolation)", () => {
    // numpy: np.percentile([3, 9, 2, 2, 3], [5, 95]) -> [2.0, 7.8]; mean 3.8
    expect(distribution([3, 9, 2, 2, 3])).toEqual({ min: 2, max: 9, mean: 3.8, p5: 2, p95: expect.closeTo(7.8, 10), total: 19 });
    // np.percentile(range(1, 101), [5, 95]) -> [5.95, 95.05]
    const d = distribution(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(d.p5).toBeCloseTo(5.95, 10);
    expect(d.p95).toBeCloseTo(95.05, 10);
  });
});
