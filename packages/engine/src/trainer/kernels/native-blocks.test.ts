/**
 * gemmQ8B and gemmQ4B (B in 8-bit Q8 or 4-bit Q4 blocks: codes and one float32 scale per 32 values of B's storage)
 * agree with the float64 reference (every value widened as q·d or (c − 8)·d, then the plain triple loop) to
 * max |native − reference| ≤ 1e-5 × max(1, max |reference|): the packed path (with and without the shared packing of
 * large products) and the small-M (decode) path, every transpose variant, depths that are and are not a multiple of
 * 32, a leading dimension that puts rows off the block boundaries, bias and accumulate; results independent of the
 * thread count. A kernel reading a block's scale for the wrong block (tested by shifting the scales) fails the check.
 */
import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { Q4Matrix, q4Code, quantizeQ4, quantizeQ4Blocks } from "../../hf/model/q4-matrix.ts";
import { Q8Matrix, quantizeQ8, quantizeQ8Blocks } from "../../hf/model/q8-matrix.ts";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import { relErr } from "./compare.test-helpers.ts";
import { nativeKernels, setGemmIsa, setNativeThreads } from "./native.ts";
import type { Kernels, Vec } from "./types.ts";

const native = nativeKernels();
const ref = referenceKernels("f64");
const rng = new Rng(7);
const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);

/** Random weights with block scales varying over four orders of magnitude. */
function randomValues(n: number): Float32Array {
  const x = rand(n);
  for (let b = 0; b < n; b += 32) {
    const s = 10 ** (rng.next() * 4 - 3);
    for (let i = b; i < Math.min(n, b + 32); i++) x[i] = (x[i] as number) * s;
  }
  return x;
}

type Blocks = Q8Matrix | Q4Matrix;

/**
 * Values for the quantizers' bit-for-bit checks: 5,000 blocks and a short one, tiny to huge magnitudes, an all-zero
 * block, and at 640 `ties` (a block whose scale comes out exactly ±1, so x / d lands on ties), zeros after them.
 */
function quantizerInput(ties: number[]): { x: Float32Array; n: number } {
  const n = 32 * 5000 + 13;
  const x = rand(n);
  for (let b = 0; b < n; b += 32) {
    const s = 10 ** (rng.next() * 60 - 40);
    for (let i = b; i < Math.min(n, b + 32); i++) x[i] = (x[i] as number) * s;
  }
  x.fill(0, 320, 352);
  x.set(ties, 640);
  x.fill(0, 640 + ties.length, 672);
  return { x, n };
}

/** `native` writes the same codes and scales as `reference`, on one thread and on all. */
function expectSameBits<Q extends Int8Array | Uint8Array>(
  quantize: (q: Q, d: Float32Array) => void,
  reference: { q: Q; d: Float32Array },
  make: () => { q: Q; d: Float32Array },
): void {
  for (const threads of [1, availableParallelism()]) {
    setNativeThreads(threads);
    const got = make();
    quantize(got.q, got.d);
    expect(Buffer.from(got.q.buffer).equals(Buffer.from(reference.q.buffer)), `codes, ${threads} threads`).toBe(true);
    expect(Buffer.from(got.d.buffer).equals(Buffer.from(reference.d.buffer)), `scales, ${threads} threads`).toBe(true);
  }
}
type GemmArgs = [boolean, boolean, number, number, number, Vec, number];

/** One block format: how to make a random matrix, and its product through a kernel set. */
interface Format {
  name: string;
  random(n: number): Blocks;
  /** The same codes with the scales shifted by one block. */
  shiftScales(m: Blocks): Blocks;
  gemm(k: Kernels, args: GemmArgs, W: Blocks, ldb: number, C: Vec, ldc: number, acc: boolean, bias: Vec | null): void;
}

const shifted = (d: Float32Array) => Float32Array.from({ length: d.length }, (_, i) => d[(i + 1) % d.length] as number);
const fill = (x: Float32Array) => (start: number, count: number, out: Float32Array) => out.set(x.subarray(start, start + count));

const FORMATS: Format[] = [
  {
    name: "gemmQ8B (Q8 blocks)",
    random: (n) => quantizeQ8(n, fill(randomValues(n))),
    shiftScales: (m) => new Q8Matrix((m as Q8Matrix).q, shifted(m.d)),
    gemm: (k, a, W, ldb, C, ldc, acc, bias) => k.gemmQ8B(...a, (W as Q8Matrix).q, W.d, ldb, C, ldc, acc, bias),
  },
  {
    name: "gemmQ4B (Q4 blocks)",
    random: (n) => quantizeQ4(n, fill(randomValues(n))),
    shiftScales: (m) => new Q4Matrix((m as Q4Matrix).q, shifted(m.d), m.length),
    gemm: (k, a, W, ldb, C, ldc, acc, bias) => k.gemmQ4B(...a, (W as Q4Matrix).q, W.d, ldb, C, ldc, acc, bias),
  },
];

type Case = { M: number; N: number; K: number; ta: boolean; tb: boolean; acc: boolean; bias: boolean; pad?: number };

describe.each(FORMATS)("$name", (format) => {
  afterEach(() => setNativeThreads(availableParallelism()));

  function check({ M, N, K, ta, tb, acc, bias, pad = 0 }: Case, B = undefined as Blocks | undefined) {
    const lda = ta ? M : K;
    const ldb = (tb ? K : N) + pad;
    const A = rand(M * K);
    const W = B ?? format.random(tb ? (N - 1) * ldb + K : (K - 1) * ldb + N);
    const C0 = rand(M * N);
    const b = bias ? rand(N) : null;
    const expected = Float64Array.from(C0);
    format.gemm(ref, [ta, tb, M, N, K, Float64Array.from(A), lda], W, ldb, expected, N, acc, b && Float64Array.from(b));
    const out = Float32Array.from(C0);
    format.gemm(native, [ta, tb, M, N, K, A, lda], W, ldb, out, N, acc, b);
    return {
      out,
      expected,
      run: () => {
        const again = Float32Array.from(C0);
        format.gemm(native, [ta, tb, M, N, K, A, lda], W, ldb, again, N, acc, b);
        return again;
      },
    };
  }

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
    const W = format.random(40 * 64);
    const A = rand(2 * 64);
    const good = new Float32Array(80);
    const bad = new Float32Array(80);
    const want = new Float64Array(80);
    format.gemm(ref, [false, true, 2, 40, 64, Float64Array.from(A), 64], W, 64, want, 40, false, null);
    format.gemm(native, [false, true, 2, 40, 64, A, 64], W, 64, good, 40, false, null);
    format.gemm(native, [false, true, 2, 40, 64, A, 64], format.shiftScales(W), 64, bad, 40, false, null);
    expect(relErr(good, want)).toBeLessThan(1e-5);
    expect(relErr(bad, want)).toBeGreaterThan(1e-2);
  });
});

describe("block kernels' argument checks", () => {
  it("gemmQ8B and gemmQ4B check their arguments", () => {
    const A = rand(16);
    const C = new Float32Array(8);
    const W = quantizeQ8(32, fill(rand(32)));
    expect(() => native.gemmQ8B(false, true, 2, 4, 8, A, 8, W.q, new Float32Array(0), 8, C, 4, false, null)).toThrow(/Bd: array too short/);
    expect(() => native.gemmQ8B(false, true, 2, 4, 8, A, 8, new Int8Array(31), W.d, 8, C, 4, false, null)).toThrow(/Bq: array too short/);
    expect(() => native.gemmQ8B(false, true, 2, 4, 8, A, 8, W.d as unknown as Int8Array, W.d, 8, C, 4, false, null)).toThrow(
      /Bq: expected an Int8Array/,
    );
    const W4 = quantizeQ4(32, fill(rand(32)));
    expect(() => native.gemmQ4B(false, true, 2, 4, 8, A, 8, W4.q, new Float32Array(0), 8, C, 4, false, null)).toThrow(
      /Bd: array too short/,
    );
    expect(() => native.gemmQ4B(false, true, 2, 4, 8, A, 8, new Uint8Array(15), W4.d, 8, C, 4, false, null)).toThrow(/Bq: array too short/);
    expect(() =>
      native.gemmQ4B(false, true, 2, 4, 8, A, 8, new Int8Array(16) as unknown as Uint8Array, W4.d, 8, C, 4, false, null),
    ).toThrow(/Bq: expected a Uint8Array/);
  });
});

describe("quantizeQ8", () => {
  it("holds each block as q·d with d = max|x| / 127, |x − q·d| ≤ d/2, zero blocks as zeros", () => {
    const n = 32 * 50 + 7; // a short last block
    const x = rand(n, 3);
    x.fill(0, 64, 96); // an all-zero block
    const m = quantizeQ8(n, fill(x));
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
    // scale exactly 1 (max 127): Math.round sends ties towards +infinity
    const { x, n } = quantizerInput([127, 2.5, -2.5, 0.5, -0.5, 126.5, -126.5, 1.5, -1.5]);
    const make = () => ({ q: new Int8Array(n), d: new Float32Array(Math.ceil(n / 32)) });
    const want = make();
    quantizeQ8Blocks(x, n, want.q, want.d);
    expect([...want.q.subarray(640, 649)]).toEqual([127, 3, -2, 1, 0, 127, -126, 2, -1]);
    expectSameBits((q, d) => native.q8Quantize(x, n, q, d), want, make);
    expect(() => native.q8Quantize(x, n, new Int8Array(n - 1), want.d)).toThrow(/q: array too short/);
    expect(() => native.q8Quantize(x, n, want.q, new Float32Array(10))).toThrow(/d: array too short/);
  });
});

describe("quantizeQ4", () => {
  it("holds each block as (c − 8)·d with d = m / −8 (m the value of largest magnitude): within d/2, or d for values near −m", () => {
    const n = 32 * 50 + 7; // a short last block
    const x = rand(n, 3);
    x.fill(0, 64, 96); // an all-zero block
    const m = quantizeQ4(n, fill(x));
    expect(m.d.length).toBe(51);
    expect(m.q.length).toBe(51 * 16);
    for (let b = 0; b < m.d.length; b++) {
      let big = 0;
      for (let i = b * 32; i < Math.min(n, b * 32 + 32); i++) if (Math.abs(x[i] as number) > Math.abs(big)) big = x[i] as number;
      const d = m.d[b] as number;
      expect(d).toBe(Math.fround(big / -8));
      for (let i = b * 32; i < Math.min(n, b * 32 + 32); i++) {
        const v = (q4Code(m.q, i) - 8) * d;
        const step = Math.abs(d);
        // codes reach 15 (7·d) at most: values beyond 7.5 steps towards −m are clamped, within one step
        const bound = (x[i] as number) / d > 7.5 ? step : step / 2;
        expect(Math.abs((x[i] as number) - v)).toBeLessThanOrEqual(bound + 1e-6 * Math.abs(big));
      }
      // the largest value is held exactly
      if (big !== 0)
        expect(Math.fround((q4Code(m.q, b * 32 + [...x.subarray(b * 32, b * 32 + 32)].indexOf(big)) - 8) * d)).toBe(Math.fround(big));
    }
    for (let i = 64; i < 96; i++) expect(q4Code(m.q, i)).toBe(8);
    // the short last block's missing values are held as zeros
    for (let i = n; i < 51 * 32; i++) expect(q4Code(m.q, i)).toBe(8);
  });

  it("lays each block out as Q4_0 does: byte j holds value j (low nibble) and value j + 16 (high nibble)", () => {
    const x = Float32Array.from({ length: 32 }, (_, i) => (i === 0 ? -8 : i < 16 ? (i % 8) - 4 : ((i - 16) % 8) - 3));
    const m = quantizeQ4(32, fill(x));
    expect(m.d[0]).toBe(1); // -8 / -8
    for (let j = 0; j < 16; j++) {
      const lo = Math.round((x[j] as number) / 1) + 8;
      const hi = Math.round((x[j + 16] as number) / 1) + 8;
      expect(m.q[j], `byte ${j}`).toBe(Math.min(15, lo) | (Math.min(15, hi) << 4));
    }
  });

  it("native q4Quantize writes the reference's codes and scales bit for bit, on one thread and on all", () => {
    // scale exactly -1 (m = 8): Math.round sends ties towards +infinity
    const { x, n } = quantizerInput([8, 2.5, -2.5, 0.5, -0.5, 7.5, -7.5, 1.5, -1.5, -8]);
    const blocks = Math.ceil(n / 32);
    const make = () => ({ q: new Uint8Array(16 * blocks), d: new Float32Array(blocks) });
    const want = make();
    quantizeQ4Blocks(x, n, want.q, want.d);
    // codes are round(x / -1) + 8: 8 → 0, 2.5 → round(-2.5) = -2 → 6, -2.5 → 3 → 11, …; -8 → 16, clamped to 15
    expect(Array.from({ length: 10 }, (_, i) => q4Code(want.q, 640 + i))).toEqual([0, 6, 11, 8, 9, 1, 15, 7, 10, 15]);
    expectSameBits((q, d) => native.q4Quantize(x, n, q, d), want, make);
    expect(() => native.q4Quantize(x, n, new Uint8Array(16 * blocks - 1), want.d)).toThrow(/q: array too short/);
    expect(() => native.q4Quantize(x, n, want.q, new Float32Array(10))).toThrow(/d: array too short/);
  });
});
