/**
 * gemmQ8B (B in 8-bit Q8 blocks: int8 codes, one float32 scale per 32 values of B's storage) agrees with the float64
 * reference (every value widened as q·d, then the plain triple loop) to max |native − reference| ≤ 1e-5 ×
 * max(1, max |reference|): the packed path (with and without the shared packing of large products) and the small-M
 * (decode) path, every transpose variant, depths that are and are not a multiple of 32, a leading dimension that puts
 * rows off the block boundaries, bias and accumulate; results independent of the thread count. A kernel reading a
 * block's scale for the wrong block (tested by shifting the scales) fails the check.
 */
import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { Q8Matrix, quantizeQ8, quantizeQ8Blocks } from "../../hf/model/q8-matrix.ts";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import { relErr } from "./compare.test-helpers.ts";
import { nativeKernels, setGemmIsa, setNativeThreads } from "./native.ts";

const native = nativeKernels();
const ref = referenceKernels("f64");
const rng = new Rng(7);
const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);

/** Random weights with block scales varying over four orders of magnitude, as Q8. */
function randomQ8(n: number): Q8Matrix {
  const x = rand(n);
  for (let b = 0; b < n; b += 32) {
    const s = 10 ** (rng.next() * 4 - 3);
    for (let i = b; i < Math.min(n, b + 32); i++) x[i] = (x[i] as number) * s;
  }
  return quantizeQ8(n, (start, count, out) => out.set(x.subarray(start, start + count)));
}

type Case = { M: number; N: number; K: number; ta: boolean; tb: boolean; acc: boolean; bias: boolean; pad?: number };

function check({ M, N, K, ta, tb, acc, bias, pad = 0 }: Case, B = undefined as Q8Matrix | undefined) {
  const lda = ta ? M : K;
  const ldb = (tb ? K : N) + pad;
  const A = rand(M * K);
  const W = B ?? randomQ8(tb ? (N - 1) * ldb + K : (K - 1) * ldb + N);
  const C0 = rand(M * N);
  const b = bias ? rand(N) : null;
  const expected = Float64Array.from(C0);
  ref.gemmQ8B(ta, tb, M, N, K, Float64Array.from(A), lda, W.q, W.d, ldb, expected, N, acc, b && Float64Array.from(b));
  const out = Float32Array.from(C0);
  native.gemmQ8B(ta, tb, M, N, K, A, lda, W.q, W.d, ldb, out, N, acc, b);
  return {
    out,
    expected,
    run: () => {
      const again = Float32Array.from(C0);
      native.gemmQ8B(ta, tb, M, N, K, A, lda, W.q, W.d, ldb, again, N, acc, b);
      return again;
    },
  };
}

describe("gemmQ8B (B in Q8 blocks)", () => {
  afterEach(() => setNativeThreads(availableParallelism()));

  it("matches the float64 reference on the packed and small-M paths, every transpose variant", () => {
    const shapes = [
      { M: 1, N: 70, K: 96 }, // decode: whole blocks per row
      { M: 3, N: 33, K: 70 }, // decode: a tail after the blocks
      { M: 4, N: 130, K: 64, pad: 5 }, // decode: rows off the block boundaries
      { M: 37, N: 45, K: 100 }, // packed, per-task packing
      { M: 200, N: 300, K: 96 }, // packed, shared packing (M·N·K ≥ 200,000, several row blocks)
      { M: 130, N: 270, K: 300, pad: 3 }, // depth over one packed block (KC 256), rows off the block boundaries
    ];
    for (const s of shapes)
      for (const ta of [false, true])
        for (const tb of [false, true]) {
          const { out, expected } = check({ ...s, ta, tb, acc: ta !== tb, bias: tb });
          expect(relErr(out, expected), JSON.stringify({ ...s, ta, tb })).toBeLessThan(1e-5);
        }
  });

  it("matches the reference on every microkernel ISA this CPU runs (the decode path's AVX2 kernel and its plain loop)", () => {
    try {
      for (const isa of ["generic", "avx2", "avx512"] as const) {
        if (!setGemmIsa(isa)) continue;
        for (const s of [
          { M: 1, N: 70, K: 96 },
          { M: 3, N: 33, K: 70 },
          { M: 4, N: 130, K: 64, pad: 5 },
          { M: 37, N: 45, K: 100 },
        ]) {
          const { out, expected } = check({ ...s, ta: false, tb: true, acc: true, bias: true });
          expect(relErr(out, expected), `${isa} ${JSON.stringify(s)}`).toBeLessThan(1e-5);
        }
      }
    } finally {
      setGemmIsa("auto");
    }
  });

  it("gives the same bits on one thread and on all", () => {
    for (const s of [
      { M: 2, N: 600, K: 128, ta: false, tb: true, acc: false, bias: true },
      { M: 200, N: 300, K: 96, ta: false, tb: false, acc: true, bias: false },
    ]) {
      const { out, run } = check(s);
      setNativeThreads(1);
      expect(Buffer.from(run().buffer).equals(Buffer.from(out.buffer))).toBe(true);
      setNativeThreads(availableParallelism());
    }
  });

  it("uses each block's own scale: shifting the scales by one block fails the check", () => {
    const shape = { M: 2, N: 40, K: 64, ta: false, tb: true, acc: false, bias: false };
    const W = randomQ8(40 * 64);
    const shifted = new Q8Matrix(
      W.q,
      Float32Array.from({ length: W.d.length }, (_, i) => W.d[(i + 1) % W.d.length] as number),
    );
    const { expected } = check(shape, W);
    const A = rand(2 * 64);
    const good = new Float32Array(80);
    const bad = new Float32Array(80);
    const want = new Float64Array(80);
    ref.gemmQ8B(false, true, 2, 40, 64, Float64Array.from(A), 64, W.q, W.d, 64, want, 40, false, null);
    native.gemmQ8B(false, true, 2, 40, 64, A, 64, W.q, W.d, 64, good, 40, false, null);
    native.gemmQ8B(false, true, 2, 40, 64, A, 64, shifted.q, shifted.d, 64, bad, 40, false, null);
    expect(expected.length).toBe(80);
    expect(relErr(good, want)).toBeLessThan(1e-5);
    expect(relErr(bad, want)).toBeGreaterThan(1e-2);
  });

  it("checks its arguments", () => {
    const A = rand(16);
    const C = new Float32Array(8);
    const W = randomQ8(32);
    expect(() => native.gemmQ8B(false, true, 2, 4, 8, A, 8, W.q, new Float32Array(0), 8, C, 4, false, null)).toThrow(/Bd: array too short/);
    expect(() => native.gemmQ8B(false, true, 2, 4, 8, A, 8, new Int8Array(31), W.d, 8, C, 4, false, null)).toThrow(/Bq: array too short/);
    expect(() => native.gemmQ8B(false, true, 2, 4, 8, A, 8, W.d as unknown as Int8Array, W.d, 8, C, 4, false, null)).toThrow(
      /Bq: expected an Int8Array/,
    );
  });
});

describe("quantizeQ8", () => {
  it("holds each block as q·d with d = max|x| / 127, |x − q·d| ≤ d/2, zero blocks as zeros", () => {
    const n = 32 * 50 + 7; // a short last block
    const x = rand(n, 3);
    x.fill(0, 64, 96); // an all-zero block
    const m = quantizeQ8(n, (start, count, out) => out.set(x.subarray(start, start + count)));
    expect(m.d.length).toBe(51);
    for (let b = 0; b < m.d.length; b++) {
      let amax = 0;
      for (let i = b * 32; i < Math.min(n, b * 32 + 32); i++) amax = Math.max(amax, Math.abs(x[i] as number));
      const d = m.d[b] as number;
      expect(d).toBe(Math.fround(amax / 127));
      for (let i = b * 32; i < Math.min(n, b * 32 + 32); i++) {
        expect(Math.abs(m.q[i] as number)).toBeLessThanOrEqual(127);
        expect(Math.abs((x[i] as number) - (m.q[i] as number) * d)).toBeLessThanOrEqual(d / 2 + 1e-7 * amax);
      }
    }
    expect([...m.q.subarray(64, 96)].every((v) => v === 0)).toBe(true);
  });

  it("quantizes the same whatever the chunk the values arrive in", () => {
    const n = (1 << 20) + 1000; // more than one widening chunk
    const x = rand(n);
    const a = quantizeQ8(n, (start, count, out) => out.set(x.subarray(start, start + count)));
    const b = quantizeQ8(n, (start, count, out) => {
      for (let i = 0; i < count; i++) out[i] = x[start + i] as number;
    });
    expect(Buffer.from(a.q.buffer).equals(Buffer.from(b.q.buffer))).toBe(true);
    expect(Buffer.from(a.d.buffer).equals(Buffer.from(b.d.buffer))).toBe(true);
  });

  it("native q8Quantize writes the reference's codes and scales bit for bit, on one thread and on all", () => {
    const n = 32 * 5000 + 13;
    const x = rand(n);
    for (let b = 0; b < n; b += 32) {
      const s = 10 ** (rng.next() * 60 - 40); // tiny to huge blocks
      for (let i = b; i < Math.min(n, b + 32); i++) x[i] = (x[i] as number) * s;
    }
    x.fill(0, 320, 352); // an all-zero block
    // a block whose scale is exactly 1 (max 127): x/d lands on ties, which Math.round sends towards +infinity
    x.set([127, 2.5, -2.5, 0.5, -0.5, 126.5, -126.5, 1.5, -1.5], 640);
    x.fill(0, 649, 672);
    const want = { q: new Int8Array(n), d: new Float32Array(Math.ceil(n / 32)) };
    quantizeQ8Blocks(x, n, want.q, want.d);
    expect([...want.q.subarray(640, 649)]).toEqual([127, 3, -2, 1, 0, 127, -126, 2, -1]);
    for (const threads of [1, availableParallelism()]) {
      setNativeThreads(threads);
      const got = { q: new Int8Array(n), d: new Float32Array(Math.ceil(n / 32)) };
      native.q8Quantize(x, n, got.q, got.d);
      expect(Buffer.from(got.q.buffer).equals(Buffer.from(want.q.buffer)), `codes, ${threads} threads`).toBe(true);
      expect(Buffer.from(got.d.buffer).equals(Buffer.from(want.d.buffer)), `scales, ${threads} threads`).toBe(true);
    }
    expect(() => native.q8Quantize(x, n, new Int8Array(n - 1), want.d)).toThrow(/q: array too short/);
    expect(() => native.q8Quantize(x, n, want.q, new Float32Array(10))).toThrow(/d: array too short/);
  });
});
