import { describe, expect, it } from "vitest";
import { wilsonInterval } from "./wilson.ts";

// Reference values: scipy 1.17.1,
//   stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
const SCIPY: Array<[number, number, number, number]> = [
  [0, 10, 0.0, 0.27753279986288926],
  [10, 10, 0.7224672001371109, 1.0],
  [7, 20, 0.1811918241010821, 0.5671457233147637],
  [81, 263, 0.2552885198782742, 0.36620957698280004],
  [1, 1, 0.20654931437723745, 1.0],
];

describe("wilsonInterval", () => {
  it.each(SCIPY)("%i/%i matches scipy", (k, n, low, high) => {
    const ci = wilsonInterval(k, n);
    expect(ci?.low).toBeCloseTo(low, 12);
    expect(ci?.high).toBeCloseTo(high, 12);
  });

  it("is null without observations", () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});
