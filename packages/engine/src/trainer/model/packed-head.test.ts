// A packed batch and head rows (logits only on the rows with a loss weight) give the loss statistics, the per-row losses
// and every parameter gradient of the padded batch with logits on every row (the path gradcheck.test.ts checks against
// finite differences): in float64 with the reference kernels, and in float32 with the native ones.
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../kernels/native.ts";
import type { Kernels, Vec } from "../kernels/types.ts";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import type { ModelSpec } from "../types.ts";
import { backward } from "./backward.ts";
import { crossEntropy, type ForwardOptions, forward, type LossStats } from "./forward.ts";
import { lossRows } from "./lm-head.ts";
import { Transformer } from "./transformer.ts";
import type { PackedRows } from "./workspace.ts";

const SPEC: ModelSpec = { name: "check", vocabSize: 13, dModel: 8, nLayers: 2, nHeads: 2, contextLength: 6 };
const LENGTHS = [5, 2, 0, 4];

interface Example {
  ids: number[];
  targets: number[];
  /** Loss mask (1 on "assistant" positions) and gradient weights (the mask, plus 0.3 on some "prompt" positions). */
  mask: number[];
  weights: number[];
}

function examples(rng: Rng): Example[] {
  const pick = () => Math.floor(rng.next() * SPEC.vocabSize);
  return LENGTHS.map((n) => {
    const mask = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
    return {
      ids: Array.from({ length: n }, pick),
      targets: Array.from({ length: n }, pick),
      mask,
      weights: mask.map((m) => (m === 1 ? 1 : rng.next() < 0.3 ? 0.3 : 0)),
    };
  });
}

interface Laid {
  B: number;
  T: number;
  rows: number;
  ids: Int32Array;
  targets: Int32Array;
  mask: Float64Array;
  weights: Float64Array;
  /** Row of position t of example b. */
  at: (b: number, t: number) => number;
  packed?: PackedRows;
}

function lay(ex: Example[], packed: boolean): Laid {
  const B = ex.length;
  const T = Math.max(...ex.map((e) => e.ids.length));
  const starts = new Int32Array(B);
  let rows = 0;
  ex.forEach((e, b) => {
    starts[b] = packed ? rows : b * T;
    rows += packed ? e.ids.length : T;
  });
  const ids = new Int32Array(rows);
  const targets = new Int32Array(rows);
  const mask = new Float64Array(rows);
  const weights = new Float64Array(rows);
  ex.forEach((e, b) => {
    e.ids.forEach((id, t) => {
      const r = (starts[b] as number) + t;
      ids[r] = id;
      targets[r] = e.targets[t] as number;
      mask[r] = e.mask[t] as number;
      weights[r] = e.weights[t] as number;
    });
  });
  const at = (b: number, t: number) => (starts[b] as number) + t;
  const lengths = Int32Array.from(ex, (e) => e.ids.length);
  return { B, T, rows, ids, targets, mask, weights, at, ...(packed ? { packed: { starts, lengths, rows } } : {}) };
}

interface Pass {
  stats: LossStats;
  grads: Float64Array;
  /** Per example, per position: the loss of the rows with a loss weight. */
  losses: number[][];
}

function pass(model: Transformer, ex: Example[], l: Laid, headRows: boolean): Pass {
  const options: ForwardOptions = {
    ...(l.packed ? { packed: l.packed } : {}),
    ...(headRows ? { headRows: lossRows(l.rows, l.mask, l.weights) } : {}),
  };
  const ws = forward(model, l.ids, l.B, l.T, undefined, undefined, options);
  const stats = crossEntropy(model, l.targets, l.mask, l.rows, true, l.weights);
  const losses = ex.map((e, b) => e.weights.map((w, t) => (w !== 0 ? (ws.losses[l.at(b, t)] as number) : 0)));
  backward(model, l.ids, l.B, l.T);
  return { stats, grads: Float64Array.from(model.grads as Vec), losses };
}

function model(k: Kernels): Transformer {
  const rng = new Rng(11);
  const m = new Transformer(SPEC, k);
  m.initialize(rng);
  for (let i = 0; i < m.params.length; i++) m.params[i] = (m.params[i] as number) * 10 + rng.normal() * 0.05;
  return m;
}

/** Largest |a - b| over every gradient, relative to the largest gradient. */
function gradError(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(a[i] as number));
  }
  return worst / scale;
}

describe("packed batches and head rows", () => {
  it.each([
    ["float64 reference", () => referenceKernels("f64"), 1e-12],
    ["float32 native", () => nativeKernels(), 2e-5],
  ] as const)("give the padded full-logits loss, per-row losses and every parameter gradient (%s)", (_, kernels, tol) => {
    const k = kernels();
    const ex = examples(new Rng(3));
    const padded = lay(ex, false);
    const packed = lay(ex, true);
    expect(packed.rows).toBeLessThan(padded.rows);
    const m = model(k);
    const reference = pass(m, ex, padded, false);
    expect(reference.stats.weightSum).toBeGreaterThan(0);
    for (const [l, head] of [
      [padded, true],
      [packed, false],
      [packed, true],
    ] as const) {
      const got = pass(m, ex, l, head);
      expect(got.stats.weightSum).toBe(reference.stats.weightSum);
      expect(got.stats.correctSum).toBe(reference.stats.correctSum);
      expect(Math.abs(got.stats.lossSum - reference.stats.lossSum)).toBeLessThan(tol * reference.stats.lossSum);
      const lossError = got.losses.flatMap((row, b) => row.map((loss, t) => Math.abs(loss - (reference.losses[b]?.[t] as number))));
      expect(Math.max(...lossError)).toBeLessThan(tol * 10);
      expect(gradError(got.grads, reference.grads)).toBeLessThan(tol);
    }
  });

  it("refuses a loss weight on a row without logits", () => {
    const k = referenceKernels("f64");
    const l = lay(examples(new Rng(3)), true);
    const m = model(k);
    const head = lossRows(l.rows, l.mask); // leaves out the rows weighted 0.3 only
    forward(m, l.ids, l.B, l.T, undefined, undefined, { packed: l.packed as PackedRows, headRows: head });
    expect(() => crossEntropy(m, l.targets, l.mask, l.rows, true, l.weights)).toThrow(/not one of the forward pass's head rows/);
  });

  it("refuses head rows out of order and a packing that does not lay its examples end to end", () => {
    const m = model(referenceKernels("f64"));
    const l = lay(examples(new Rng(3)), true);
    const packed = l.packed as PackedRows;
    expect(() => forward(m, l.ids, l.B, l.T, undefined, undefined, { packed, headRows: Int32Array.of(3, 1) })).toThrow(/ascending/);
    const gap = { ...packed, starts: packed.starts.map((s, b) => (b === 1 ? s + 1 : s)) };
    expect(() => forward(m, l.ids, l.B, l.T, undefined, undefined, { packed: gap })).toThrow(/starts at row/);
  });
});
