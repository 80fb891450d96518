/**
 * The GGUF weight encodings against scripts/gguf_reference.py (Python's struct 'e' for float16, and ggml's Q8_0 and
 * Q5_0 rules written separately in plain Python), whose output is committed in fixtures/gguf/encodings.json.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { floatToF16 } from "../halves.ts";
import { decodeTensor } from "./decode.ts";
import { ENCODE_CHUNK, encodedBytes, encodeTensor } from "./encode.ts";

interface Fixture {
  f16: Array<{ x: number; bits: number }>;
  q8_0: Array<{ x: number[]; bytes: string }>;
  q5_0: Array<{ x: number[]; bytes: string; values: number[] }>;
}
const fixture = JSON.parse(readFileSync(new URL("../../../fixtures/gguf/encodings.json", import.meta.url), "utf8")) as Fixture;

describe("float16", () => {
  it(`rounds as Python's struct does, ties to even, subnormals included (${fixture.f16.length} values)`, () => {
    const wrong = fixture.f16.filter((c) => floatToF16(c.x) !== c.bits).map((c) => `${c.x}: ${floatToF16(c.x)} != ${c.bits}`);
    expect(wrong).toEqual([]);
  });

  it("overflows to infinity and keeps NaN a NaN", () => {
    expect(floatToF16(65520)).toBe(0x7c00);
    expect(floatToF16(-1e9)).toBe(0xfc00);
    expect(floatToF16(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    const nan = floatToF16(Number.NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });

  it("writes little-endian bytes", () => {
    expect(Buffer.from(encodeTensor("F16", new Float32Array([1, -2]))).toString("hex")).toBe("003c00c0");
  });
});

describe("Q8_0", () => {
  it(`gives the reference's bytes: scale, then round-half-away-from-zero values (${fixture.q8_0.length} tensors)`, () => {
    for (const c of fixture.q8_0) expect(Buffer.from(encodeTensor("Q8_0", Float32Array.from(c.x))).toString("hex")).toBe(c.bytes);
  });

  it("takes whole blocks of 32 only", () => {
    expect(encodedBytes("Q8_0", 64)).toBe(68);
    expect(() => encodedBytes("Q8_0", 48)).toThrow(/multiple of 32/);
  });
});

describe("Q5_0 (the Q4_K_M mix's fallback for rows that are not a multiple of 256)", () => {
  it(`gives the reference's bytes, llama.cpp's reference rule (${fixture.q5_0.length} tensors)`, () => {
    for (const [i, c] of fixture.q5_0.entries())
      expect(Buffer.from(encodeTensor("Q5_0", Float32Array.from(c.x))).toString("hex"), `tensor ${i}`).toBe(c.bytes);
  });

  it("decodes to the reference's values", () => {
    for (const [i, c] of fixture.q5_0.entries())
      expect(Array.from(decodeTensor("Q5_0", Buffer.from(c.bytes, "hex"), c.x.length)), `tensor ${i}`).toEqual(c.values);
  });

  it("stays within a step of the input (the top quant is clipped), and takes whole blocks of 32 only", () => {
    for (const c of fixture.q5_0) {
      const y = decodeTensor("Q5_0", encodeTensor("Q5_0", Float32Array.from(c.x)), c.x.length);
      for (let b = 0; b < c.x.length; b += 32) {
        const block = c.x.slice(b, b + 32);
        const step = Math.max(...block.map(Math.abs)) / 16;
        // the step as stored (float16) may be a little smaller; the top quant is clipped to 31 (a step short of +16)
        for (const [j, v] of block.entries()) expect(Math.abs((y[b + j] as number) - v)).toBeLessThanOrEqual(step * 1.01 + 1e-12);
      }
    }
    expect(encodedBytes("Q5_0", 64)).toBe(44);
    expect(() => encodedBytes("Q5_0", 48)).toThrow(/Q5_0 needs a multiple of 32 values, got 48/);
  });
});

describe("raw bf16 input (a checkpoint's weights as loaded)", () => {
  it("encodes as its exact float32 values do, across the chunks it is converted in", () => {
    // more than one chunk, a multiple of the Q8_0 block
    const bits = new Uint16Array(ENCODE_CHUNK + 4_480);
    let state = 7;
    for (let i = 0; i < bits.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      bits[i] = (state >>> 16) & 0x7f7f; // finite bf16 values of both signs' magnitudes
      if (i % 3 === 0) bits[i] = (bits[i] as number) | 0x8000;
    }
    const asFloat = new Float32Array(new Uint32Array(Array.from(bits, (b) => b << 16)).buffer);
    for (const type of ["F32", "F16", "Q8_0", "Q5_0"] as const)
      expect(Buffer.from(encodeTensor(type, bits)).equals(Buffer.from(encodeTensor(type, asFloat))), type).toBe(true);
  });
});
