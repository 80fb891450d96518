/**
 * attentionFwdRows / attentionBwdRows (packed examples of mixed length, native/src/attention.cc) against the float64
 * reference (reference/attention.ts, itself checked by finite differences in gradcheck tests): outputs and gradients
 * ≤ 1e-5 × max(1, max |reference|), with grouped-query attention, an empty example and examples longer than the
 * kernel's row block; the same values whatever the thread count; and bit-identical to the padded kernel run on each
 * example alone (B = 1), which is what they replace. Arrays too short for an example's rows are refused.
 */
import { afterEach, describe, expect, it } from "vitest";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import { nativeKernels, setNativeThreads } from "./native.ts";
import type { Vec } from "./types.ts";

const native = nativeKernels();
const ref = referenceKernels("f64");
const rng = new Rng(41);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

const [H, KV, hd] = [6, 2, 16];
const qw = H * hd;
const kw = KV * hd;
const LENS = Int32Array.from([37, 0, 120, 5, 64, 1]);
const STARTS = Int32Array.from(LENS, (_, b) => LENS.slice(0, b).reduce((s, n) => s + n, 0));
const R = LENS.reduce((s, n) => s + n, 0);
const SCALE = 1 / Math.sqrt(hd);
const q = rand(R * qw);
const k = rand(R * kw);
const v = rand(R * kw);
const dout = rand(R * qw);

function worst(actual: Vec, expected: Vec): number {
  let scale = 1;
  for (const x of expected) scale = Math.max(scale, Math.abs(x));
  let w = 0;
  for (let i = 0; i < expected.length; i++) w = Math.max(w, Math.abs((actual[i] as number) - (expected[i] as number)));
  return w / scale;
}

function nativeRun() {
  const out = new Float32Array(R * qw);
  const dq = new Float32Array(R * qw);
  const dk = new Float32Array(R * qw);
  const dv = new Float32Array(R * qw);
  native.attentionFwdRows(q, qw, k, v, kw, out, qw, STARTS, LENS, H, hd, SCALE, KV);
  native.attentionBwdRows(q, qw, k, v, kw, dout, qw, dq, dk, dv, qw, STARTS, LENS, H, hd, SCALE, KV);
  return { out, dq, dk, dv };
}

afterEach(() => setNativeThreads(0));

describe("packed self-attention kernels", () => {
  it("agree with the float64 reference (forward, dq, dk, dv) with GQA, an empty example and long ones", () => {
    const n = nativeRun();
    const f = (a: Float32Array) => Float64Array.from(a);
    const out = new Float64Array(R * qw);
    const dq = new Float64Array(R * qw);
    const dk = new Float64Array(R * qw);
    const dv = new Float64Array(R * qw);
    ref.attentionFwdRows(f(q), qw, f(k), f(v), kw, out, qw, STARTS, LENS, H, hd, SCALE, KV);
    ref.attentionBwdRows(f(q), qw, f(k), f(v), kw, f(dout), qw, dq, dk, dv, qw, STARTS, LENS, H, hd, SCALE, KV);
    expect(worst(n.out, out)).toBeLessThanOrEqual(1e-5);
    expect(worst(n.dq, dq)).toBeLessThanOrEqual(1e-5);
    // dk and dv are written at the kv heads' columns of each row (stride qw)
    const kvCols = (a: Vec) => Float64Array.from({ length: R * kw }, (_, i) => a[Math.floor(i / kw) * qw + (i % kw)] as number);
    expect(worst(kvCols(n.dk), kvCols(dk))).toBeLessThanOrEqual(1e-5);
    expect(worst(kvCols(n.dv), kvCols(dv))).toBeLessThanOrEqual(1e-5);
    expect(n.out.some((x) => x !== 0)).toBe(true);
  });

  it("are bit-identical to the padded kernels run on each example alone, and to themselves on one thread", () => {
    const packed = nativeRun();
    const out = new Float32Array(R * qw);
    const dq = new Float32Array(R * qw);
    const dk = new Float32Array(R * qw);
    const dv = new Float32Array(R * qw);
    LENS.forEach((T, b) => {
      if (T === 0) return;
      const r = STARTS[b] as number;
      const at = (a: Float32Array, w: number) => a.subarray(r * w);
      native.attentionFwd(at(q, qw), qw, at(k, kw), at(v, kw), kw, at(out, qw), qw, null, 1, H, T, T, hd, 0, SCALE, KV);
      native.attentionBwd(
        at(q, qw),
        qw,
        at(k, kw),
        at(v, kw),
        kw,
        null,
        at(dout, qw),
        qw,
        at(dq, qw),
        at(dk, qw),
        at(dv, qw),
        qw,
        1,
        H,
        T,
        hd,
        SCALE,
        KV,
      );
    });
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    expect(bits(packed.out)).toEqual(bits(out));
    expect(bits(packed.dq)).toEqual(bits(dq));
    expect(bits(packed.dk)).toEqual(bits(dk));
    expect(bits(packed.dv)).toEqual(bits(dv));
    setNativeThreads(1);
    const single = nativeRun();
    expect(bits(single.out)).toEqual(bits(packed.out));
    expect(bits(single.dk)).toEqual(bits(packed.dk));
  });

  it("refuse arrays too short for an example's rows, and starts and lens of different lengths", () => {
    const out = new Float32Array(R * qw - 1);
    expect(() => native.attentionFwdRows(q, qw, k, v, kw, out, qw, STARTS, LENS, H, hd, SCALE, KV)).toThrow(/out: array too short/);
    expect(() =>
      native.attentionFwdRows(q, qw, k, v, kw, new Float32Array(R * qw), qw, STARTS.subarray(1), LENS, H, hd, SCALE, KV),
    ).toThrow(/one entry per example/);
  });
});
