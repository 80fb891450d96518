/**
 * The k-quant encodings (Q4_K, Q6_K) against scripts/gguf_reference.py, a NumPy dequantizer written separately from
 * ggml's block layouts:
 * - the engine's decoder gives the reference's values for random blocks (every bit pattern of the packed fields),
 *   committed in fixtures/gguf/encodings.json;
 * - the reference, run on the engine's own encodings of random tensors, gives the values the engine decodes, bit for
 *   bit (live: /usr/bin/python3 with NumPy, as CI has it);
 * - those values are close to the input: relative RMSE measured on N(0, σ) weights 0.070 (Q4_K; 0.074 before its scale
 *   search tried several starting steps and the 6-bit scales' neighbours) and 0.017 (Q6_K).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Rng } from "../../trainer/train/rng.ts";
import { decodeTensor } from "./decode.ts";
import { ENCODE_CHUNK, encodedBytes, encodeTensor } from "./encode.ts";

interface Fixture {
  q4_k: Array<{ bytes: string; values: number[] }>;
  q6_k: Array<{ bytes: string; values: number[] }>;
}
const fixture = JSON.parse(readFileSync(new URL("../../../fixtures/gguf/encodings.json", import.meta.url), "utf8")) as Fixture;
const SCRIPT = fileURLToPath(new URL("../../../scripts/gguf_reference.py", import.meta.url));
const PYTHON = "/usr/bin/python3";
const numpy = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import numpy"], { encoding: "utf8", timeout: 60_000 }).status === 0;
if (!numpy)
  console.info("k-quants.test.ts: the live reference is skipped: /usr/bin/python3 cannot import numpy (apt-get install python3-numpy)");

/** The reference's dequantization of `bytes` (a whole number of blocks of `type`). */
function referenceValues(type: "Q4_K" | "Q6_K", bytes: Uint8Array): Float32Array {
  const run = spawnSync(PYTHON, [SCRIPT, "dequantize", type], { input: bytes, maxBuffer: 1 << 28, timeout: 120_000 });
  if (run.status !== 0) throw new Error(`gguf_reference.py dequantize ${type} exited ${run.status}: ${run.stderr}`);
  const out = run.stdout as Buffer;
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

/** Random tensors of the shapes weights take: normal at a few scales, all positive, outliers, zeros, constants. */
function tensors(): Array<{ name: string; x: Float32Array }> {
  const rng = new Rng(20261205);
  const make = (name: string, n: number, f: (i: number) => number) => ({ name, x: Float32Array.from({ length: n }, (_, i) => f(i)) });
  return [
    make("N(0, 0.02)", 256 * 64, () => rng.normal() * 0.02),
    make("N(0, 1)", 256 * 64, () => rng.normal()),
    make("1 + N(0, 0.1) (all positive)", 256 * 16, () => 1 + rng.normal() * 0.1),
    make("-2 + N(0, 0.1) (all negative)", 256 * 16, () => -2 + rng.normal() * 0.1),
    make("N(0, 0.05) with outliers", 256 * 16, (i) => (i % 97 === 0 ? 3 : rng.normal() * 0.05)),
    make("zeros then a constant", 512, (i) => (i < 256 ? 0 : 0.25)),
    make("N(0, 1e-3) (small float16 scales)", 256 * 16, () => rng.normal() * 1e-3),
  ];
}

function relativeRmse(x: Float32Array, y: Float32Array): number {
  let se = 0;
  let sx = 0;
  for (let i = 0; i < x.length; i++) {
    se += ((x[i] as number) - (y[i] as number)) ** 2;
    sx += (x[i] as number) ** 2;
  }
  return Math.sqrt(se / sx);
}

/** Indices where two float32 arrays differ bit for bit, as "i: a != b" (at most 5). */
function differences(a: Float32Array, b: Float32Array): string[] {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const out: string[] = [];
  for (let i = 0; i < a.length && out.length < 5; i++) if (ua[i] !== ub[i]) out.push(`${i}: ${a[i]} != ${b[i]}`);
  return out;
}

for (const type of ["Q4_K", "Q6_K"] as const) {
  describe(type, () => {
    const cases = type === "Q4_K" ? fixture.q4_k : fixture.q6_k;

    it(`decodes the reference's random blocks to its values (${cases.length} blocks)`, () => {
      for (const [i, c] of cases.entries()) {
        const ours = decodeTensor(type, Buffer.from(c.bytes, "hex"), 256);
        expect(differences(ours, Float32Array.from(c.values)), `block ${i}`).toEqual([]);
      }
    });

    it.skipIf(!numpy)("the reference decodes the engine's encodings of random tensors to the engine's values, bit for bit", () => {
      for (const { name, x } of tensors()) {
        const bytes = encodeTensor(type, x);
        expect(differences(referenceValues(type, bytes), decodeTensor(type, bytes, x.length)), name).toEqual([]);
      }
    });

    it("stays close to the input", () => {
      // measured: 0.070 and 0.017 on normal weights (Q4_K: 0.074 with a single min/max start and the nearest 6-bit scales)
      const bound = type === "Q4_K" ? 0.072 : 0.02;
      for (const { name, x } of tensors()) {
        const y = decodeTensor(type, encodeTensor(type, x), x.length);
        const error = relativeRmse(x, y);
        // a constant or all-zero sub-block is exact up to the float16 scale; an all-positive one uses the full range
        expect(error, `${name}: relative RMSE ${error}`).toBeLessThanOrEqual(name.startsWith("N(0, 0.05) with") ? 2 * bound : bound);
      }
      const zeros = decodeTensor(type, encodeTensor(type, new Float32Array(256)), 256);
      expect(zeros.every((v) => v === 0)).toBe(true);
    });

    it("takes whole super-blocks of 256 only", () => {
      expect(encodedBytes(type, 512)).toBe(type === "Q4_K" ? 288 : 420);
      expect(() => encodedBytes(type, 288)).toThrow(new RegExp(`${type} needs a multiple of 256 values, got 288`));
    });

    it("encodes raw bf16 as its exact float32 values, across the chunks it is converted in", () => {
      const bits = new Uint16Array(ENCODE_CHUNK + 4_608); // more than one chunk, a whole number of super-blocks
      const rng = new Rng(9);
      for (let i = 0; i < bits.length; i++) bits[i] = (Math.floor(rng.normal() * 0x100) + 0x3c00) & 0xffff; // around ±1
      const asFloat = new Float32Array(new Uint32Array(Array.from(bits, (b) => b << 16)).buffer);
      expect(Buffer.from(encodeTensor(type, bits)).equals(Buffer.from(encodeTensor(type, asFloat)))).toBe(true);
    });
  });
}
