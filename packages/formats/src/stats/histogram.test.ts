import { describe, expect, it } from "vitest";
import { histogram } from "./histogram.ts";

// Expected counts are numpy's: np.histogram(values, bins=n) with the same n.
describe("histogram", () => {
  it("counts equal-width bins from the minimum to the maximum, the last bin closed", () => {
    // np.histogram([1, 2, 2, 3, 10], bins=3) -> counts [4, 0, 1], edges [1, 4, 7, 10]
    expect(histogram([1, 2, 2, 3, 10], 3)).toEqual({ start: 1, width: 3, counts: [4, 0, 1] });
    // np.histogram(range(100), bins=30): 30 bins of width 3.3; counts as below
    const h = histogram(
      Array.from({ length: 100 }, (_, i) => i),
      30,
    );
    expect(h.counts).toHaveLength(30);
    expect(h.width).toBeCloseTo(3.3, 12);
    expect(h.counts).toEqual([4, 3, 3, 4, 3, 3, 4, 3, 3, 3, 4, 3, 3, 4, 3, 3, 4, 3, 3, 3, 4, 3, 3, 4, 3, 3, 4, 3, 3, 4]);
  });

  it("uses fewer bins for integers spanning fewer values, and numpy's ±0.5 for a single value", () => {
    // values 5..8 (4 distinct integers): 4 bins of width 0.75, np.histogram([5,6,6,7,8], bins=4) -> [1, 2, 1, 1]
    expect(histogram([5, 6, 6, 7, 8])).toEqual({ start: 5, width: 0.75, counts: [1, 2, 1, 1] });
    // np.histogram([7, 7, 7], bins=1) -> counts [3], edges [6.5, 7.5]
    expect(histogram([7, 7, 7])).toEqual({ start: 6.5, width: 1, counts: [3] });
    expect(histogram([])).toEqual({ start: 0, width: 1, counts: [] });
  });
});
