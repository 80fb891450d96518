import { describe, expect, it } from "vitest";
import type { Encoded } from "../tokenizer/chat-template.ts";
import { PAD } from "../tokenizer/special.ts";
import { batchRows, makeBatch, makePackedBatch, packedImageRows } from "./batches.ts";

/** Tokens 0..n-1 (+ offset); loss on the last two, prompt on the rest. */
const example = (n: number, offset: number): Encoded => ({
  tokens: Int32Array.from({ length: n }, (_, i) => offset + i),
  lossMask: Uint8Array.from({ length: n }, (_, i) => (i >= n - 2 ? 1 : 0)),
  promptMask: Uint8Array.from({ length: n }, (_, i) => (i < n - 2 ? 1 : 0)),
});

describe("packed batches", () => {
  const examples = [example(5, 100), example(1, 200), example(8, 300)];

  it("hold each example's positions once, one after another, as the padded batch holds them", () => {
    const padded = makeBatch(examples, [2, 0, 1], 6, 0.25);
    const packed = makePackedBatch(examples, [2, 0, 1], 6, 0.25);
    expect(packed.packed).toEqual({ starts: Int32Array.of(0, 6, 10), lengths: Int32Array.of(6, 4, 0), rows: 10 });
    expect(batchRows(packed)).toBe(10);
    expect(batchRows(padded)).toBe(18);
    expect([packed.B, packed.T]).toEqual([padded.B, padded.T]);
    // the long example (tokens 300..307: 7 positions) keeps its last 6: tokens 301..306 predicting 302..307
    expect(Array.from(packed.ids.subarray(0, 6))).toEqual([301, 302, 303, 304, 305, 306]);
    expect(Array.from(packed.targets.subarray(0, 6))).toEqual([302, 303, 304, 305, 306, 307]);
    const rowsOf = (n: number, first: number) => Array.from({ length: n }, (_, t) => first + t);
    for (const [b, n] of [
      [0, 6],
      [1, 4],
    ] as const) {
      const pad = rowsOf(n, b * padded.T);
      const pack = rowsOf(n, packed.packed?.starts[b] as number);
      for (const field of ["ids", "targets", "mask", "weights"] as const)
        expect(pack.map((r) => packed[field][r])).toEqual(pad.map((r) => padded[field][r]));
    }
    expect(Array.from(packed.weights.subarray(6, 10))).toEqual([0.25, 0.25, 1, 1]);
  });

  it("give an example without positions no rows", () => {
    const packed = makePackedBatch(examples, [0, 1, 2], 6);
    expect(packed.packed).toEqual({ starts: Int32Array.of(0, 4, 4), lengths: Int32Array.of(4, 0, 6), rows: 10 });
  });

  it("are the padded batch when every example has as many positions (no padding to drop)", () => {
    for (const indices of [[2], [0, 0], [1, 1], [1, 1, 1]]) {
      const packed = makePackedBatch(examples, indices, 6, 0.25);
      expect(packed.packed).toBeUndefined();
      expect(packed).toEqual(makeBatch(examples, indices, 6, 0.25));
    }
    // examples of one token have no position: one row per example, without loss, as the padded form has
    expect(Array.from(makePackedBatch(examples, [1, 1], 6).ids)).toEqual([PAD, PAD]);
  });

  it("move image rows from the padded layout (b·T + t) to the packed one (starts[b] + t)", () => {
    const packed = makePackedBatch(examples, [2, 0, 1], 6);
    const layout = packed.packed;
    if (!layout) throw new Error("not packed");
    expect(Array.from(packedImageRows(Int32Array.of(0, 5, 6, 9), 6, layout))).toEqual([0, 5, 6, 9]);
    expect(Array.from(packedImageRows(Int32Array.of(7, 8), 6, layout))).toEqual([7, 8]);
    const shifted = { ...layout, starts: Int32Array.of(0, 3, 9) };
    expect(Array.from(packedImageRows(Int32Array.of(1, 6, 8, 12), 6, shifted))).toEqual([1, 3, 5, 9]);
  });
});
