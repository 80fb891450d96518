/**
 * A base held in 8-bit Q8 or 4-bit Q4 blocks (`weights: "q8_0"` / `"q4_0"`): every matrix, the embedding and the output
 * head included, is a quantized copy of the checkpoint's values, and the decoder reading them through gemmQ8B /
 * gemmQ4B and the blocks' row gather gives the logits of the same decoder run on float32 copies of the dequantized
 * values, within float32 rounding, on every fixture architecture (GQA, q/k/v biases, q/k norms, tied and untied
 * heads). A Q8 copy takes 1 + 4/32 bytes a value, a Q4 copy 20/32, against bf16's 2. The rounding moves the
 * log-probabilities of these random-weight fixtures: Q8 about as llama.cpp's Q8_0 does, Q4 more.
 */
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../../../test/open-weights/reference.ts";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import { openHfDecoderModel } from "../load.ts";
import { LINEAR_PROJECTIONS } from "../tensor-names.ts";
import { HfDecoder } from "./decoder.ts";
import { isBf16, isQ4, isQ8, type Matrix, matrixBytes, toF32 } from "./matrix.ts";
import type { BaseWeights, HfWeights } from "./weights.ts";

const k = nativeKernels();

function matrices(w: HfWeights): Matrix[] {
  const out = new Set<Matrix>([w.embed, w.lmHead]);
  for (const layer of w.layers) for (const p of LINEAR_PROJECTIONS) out.add(layer.proj[p].w);
  return [...out];
}

/** The same weights with every matrix replaced by a float32 copy of what it reads as. */
function widened(w: HfWeights): HfWeights {
  const copy = new Map<Matrix, Matrix>();
  const f32 = (m: Matrix): Matrix => {
    const known = copy.get(m);
    if (known) return known;
    const c = toF32(k, m);
    copy.set(m, c);
    return c;
  };
  return {
    embed: f32(w.embed),
    lmHead: f32(w.lmHead),
    norm: w.norm,
    layers: w.layers.map((layer) => ({
      ...layer,
      proj: Object.fromEntries(LINEAR_PROJECTIONS.map((p) => [p, { ...layer.proj[p], w: f32(layer.proj[p].w) }])) as typeof layer.proj,
    })),
  };
}

function logSoftmaxRows(logits: Float32Array, V: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / V; r++) {
    let max = -Infinity;
    for (let j = 0; j < V; j++) max = Math.max(max, logits[r * V + j] as number);
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp((logits[r * V + j] as number) - max);
    const lse = max + Math.log(sum);
    for (let j = 0; j < V; j++) out[r * V + j] = (logits[r * V + j] as number) - lse;
  }
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};

interface Held {
  weights: Exclude<BaseWeights, "as_stored">;
  isHeld: (m: Matrix) => boolean;
  /** Bytes a value against bf16's 2. */
  bytesPerValue: number;
  /**
   * The largest change of a log-probability allowed: Q8 measured 0.59–1.06 nats; Q4 7.4–13.2, its step (|m| / 8)
   * being 16 times Q8's (max|x| / 127) on these sharp random-weight fixtures.
   */
  maxShift: number;
}

const HELD: Held[] = [
  { weights: "q8_0", isHeld: isQ8, bytesPerValue: 1 + 4 / 32, maxShift: 1.5 },
  { weights: "q4_0", isHeld: isQ4, bytesPerValue: 20 / 32, maxShift: 20 },
];

describe.each(HELD)("a base held as $weights", ({ weights, isHeld, bytesPerValue, maxShift }) => {
  it.each(["llama", "qwen2", "qwen3", "mistral", "smollm"])(
    "%s: reads as its dequantized values, in its share of bf16's memory",
    (name) => {
      const dir = `${FIXTURES}${name}`;
      const held = openHfDecoderModel(dir, k, { weights });
      const stored = openHfDecoderModel(dir, k);
      for (const m of matrices(held.weights)) expect(isHeld(m)).toBe(true);
      if (stored.arch.tiedEmbeddings) expect(held.weights.lmHead).toBe(held.weights.embed);

      const V = held.arch.vocab;
      const ids = Array.from({ length: 14 }, (_, i) => (i * 37 + 5) % V);
      const logits = (m: typeof held) => new HfDecoder(m, ids.length).feed(ids, true);
      const got = logits(held);
      const want = logits({ ...held, weights: widened(held.weights) });
      const scale = want.reduce((s, v) => Math.max(s, Math.abs(v)), 1);
      expect(maxAbsDiff(got, want) / scale).toBeLessThan(1e-5);

      // the rounding moves the model: on these random-weight fixtures (sharp, large logits) Q8 by up to 1.06 nats at
      // the worst position and token, as llama.cpp's own Q8_0 of them does (up to 1.5, README); Q4 by up to 13
      const shift = maxAbsDiff(logSoftmaxRows(got, V), logSoftmaxRows(logits(stored), V));
      expect(shift).toBeGreaterThan(0);
      expect(shift).toBeLessThan(maxShift);

      const storedMs = matrices(stored.weights);
      const bytes = (ms: Matrix[]) => ms.reduce((s, m) => s + matrixBytes(m), 0);
      if (storedMs.every(isBf16)) expect(bytes(matrices(held.weights)) / bytes(storedMs)).toBeCloseTo(bytesPerValue / 2, 2);
    },
  );
});
