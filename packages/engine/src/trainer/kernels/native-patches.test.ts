/** The native patch extraction (ViT im2col) and its backward pass equal the reference exactly, for any thread count. */
import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { patchify, unpatchify } from "../reference/patches.ts";
import { Rng } from "../train/rng.ts";
import { nativeKernels, setNativeThreads } from "./native.ts";

const native = nativeKernels();
const rng = new Rng(9);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

afterEach(() => setNativeThreads(availableParallelism()));

describe("native patchify / unpatchify", () => {
  it.each([
    [3, 32, 32, 3, 8],
    [2, 64, 64, 3, 8],
    [1, 6, 4, 1, 2],
  ])("equal the reference bit for bit (%i images %i×%i×%i, P %i), on 1 and 2 threads", (n, H, W, C, P) => {
    const img = rand(n * H * W * C);
    const want = new Float32Array(img.length);
    patchify(img, want, n, H, W, C, P);
    for (const threads of [1, 2]) {
      setNativeThreads(threads);
      const got = new Float32Array(img.length);
      native.patchify(img, got, n, H, W, C, P);
      expect(got).toEqual(want);
      const back = new Float32Array(img.length);
      native.unpatchify(got, back, n, H, W, C, P);
      const wantBack = new Float32Array(img.length);
      unpatchify(want, wantBack, n, H, W, C, P);
      expect(back).toEqual(wantBack);
      expect(back).toEqual(img);
    }
  });

  it("refuses sizes that are not multiples of the patch and arrays too short", () => {
    expect(() => native.patchify(rand(30), rand(30), 1, 5, 2, 3, 2)).toThrow(/multiples/);
    expect(() => native.patchify(rand(10), rand(48), 1, 4, 4, 3, 2)).toThrow(/too short/);
  });
});
