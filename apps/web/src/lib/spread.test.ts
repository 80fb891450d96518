import { describe, expect, it } from "vitest";
import { spreadOffsets } from "./spread.ts";

describe("spreadOffsets", () => {
  it("leaves marks that are far enough apart where they are", () => {
    expect(spreadOffsets([0, 20, 40], 9)).toEqual([0, 0, 0]);
  });

  it("lays out marks at one position side by side, centred on it", () => {
    expect(spreadOffsets([100, 100, 100], 9)).toEqual([-9, 0, 9]);
  });

  it("groups marks that are close but not equal, centred on their mean, gap apart", () => {
    const xs = [50, 53, 56, 200];
    const offsets = spreadOffsets(xs, 9);
    const placed = xs.map((x, i) => x + (offsets[i] ?? 0));
    expect(placed.slice(0, 3)).toEqual([44, 53, 62]);
    expect(placed[3]).toBe(200);
    for (let i = 1; i < placed.length; i++) expect((placed[i] ?? 0) - (placed[i - 1] ?? 0)).toBeGreaterThanOrEqual(9);
  });

  it("chains: a mark close to the previous one joins its group", () => {
    const placed = [0, 5, 10, 15].map((x, i, xs) => x + (spreadOffsets(xs, 9)[i] ?? 0));
    expect(placed).toEqual([-6, 3, 12, 21]);
    expect(spreadOffsets([], 9)).toEqual([]);
  });
});
