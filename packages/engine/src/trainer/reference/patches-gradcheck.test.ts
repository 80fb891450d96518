/**
 * Gradient check of the patch extraction (ViT im2col) in float64: for L = sum(patchify(x) · R),
 * unpatchify(R) is dL/dx, against central differences; plus the layout patchify promises.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../train/rng.ts";
import { patchify, unpatchify } from "./patches.ts";

const rng = new Rng(5);
const rand = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

describe("patch extraction (reference, float64)", () => {
  it("puts the P×P block at grid (gy, gx) of image i in row i·grid + gy·gw + gx as [py, px, c]", () => {
    const [n, H, W, C, P] = [2, 4, 6, 3, 2];
    const img = Float64Array.from({ length: n * H * W * C }, (_, i) => i);
    const out = new Float64Array(img.length);
    patchify(img, out, n, H, W, C, P);
    const pd = P * P * C;
    // image 1, grid (1, 2): pixel (y 3, x 5), channel 2 is the last element of its patch
    const row = 1 * (H / P) * (W / P) + 1 * (W / P) + 2;
    expect(out[row * pd + pd - 1]).toBe(((1 * H + 3) * W + 5) * C + 2);
    expect(out[0]).toBe(0);
    expect(out[C]).toBe(C); // (py 0, px 1) is the next pixel of row 0
    expect(out[P * C]).toBe(W * C); // (py 1, px 0) is the next image row
  });

  it("unpatchify is dL/dx of L = sum(patchify(x) · R), against central differences", () => {
    const [n, H, W, C, P] = [2, 4, 4, 2, 2];
    const x = rand(n * H * W * C);
    const R = rand(x.length);
    const y = new Float64Array(x.length);
    const L = () => {
      patchify(x, y, n, H, W, C, P);
      return dot(y, R);
    };
    const dx = new Float64Array(x.length);
    unpatchify(R, dx, n, H, W, C, P);
    for (let s = 0; s < 16; s++) {
      const i = Math.floor(rng.next() * x.length);
      const orig = x[i] as number;
      x[i] = orig + 1e-6;
      const up = L();
      x[i] = orig - 1e-6;
      const down = L();
      x[i] = orig;
      expect(Math.abs((up - down) / 2e-6 - (dx[i] as number))).toBeLessThan(1e-6);
    }
  });

  it("refuses sizes that are not multiples of the patch", () => {
    expect(() => patchify(new Float64Array(30), new Float64Array(30), 1, 5, 2, 3, 2)).toThrow(/multiples/);
  });
});
