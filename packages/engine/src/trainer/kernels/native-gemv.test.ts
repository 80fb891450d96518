/**
 * The decode-time matmuls agree with the float64 reference to max |native − reference| ≤ 1e-5 ×
 * max(1, max |reference|): gemm's small-M path (M ≤ 4, dot products over contiguous rows of B when
 * transB) on every microkernel ISA this CPU runs, and gemmBf16B (B in bfloat16) on both the
 * packed and the small-M path, every transpose variant; gemmF16B (B in IEEE half, subnormals included) the same;
 * results independent of the thread count.
 */
import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import { relErr } from "./compare.test-helpers.ts";
import { nativeKernels, setGemmIsa, setNativeThreads } from "./native.ts";

const native = nativeKernels();
const ref = referenceKernels("f64");
const rng = new Rng(41);
const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);

/** float32 → bf16 bits, rounding to nearest even (what torch's .to(bfloat16) does for finite values). */
function toBf16(x: Float32Array): Uint16Array {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  return Uint16Array.from(bits, (b) => (b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
}

/** Random IEEE half bits: finite values of either sign, about 2^-6 to 4, one in 16 subnormal. */
function randomHalves(n: number): Uint16Array {
  return Uint16Array.from({ length: n }, () => {
    const sign = rng.next() < 0.5 ? 0x8000 : 0;
    const exp = rng.next() < 1 / 16 ? 0 : 9 + Math.floor(rng.next() * 8);
    return sign | (exp << 10) | Math.floor(rng.next() * 1024);
  });
}

type BType = "f32" | "bf16" | "f16";

const same = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

type Case = { M: number; N: number; K: number; ta: boolean; tb: boolean; acc: boolean; bias: boolean };

/** One product's inputs (B exactly representable in bf16, or IEEE halves for f16) and its float64 reference result. */
function prepare({ M, N, K, ta, tb, acc, bias }: Case, type: BType) {
  const A = rand(M * K);
  const Bh = type === "f16" ? randomHalves(K * N) : toBf16(rand(K * N));
  const Bf = new Float32Array(K * N);
  if (type === "f16") ref.f16ToF32(Bh, Bf, K * N);
  else ref.bf16ToF32(Bh, Bf, K * N);
  const C = rand(M * N);
  const b = bias ? rand(N) : null;
  const [lda, ldb] = [ta ? M : K, tb ? K : N];
  const expected = Float64Array.from(C);
  ref.gemm(ta, tb, M, N, K, Float64Array.from(A), lda, Float64Array.from(Bf), ldb, expected, N, acc, b && Float64Array.from(b));
  /** The native product's relative error. */
  return () => {
    const out = Float32Array.from(C);
    if (type === "bf16") native.gemmBf16B(ta, tb, M, N, K, A, lda, Bh, ldb, out, N, acc, b);
    else if (type === "f16") native.gemmF16B(ta, tb, M, N, K, A, lda, Bh, ldb, out, N, acc, b);
    else native.gemm(ta, tb, M, N, K, A, lda, Bf, ldb, out, N, acc, b);
    return relErr(out, expected);
  };
}

function* cases(shapes: readonly (readonly [number, number, number])[]): Generator<Case> {
  for (const [M, N, K] of shapes)
    for (const ta of [false, true])
      for (const tb of [false, true]) for (const acc of [false, true]) yield { M, N, K, ta, tb, acc, bias: acc !== tb };
}

const SMALL: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [1, 9, 7],
  [2, 130, 29],
  [3, 37, 577],
  [4, 200, 64],
  [1, 70, 896],
  [4, 19, 33],
];
const PACKED: readonly (readonly [number, number, number])[] = [
  [37, 45, 29],
  [29, 33, 300],
  [5, 70, 96],
];

/** Every case against every ISA this CPU runs (the reference computed once per case). */
function acrossIsas(shapes: readonly (readonly [number, number, number])[], type: BType): void {
  const runs = [...cases(shapes)].map((c) => [JSON.stringify(c), prepare(c, type)] as const);
  for (const isa of ["generic", "avx2", "avx512"] as const) {
    if (!setGemmIsa(isa)) continue;
    for (const [what, run] of runs) expect(run(), `${isa} ${what}`).toBeLessThanOrEqual(1e-5);
  }
}

afterEach(() => {
  setGemmIsa("auto");
  setNativeThreads(availableParallelism());
});

describe("decode matmuls vs reference", () => {
  it("gemm with M ≤ 4 on every ISA this CPU runs: transposes, odd K and N, bias, accumulate", () => {
    acrossIsas(SMALL, "f32");
  });

  it("gemmBf16B on the packed path and the small-M path on every ISA, every transpose variant", () => {
    acrossIsas([...SMALL, ...PACKED], "bf16");
  });

  it("gemmF16B (IEEE halves, subnormals included) on the packed path and the small-M path on every ISA", () => {
    acrossIsas([...SMALL, ...PACKED], "f16");
  });

  it("gemmF16B equals gemm on weights widened by f16ToF32, bit for bit, on both paths", () => {
    const [N, K] = [300, 577];
    const A = rand(13 * K);
    const Wh = randomHalves(N * K);
    const Ww = new Float32Array(N * K);
    native.f16ToF32(Wh, Ww, N * K);
    for (const m of [1, 3, 13]) {
      const [x, y] = [new Float32Array(m * N), new Float32Array(m * N)];
      native.gemmF16B(false, true, m, N, K, A, K, Wh, K, x, N, false, null);
      native.gemm(false, true, m, N, K, A, K, Ww, K, y, N, false, null);
      expect(same(x, y), `M=${m}`).toBe(true);
      const [dx, dy] = [new Float32Array(m * K), new Float32Array(m * K)];
      native.gemmF16B(false, false, m, K, N, x, N, Wh, K, dx, K, false, null);
      native.gemm(false, false, m, K, N, x, N, Ww, K, dy, K, false, null);
      expect(same(dx, dy), `M=${m}, not transposed`).toBe(true);
    }
  });

  it("the small-M path equals the packed path to float rounding, and gemmBf16B equals gemm on widened weights", () => {
    const [M, N, K] = [13, 700, 577];
    const A = rand(M * K);
    const W = rand(N * K);
    const full = new Float32Array(M * N);
    native.gemm(false, true, M, N, K, A, K, W, K, full, N, false, null); // M > 4: packed
    const rows = new Float32Array(4 * N);
    native.gemm(false, true, 4, N, K, A.subarray(5 * K), K, W, K, rows, N, false, null); // rows 5..8, small-M path
    expect(relErr(rows, Float64Array.from(full.subarray(5 * N, 9 * N)))).toBeLessThanOrEqual(1e-6);
    const Wh = toBf16(W);
    const Ww = new Float32Array(N * K);
    native.bf16ToF32(Wh, Ww, N * K);
    for (const m of [1, 3, 13]) {
      const [x, y] = [new Float32Array(m * N), new Float32Array(m * N)];
      native.gemmBf16B(false, true, m, N, K, A, K, Wh, K, x, N, false, null);
      native.gemm(false, true, m, N, K, A, K, Ww, K, y, N, false, null);
      expect(same(x, y), `M=${m}`).toBe(true); // same path, same float32 arithmetic
    }
  });

  it("results do not depend on the thread count (bit-identical), on both paths", () => {
    const [N, K] = [1500, 577];
    const A = rand(64 * K);
    const W = rand(N * K);
    const Wh = toBf16(W);
    const run = () =>
      [1, 2, 4, 64].flatMap((M) => {
        const [c1, c2, c3] = [new Float32Array(M * N), new Float32Array(M * N), new Float32Array(M * K)];
        native.gemm(false, true, M, N, K, A, K, W, K, c1, N, false, null);
        native.gemmBf16B(false, true, M, N, K, A, K, Wh, K, c2, N, false, null);
        native.gemmBf16B(false, false, M, K, N, c2, N, Wh, K, c3, K, false, null);
        return [c1, c2, c3];
      });
    setNativeThreads(1);
    const one = run();
    setNativeThreads(3);
    const three = run();
    for (const [i, a] of one.entries()) expect(same(a, three[i] as Float32Array), `output ${i}`).toBe(true);
  });

  it("gemmBf16B checks its arguments", () => {
    const A = rand(2 * 8);
    const C = new Float32Array(2 * 4);
    expect(() => native.gemmBf16B(false, true, 2, 4, 8, A, 8, rand(32) as unknown as Uint16Array, 8, C, 4, false, null)).toThrow(
      /Uint16Array/,
    );
    expect(() => native.gemmBf16B(false, true, 2, 4, 8, A, 8, new Uint16Array(31), 8, C, 4, false, null)).toThrow(/B: array too short/);
  });
});
