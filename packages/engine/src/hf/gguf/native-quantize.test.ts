/**
 * The native GGUF block encoders (native/src/gguf_quants.cc, what an export uses) give the TypeScript reference's bytes
 * (quantize-blocks.ts: k-quants.ts, q5-0.ts, q8-0.ts, themselves checked against scripts/gguf_reference.py), bit for
 * bit, on 1 thread and on all of them: random weights of several shapes, rows that are not a multiple of 256, no rows,
 * huge and tiny magnitudes (float16 scales that overflow or underflow, float32 subnormals), constants, zeros, exact
 * rounding ties and bf16-rounded values.
 */
import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { nativeKernels, setNativeThreads } from "../../trainer/kernels/native.ts";
import { Rng } from "../../trainer/train/rng.ts";
import { ENCODE_CHUNK, encodeTensor, GGML_TYPE } from "./encode.ts";
import { QUANTIZED_BLOCKS, quantizeBlocks } from "./quantize-blocks.ts";

const native = nativeKernels();
const TYPES = ["Q4_K", "Q6_K", "Q5_0", "Q8_0"] as const;

afterEach(() => setNativeThreads(availableParallelism()));

/** rows × cols values from f(i, row, col). */
function matrix(rows: number, cols: number, f: (i: number, r: number, c: number) => number): Float32Array {
  const x = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) x[r * cols + c] = f(r * cols + c, r, c);
  return x;
}

function cases(): Array<{ name: string; x: Float32Array }> {
  const rng = new Rng(20261205);
  const n = () => rng.normal();
  return [
    { name: "N(0, 0.02) 64×256", x: matrix(64, 256, () => n() * 0.02) },
    { name: "N(0, 1) 7×768", x: matrix(7, 768, n) },
    { name: "N(0, 0.05) 5×576 (rows not a multiple of 256)", x: matrix(5, 576, () => n() * 0.05) },
    { name: "N(0, 0.05) 3×896 with outliers", x: matrix(3, 896, (i) => (i % 97 === 0 ? 4 : n() * 0.05)) },
    { name: "no rows 0×256", x: new Float32Array(0) },
    { name: "1 + N(0, 0.1) (all positive) 4×512", x: matrix(4, 512, () => 1 + n() * 0.1) },
    { name: "-2 + N(0, 0.1) (all negative) 4×512", x: matrix(4, 512, () => -2 + n() * 0.1) },
    { name: "N(0, 1e5) (float16 scales near their largest)", x: matrix(2, 512, () => n() * 1e5) },
    { name: "N(0, 1e8) (float16 scales overflow to infinity)", x: matrix(2, 512, () => n() * 1e8) },
    { name: "N(0, 1e30)", x: matrix(2, 512, () => n() * 1e30) },
    { name: "±3.4e38 (float32's largest)", x: matrix(1, 512, (i) => (i % 3 === 0 ? -3.4e38 : i % 5 === 0 ? 3.4028234e38 : n() * 1e38)) },
    { name: "N(0, 1e-3) (small float16 scales)", x: matrix(2, 512, () => n() * 1e-3) },
    { name: "N(0, 1e-6) (float16 subnormal scales)", x: matrix(2, 512, () => n() * 1e-6) },
    { name: "N(0, 1e-30) (float16 scales underflow to 0)", x: matrix(2, 512, () => n() * 1e-30) },
    { name: "float32 subnormals", x: matrix(2, 512, (i) => (i % 4) * 1.4e-45 * (i % 2 ? -1 : 1) + n() * 1e-40) },
    // a block maximum of 10 float32 ulps: a scale of one ulp, whose reciprocal overflows (0 · ∞ is NaN, written as 0)
    { name: "float32 subnormals and zeros", x: matrix(2, 512, (i) => (i % 3) * 7e-45 * (i % 2 ? -1 : 1)) },
    { name: "zeros", x: new Float32Array(512) },
    { name: "constant 0.25", x: new Float32Array(512).fill(0.25) },
    { name: "constant -3", x: new Float32Array(512).fill(-3) },
    { name: "constant 1e-38", x: new Float32Array(512).fill(1e-38) },
    { name: "zeros then a constant, one spike", x: matrix(2, 256, (i, r) => (r === 0 ? (i === 17 ? 1 : 0) : 0.5)) },
    { name: "quarter steps (rounding ties)", x: matrix(4, 256, () => Math.round(n() * 32) / 4) },
    // Q6_K's first scale is −max/32 = −1: every value an exact tie, negative ones where Math.round and roundf differ
    {
      name: "half steps, ±32 in each 16 (ties in the scale search)",
      x: matrix(4, 256, (i) => (i % 16 === 0 ? 32 : Math.floor(n() * 10) + 0.5)),
    },
    { name: "alternating signs", x: matrix(2, 512, (i) => (i % 2 ? -1 : 1) * (1 + (i % 7))) },
    {
      name: "bf16-rounded N(0, 0.02)",
      x: matrix(8, 256, () => {
        const f = new Float32Array([n() * 0.02]);
        const u = new Uint32Array(f.buffer);
        u[0] = (u[0] as number) & 0xffff0000;
        return f[0] as number;
      }),
    },
  ];
}

/** The first bytes where two encodings differ, as "byte i: a != b" (at most 5). */
function differences(a: Uint8Array, b: Uint8Array): string[] {
  const out: string[] = a.length === b.length ? [] : [`lengths ${a.length} != ${b.length}`];
  for (let i = 0; i < Math.min(a.length, b.length) && out.length < 5; i++) if (a[i] !== b[i]) out.push(`byte ${i}: ${a[i]} != ${b[i]}`);
  return out;
}

function encodeWith(quantize: typeof quantizeBlocks, type: (typeof TYPES)[number], x: Float32Array): Uint8Array {
  const id = GGML_TYPE[type];
  const block = QUANTIZED_BLOCKS.get(id);
  if (!block) throw new Error(type);
  const out = new Uint8Array((x.length / block.values) * block.bytes);
  quantize(id, x, x.length, out);
  return out;
}

describe("native GGUF block encoders", () => {
  const all = cases();
  for (const type of TYPES) {
    it(`${type}: the reference's bytes, bit for bit, on 1 thread and on ${availableParallelism()}`, () => {
      const values = QUANTIZED_BLOCKS.get(GGML_TYPE[type])?.values ?? 0;
      let compared = 0;
      for (const { name, x } of all) {
        if (x.length % values !== 0) continue; // rows of 576 or 896: Q5_0 and Q8_0 only, as the Q4_K_M mix writes them
        const want = encodeWith(quantizeBlocks, type, x);
        for (const threads of [1, availableParallelism()]) {
          setNativeThreads(threads);
          expect(differences(encodeWith(native.ggufQuantize, type, x), want), `${name}, ${threads} thread(s)`).toEqual([]);
        }
        compared++;
      }
      expect(compared).toBeGreaterThanOrEqual(type === "Q4_K" || type === "Q6_K" ? all.length - 2 : all.length);
    });
  }

  it("leave the bytes past the blocks alone and write nothing for no values", () => {
    const x = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i));
    for (const type of TYPES) {
      const block = QUANTIZED_BLOCKS.get(GGML_TYPE[type]);
      if (!block) throw new Error(type);
      const out = new Uint8Array(block.bytes * (256 / block.values) + 7).fill(0xa5);
      native.ggufQuantize(GGML_TYPE[type], x, 256, out);
      expect(Array.from(out.subarray(out.length - 7))).toEqual(new Array(7).fill(0xa5));
      const empty = new Uint8Array(3).fill(0xa5);
      native.ggufQuantize(GGML_TYPE[type], x, 0, empty);
      expect(Array.from(empty)).toEqual([0xa5, 0xa5, 0xa5]);
    }
  });

  it("encode a tensor as encodeTensor's reference does, raw bf16 included, across its chunks", () => {
    const rng = new Rng(3);
    const bits = new Uint16Array(ENCODE_CHUNK + 4_608);
    for (let i = 0; i < bits.length; i++) bits[i] = (Math.floor(rng.normal() * 0x100) + 0x3c00) & 0xffff;
    for (const type of ["Q4_K", "Q8_0"] as const)
      expect(differences(encodeTensor(type, bits, native.ggufQuantize), encodeTensor(type, bits)), type).toEqual([]);
  });

  it("refuse a type that is not a block type, a count that is not whole blocks, and arrays too short", () => {
    const x = new Float32Array(512);
    expect(() => native.ggufQuantize(7, x, 256, new Uint8Array(1024))).toThrow(/type: expected a GGUF block type id .* got 7/);
    expect(() => native.ggufQuantize(12, x, 288, new Uint8Array(1024))).toThrow(/n: expected a multiple of 256 values, got 288/);
    expect(() => native.ggufQuantize(12, x, 768, new Uint8Array(1024))).toThrow(/x: array too short \(512 < 768\)/);
    expect(() => native.ggufQuantize(12, x, 512, new Uint8Array(287))).toThrow(/out: array too short \(287 < 288\)/);
    expect(() => native.ggufQuantize(8, new Float64Array(32) as unknown as Float32Array, 32, new Uint8Array(34))).toThrow(
      /x: expected a Float32Array/,
    );
    expect(() => native.ggufQuantize(8, new Float32Array(32), 32, new Uint16Array(17) as unknown as Uint8Array)).toThrow(
      /out: expected a Uint8Array/,
    );
    expect(() => quantizeBlocks(7, x, 256, new Uint8Array(1024))).toThrow(/type 7 is not a GGUF block type/);
    expect(() => quantizeBlocks(12, x, 288, new Uint8Array(1024))).toThrow(/Q4_K needs a multiple of 256 values, got 288/);
  });
});
