/**
 * The open-weight (Llama-family) native kernels agree with the float64 reference: max |native −
 * reference| ≤ 1e-5 × max(1, max |reference|) (RMSNorm, RoPE, SwiGLU, row gather/scatter,
 * grouped-query attention), half conversions bit-exact over all 65,536 inputs and on hand-computed
 * values, and every result independent of the thread count.
 */
import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import { nativeKernels, setNativeThreads } from "./native.ts";
import type { Kernels, Vec } from "./types.ts";

const native = nativeKernels();
const ref = referenceKernels("f64");
const rng = new Rng(29);
const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);

function worst(actual: Vec, expected: Vec): number {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let w = 0;
  for (let i = 0; i < expected.length; i++) w = Math.max(w, Math.abs((actual[i] as number) - (expected[i] as number)));
  return w / scale;
}
function close(actual: Vec, expected: Vec, what: string, tol = 1e-5): void {
  expect(worst(actual, expected), what).toBeLessThanOrEqual(tol);
}

/** Runs fn on native (float32 copies) and reference (float64 copies); returns both output sets. */
function both(inputs: Vec[], fn: (k: Kernels, a: Vec[]) => void): [Vec[], Vec[]] {
  const n = inputs.map((a) => Float32Array.from(a));
  const r = inputs.map((a) => Float64Array.from(a));
  fn(native, n);
  fn(ref, r);
  return [n, r];
}

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const same = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** cos/sin [maxPos, hd/2] in float32, as the model computes them. */
function ropeTables(maxPos: number, hd: number, theta = 10000): [Float32Array, Float32Array] {
  const half = hd / 2;
  const cos = new Float32Array(maxPos * half);
  const sin = new Float32Array(maxPos * half);
  for (let p = 0; p < maxPos; p++)
    for (let i = 0; i < half; i++) {
      const angle = p / theta ** ((2 * i) / hd);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  return [cos, sin];
}

afterEach(() => setNativeThreads(availableParallelism()));

describe("open-weight native kernels vs reference", () => {
  it("rmsnorm forward and backward (d not a multiple of 16, a per-head norm with a shared gamma, in place, no dgamma)", () => {
    for (const [rows, d, eps] of [
      [37, 100, 1e-5],
      [150, 64, 1e-6],
      [9, 576, 1e-5],
      [1, 7, 1e-6],
    ] as const) {
      const [n, r] = both([rand(rows * d, 3), rand(d), new Float32Array(rows * d), new Float32Array(rows)], (k, [x, g, o, s]) =>
        k.rmsnormFwd(x as Vec, g as Vec, o as Vec, s as Vec, rows, d, eps),
      );
      close(n[2] as Vec, r[2] as Vec, `rmsnorm fwd ${rows}x${d}`);
      close(n[3] as Vec, r[3] as Vec, `rmsnorm rstd ${rows}x${d}`);
      const [nb, rb] = both([rand(rows * d), n[0] as Vec, n[1] as Vec, n[3] as Vec, rand(rows * d), rand(d)], (k, a) =>
        k.rmsnormBwd(a[0] as Vec, a[1] as Vec, a[2] as Vec, a[3] as Vec, a[4] as Vec, a[5] as Vec, rows, d, true),
      );
      close(nb[4] as Vec, rb[4] as Vec, `rmsnorm dx ${rows}x${d}`);
      close(nb[5] as Vec, rb[5] as Vec, `rmsnorm dgamma ${rows}x${d}`);
      // Without dgamma, overwriting dx: the same dx as accumulating onto zeros.
      const dx = new Float32Array(rows * d).fill(7);
      native.rmsnormBwd(nb[0] as Vec, n[0] as Vec, n[1] as Vec, n[3] as Vec, dx, null, rows, d, false);
      const dx0 = new Float32Array(rows * d);
      native.rmsnormBwd(nb[0] as Vec, n[0] as Vec, n[1] as Vec, n[3] as Vec, dx0, new Float32Array(d), rows, d, true);
      expect(same(dx, dx0)).toBe(true);
      // In place (out = x) gives the same output.
      const x = Float32Array.from(n[0] as Vec);
      native.rmsnormFwd(x, n[1] as Vec, x, new Float32Array(rows), rows, d, eps);
      expect(same(x, n[2] as Float32Array)).toBe(true);
    }
  });

  it("rope on q and k heads of a fused GQA row (hd 32 and 64), batches, T = 1 at posOffset > 0, inverse", () => {
    for (const [B, T, H, KV, hd, posOffset] of [
      [2, 5, 4, 2, 32, 0],
      [3, 1, 9, 3, 64, 37],
      [1, 7, 2, 1, 64, 120],
      [2, 3, 3, 3, 6, 4],
    ] as const) {
      const stride = (H + 2 * KV) * hd + 3; // q | k | v | padding
      const [cos, sin] = ropeTables(posOffset + T + 5, hd, 500000);
      const [n, r] = both([rand(B * T * stride), cos, sin], (k, [x, c, s]) => {
        k.rope(x as Vec, stride, B, T, H, hd, posOffset, c as Vec, s as Vec, false);
        k.rope((x as Vec).subarray(H * hd), stride, B, T, KV, hd, posOffset, c as Vec, s as Vec, false);
      });
      close(n[0] as Vec, r[0] as Vec, `rope ${B}x${T} hd ${hd} at ${posOffset}`);
      const [ni, ri] = both([rand(B * T * stride), cos, sin], (k, [x, c, s]) =>
        k.rope(x as Vec, stride, B, T, H + KV, hd, posOffset, c as Vec, s as Vec, true),
      );
      close(ni[0] as Vec, ri[0] as Vec, `rope inverse ${B}x${T} hd ${hd}`);
    }
    // Tables too short for the last position, odd hd, stride smaller than the heads: refused.
    const [cos, sin] = ropeTables(8, 64);
    expect(() => native.rope(new Float32Array(64), 64, 1, 1, 1, 64, 0, cos, sin, false, 66)).toThrow(/rotaryDim/);
    expect(() => native.rope(new Float32Array(64), 64, 1, 1, 1, 64, 0, cos, sin, false, 7)).toThrow(/rotaryDim/);
    expect(() => native.rope(new Float32Array(64), 64, 1, 1, 1, 64, 8, cos, sin, false)).toThrow(/too short for position 8/);
    expect(() => native.rope(new Float32Array(64), 64, 1, 1, 1, 63, 0, cos, sin, false)).toThrow(/even/);
    expect(() => native.rope(new Float32Array(128), 64, 1, 1, 2, 64, 0, cos, sin, false)).toThrow(/stride/);
  });

  it("partial rotary (Phi-3's partial_rotary_factor): pairs (i, i + rd/2) of the first rd elements rotate, the rest pass through", () => {
    for (const [B, T, H, hd, rd, posOffset] of [
      [2, 5, 4, 16, 8, 0],
      [1, 3, 3, 96, 72, 50], // Phi-4-mini: head_dim 128 × 0.75 = 96, here 96 × 0.75 = 72
      [2, 1, 2, 64, 64, 9], // rd = hd: the full rotation
    ] as const) {
      const stride = H * hd + 5;
      const [cos, sin] = ropeTables(posOffset + T + 2, rd, 10000);
      const input = rand(B * T * stride, 11);
      const [n, r] = both([Float32Array.from(input), cos, sin], (k, [x, c, s]) =>
        k.rope(x as Vec, stride, B, T, H, hd, posOffset, c as Vec, s as Vec, false, rd),
      );
      close(n[0] as Vec, r[0] as Vec, `partial rope ${B}x${T} hd ${hd} rd ${rd}`);
      const out = n[0] as Float32Array;
      for (let row = 0; row < B * T; row++)
        for (let h = 0; h < H; h++)
          for (let i = rd; i < hd; i++) {
            const at = row * stride + h * hd + i;
            expect(out[at]).toBe(input[at]);
          }
      // A pair's rotation by hand: element 1 of head 0 in row 0 (position posOffset) with element 1 + rd/2.
      const half = rd / 2;
      const c = cos[posOffset * half + 1] as number;
      const s = sin[posOffset * half + 1] as number;
      const a = input[1] as number;
      const b = input[1 + half] as number;
      expect(out[1]).toBeCloseTo(a * c - b * s, 5);
      expect(out[1 + half]).toBeCloseTo(b * c + a * s, 5);
      // The inverse undoes it.
      native.rope(out, stride, B, T, H, hd, posOffset, cos, sin, true, rd);
      close(out, input as Vec, `partial rope inverse hd ${hd} rd ${rd}`);
    }
  });

  it("swiglu forward and backward, including saturated gates, and in place", () => {
    const n = 5001;
    const gate = rand(n, 4);
    gate.set([-100, -30, 0, 30, 100, 1e-3], 0);
    const [ns, rs] = both([gate, rand(n), new Float32Array(n), rand(n), new Float32Array(n), new Float32Array(n)], (k, a) => {
      k.swigluFwd(a[0] as Vec, a[1] as Vec, a[2] as Vec, n);
      k.swigluBwd(a[0] as Vec, a[1] as Vec, a[3] as Vec, a[4] as Vec, a[5] as Vec, n);
    });
    close(ns[2] as Vec, rs[2] as Vec, "swiglu fwd");
    close(ns[4] as Vec, rs[4] as Vec, "swiglu dgate");
    close(ns[5] as Vec, rs[5] as Vec, "swiglu dup");
    // dgate into gate's buffer and dup into up's: the same values.
    const [g, u] = [Float32Array.from(ns[0] as Vec), Float32Array.from(ns[1] as Vec)];
    native.swigluBwd(g, u, ns[3] as Vec, g, u, n);
    expect(same(g, ns[4] as Float32Array) && same(u, ns[5] as Float32Array)).toBe(true);
  });

  it("bf16 → f32: every one of the 65,536 halves bit-exact, and hand-computed values", () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const [a, b] = [new Float32Array(65536), new Float32Array(65536)];
    native.bf16ToF32(all, a, 65536);
    ref.bf16ToF32(all, b, 65536);
    expect(same(a, b)).toBe(true);
    const cases: [number, number][] = [
      [0x3f80, 1],
      [0xc000, -2],
      [0x4049, 3.140625],
      [0x3e80, 0.25],
      [0x0001, 2 ** -133],
      [0x7f7f, 3.3895313892515355e38],
      [0x7f80, Number.POSITIVE_INFINITY],
      [0xff80, Number.NEGATIVE_INFINITY],
    ];
    const src = Uint16Array.from(cases, ([h]) => h);
    const out = new Float32Array(cases.length + 3);
    native.bf16ToF32(src, out, cases.length);
    for (const [i, [, v]] of cases.entries()) expect(out[i]).toBe(v);
    const tail = new Float32Array(3);
    native.bf16ToF32(Uint16Array.of(0x8000, 0x7fc0, 0xffc1), tail, 3);
    expect(Object.is(tail[0], -0)).toBe(true);
    expect(Array.from(bitsOf(tail).subarray(1))).toEqual([0x7fc00000, 0xffc10000]);
    expect(out[cases.length]).toBe(0); // n respected
  });

  it("f16 → f32: every one of the 65,536 halves bit-exact, and hand-computed values incl. subnormals, inf, NaN", () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const [a, b] = [new Float32Array(65536), new Float32Array(65536)];
    native.f16ToF32(all, a, 65536);
    ref.f16ToF32(all, b, 65536);
    expect(same(a, b)).toBe(true);
    const cases: [number, number][] = [
      [0x3c00, 1],
      [0xc000, -2],
      [0x3800, 0.5],
      [0x3555, 0.333251953125],
      [0x7bff, 65504],
      [0x0400, 2 ** -14],
      [0x0001, 2 ** -24],
      [0x8001, -(2 ** -24)],
      [0x03ff, 1023 * 2 ** -24],
      [0x0200, 2 ** -15],
      [0x7c00, Number.POSITIVE_INFINITY],
      [0xfc00, Number.NEGATIVE_INFINITY],
    ];
    const src = Uint16Array.from(cases, ([h]) => h);
    const out = new Float32Array(cases.length);
    native.f16ToF32(src, out, cases.length);
    for (const [i, [h, v]] of cases.entries()) expect(out[i], `0x${h.toString(16)}`).toBe(v);
    const special = new Float32Array(4);
    native.f16ToF32(Uint16Array.of(0x8000, 0x7e00, 0x7c01, 0xfe01), special, 4);
    expect(Object.is(special[0], -0)).toBe(true);
    // NaNs keep their payload (quiet and signalling) and sign.
    expect(Array.from(bitsOf(special).subarray(1))).toEqual([0x7fc00000, 0x7f802000, 0xffc02000]);
    expect(() => native.f16ToF32(new Uint16Array(4), new Float32Array(3), 4)).toThrow(/dst: array too short/);
    expect(() => native.f16ToF32(new Int32Array(4) as unknown as Uint16Array, new Float32Array(4), 4)).toThrow(/Uint16Array/);
  });

  it("gatherRows and scatterAddRows (repeated ids, odd d), ids out of range refused", () => {
    const [V, d, n] = [13, 37, 50];
    const ids = Int32Array.from({ length: n }, () => Math.floor(rng.next() * V));
    ids.set([3, 3, 3], 0);
    const [ng, rg] = both([rand(V * d), new Float32Array(n * d), rand(n * d), rand(V * d)], (k, a) => {
      k.gatherRows(ids, a[0] as Vec, a[1] as Vec, n, d);
      k.scatterAddRows(ids, a[2] as Vec, a[3] as Vec, n, d);
    });
    expect(Array.from(ng[1] as Vec)).toEqual(Array.from(rg[1] as Vec));
    close(ng[3] as Vec, rg[3] as Vec, "scatterAddRows");
    expect(() => native.gatherRows(Int32Array.of(V), rand(V * d), new Float32Array(d), 1, d)).toThrow(/out of range/);
    expect(() => native.scatterAddRows(Int32Array.of(-1), rand(d), rand(V * d), 1, d)).toThrow(/out of range/);
  });

  it("grouped-query attention forward and backward (kvHeads < H, hd 32/64, with and without saved probabilities)", () => {
    for (const [B, H, KV, T, hd] of [
      [2, 4, 2, 9, 32],
      [1, 9, 3, 70, 64],
      [3, 6, 1, 5, 32],
    ] as const) {
      const [qw, kw] = [H * hd, KV * hd];
      const stride = qw + 2 * kw;
      const s = 1 / Math.sqrt(hd);
      const [n, r] = both(
        [
          rand(B * T * stride),
          new Float32Array(B * T * qw),
          new Float32Array(B * H * T * T),
          rand(B * T * qw),
          new Float32Array(B * T * stride),
        ],
        (k, [qkv, out, P, dout, d]) => {
          const q = qkv as Vec;
          const g = d as Vec;
          k.attentionFwd(q, stride, q.subarray(qw), q.subarray(qw + kw), stride, out as Vec, qw, P as Vec, B, H, T, T, hd, 0, s, KV);
          k.attentionBwd(
            q,
            stride,
            q.subarray(qw),
            q.subarray(qw + kw),
            stride,
            P as Vec,
            dout as Vec,
            qw,
            g,
            g.subarray(qw),
            g.subarray(qw + kw),
            stride,
            B,
            H,
            T,
            hd,
            s,
            KV,
          );
        },
      );
      close(n[1] as Vec, r[1] as Vec, `gqa out ${H}/${KV}`);
      close(n[2] as Vec, r[2] as Vec, `gqa probabilities ${H}/${KV}`);
      close(n[4] as Vec, r[4] as Vec, `gqa dqkv ${H}/${KV}`);
      // Recomputed probabilities: the same gradient.
      const q = n[0] as Float32Array;
      const g = new Float32Array(B * T * stride);
      native.attentionBwd(
        q,
        stride,
        q.subarray(qw),
        q.subarray(qw + kw),
        stride,
        null,
        n[3] as Vec,
        qw,
        g,
        g.subarray(qw),
        g.subarray(qw + kw),
        stride,
        B,
        H,
        T,
        hd,
        s,
        KV,
      );
      close(g, r[4] as Vec, `gqa dqkv recomputed ${H}/${KV}`);
    }
  });

  it("grouped-query decoding: one query at posOffset > 0 against a KV cache equals the last row of the full pass", () => {
    const [H, KV, T, hd] = [9, 3, 23, 64];
    const [qw, kw] = [H * hd, KV * hd];
    const s = 1 / Math.sqrt(hd);
    const [kc, vc, q] = [rand(T * kw), rand(T * kw), rand(T * qw)];
    const [n, r] = both([q.subarray((T - 1) * qw), kc, vc, new Float32Array(qw)], (k, [qq, kk, vv, out]) =>
      k.attentionFwd(qq as Vec, qw, kk as Vec, vv as Vec, kw, out as Vec, qw, null, 1, H, 1, T, hd, T - 1, s, KV),
    );
    close(n[3] as Vec, r[3] as Vec, "gqa decode");
    const full = new Float32Array(T * qw);
    native.attentionFwd(q, qw, kc, vc, kw, full, qw, null, 1, H, T, T, hd, 0, s, KV);
    close(n[3] as Vec, full.subarray((T - 1) * qw), "gqa decode vs full pass");
  });

  it("kvHeads == H is bit-identical to multi-head attention without it; kvHeads must divide H", () => {
    const [B, H, T, hd] = [2, 4, 50, 32];
    const d = H * hd;
    const s = 0.2;
    const qkv = rand(B * T * 3 * d);
    const dout = rand(B * T * d);
    const run = (kv?: number) => {
      const out = new Float32Array(B * T * d);
      const g = new Float32Array(B * T * 3 * d);
      const args = [qkv, 3 * d, qkv.subarray(d), qkv.subarray(2 * d), 3 * d] as const;
      if (kv === undefined) {
        native.attentionFwd(...args, out, d, null, B, H, T, T, hd, 0, s);
        native.attentionBwd(...args, null, dout, d, g, g.subarray(d), g.subarray(2 * d), 3 * d, B, H, T, hd, s);
      } else {
        native.attentionFwd(...args, out, d, null, B, H, T, T, hd, 0, s, kv);
        native.attentionBwd(...args, null, dout, d, g, g.subarray(d), g.subarray(2 * d), 3 * d, B, H, T, hd, s, kv);
      }
      return [out, g];
    };
    const [o1, g1] = run();
    const [o2, g2] = run(H);
    expect(same(o1 as Float32Array, o2 as Float32Array) && same(g1 as Float32Array, g2 as Float32Array)).toBe(true);
    expect(() => run(3)).toThrow(/kvHeads must divide H/);
    expect(() => run(0)).toThrow(/kvHeads must divide H/);
  });

  it("results do not depend on the thread count (bit-identical)", () => {
    const [B, H, KV, T, hd] = [3, 6, 2, 40, 32];
    const [qw, kw] = [H * hd, KV * hd];
    const stride = qw + 2 * kw;
    const qkv = rand(B * T * stride);
    const dout = rand(B * T * qw);
    const [cos, sin] = ropeTables(T, hd);
    const rows = 300;
    const x = rand(rows * 100);
    const gamma = rand(100);
    const dy = rand(rows * 100);
    const ids = Int32Array.from({ length: 4000 }, () => Math.floor(rng.next() * 7));
    const upd = rand(4000 * 40);
    const run = () => {
      const q = Float32Array.from(qkv);
      native.rope(q, stride, B, T, H + KV, hd, 0, cos, sin, false);
      const g = new Float32Array(B * T * stride);
      native.attentionBwd(
        q,
        stride,
        q.subarray(qw),
        q.subarray(qw + kw),
        stride,
        null,
        dout,
        qw,
        g,
        g.subarray(qw),
        g.subarray(qw + kw),
        stride,
        B,
        H,
        T,
        hd,
        0.3,
        KV,
      );
      const [o, rs, dx, dg] = [new Float32Array(rows * 100), new Float32Array(rows), new Float32Array(rows * 100), new Float32Array(100)];
      native.rmsnormFwd(x, gamma, o, rs, rows, 100, 1e-5);
      native.rmsnormBwd(dy, x, gamma, rs, dx, dg, rows, 100, false);
      const table = new Float32Array(7 * 40);
      native.scatterAddRows(ids, upd, table, 4000, 40);
      const sw = new Float32Array(x.length);
      native.swigluFwd(x, o, sw, x.length);
      return [q, g, o, dx, dg, table, sw];
    };
    setNativeThreads(1);
    const one = run();
    setNativeThreads(3);
    const three = run();
    for (const [i, a] of one.entries()) expect(same(a, three[i] as Float32Array), `output ${i}`).toBe(true);
  });
});
