/**
 * Gradient checks of the open-weight (Llama-family) reference kernels in float64: RMSNorm (dx and a
 * gamma shared across rows), RoPE (the inverse rotation is the forward's adjoint), SwiGLU and
 * grouped-query attention (dq, dk, dv with kvHeads < H), with a sliding window too (padded and packed, saved and
 * recomputed probabilities) against central differences of L = sum(y · R), R random.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../train/rng.ts";
import { attentionBwd, attentionBwdRows, attentionFwd, attentionFwdRows } from "./attention.ts";
import { rmsnormBwd, rmsnormFwd } from "./rmsnorm.ts";
import { rope } from "./rope.ts";
import { swigluBwd, swigluFwd } from "./swiglu.ts";

const rng = new Rng(17);
const rand = (n: number, s = 1) => Float64Array.from({ length: n }, () => rng.normal() * s);
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

/** Analytic dL/dx[i] against central differences at sampled indices (`at` picks them). */
function check(name: string, x: Float64Array, L: () => number, analytic: Float64Array, at: () => number, samples = 16): void {
  for (let s = 0; s < samples; s++) {
    const i = at();
    const orig = x[i] as number;
    const eps = 1e-6;
    x[i] = orig + eps;
    const up = L();
    x[i] = orig - eps;
    const down = L();
    x[i] = orig;
    const numeric = (up - down) / (2 * eps);
    const a = analytic[i] as number;
    expect(Math.abs(numeric - a), `${name}[${i}]: numeric ${numeric}, analytic ${a}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
  }
}
const anywhere = (n: number) => () => Math.floor(rng.next() * n);

/** cos/sin tables [maxPos, hd/2] for base θ (Llama's inv_freq without scaling). */
function ropeTables(maxPos: number, hd: number, theta = 10000): [Float64Array, Float64Array] {
  const half = hd / 2;
  const cos = new Float64Array(maxPos * half);
  const sin = new Float64Array(maxPos * half);
  for (let p = 0; p < maxPos; p++)
    for (let i = 0; i < half; i++) {
      const angle = p / theta ** ((2 * i) / hd);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  return [cos, sin];
}

/**
 * Central differences of attention over a fused qkv buffer (q, k, v side by side in each row) against attentionBwd, for
 * dq, dk and dv each; returns the buffers for further checks.
 */
function checkFusedQkv(B: number, H: number, KV: number, T: number, hd: number, window: number | undefined, what: string) {
  const [qw, kw] = [H * hd, KV * hd];
  const stride = qw + 2 * kw;
  const qkv = rand(B * T * stride);
  const R = rand(B * T * qw);
  const out = new Float64Array(B * T * qw);
  const s = 1 / Math.sqrt(hd);
  const k = qkv.subarray(qw);
  const v = qkv.subarray(qw + kw);
  const L = () => {
    attentionFwd(qkv, stride, k, v, stride, out, qw, null, B, H, T, T, hd, 0, s, KV, window);
    return dot(out, R);
  };
  const d = new Float64Array(qkv.length);
  attentionBwd(qkv, stride, k, v, stride, null, R, qw, d, d.subarray(qw), d.subarray(qw + kw), stride, B, H, T, hd, s, KV, window);
  const inColumns = (c0: number, c1: number) => () => Math.floor(rng.next() * B * T) * stride + c0 + Math.floor(rng.next() * (c1 - c0));
  check(`${what} dq`, qkv, L, d, inColumns(0, qw));
  check(`${what} dk`, qkv, L, d, inColumns(qw, qw + kw));
  check(`${what} dv`, qkv, L, d, inColumns(qw + kw, stride));
  return { qkv, R, out, k, v, d, s, qw, kw, stride };
}

describe("open-weight reference kernels: gradients (finite differences, float64)", () => {
  it("rmsnorm: dx and dgamma, a gamma shared by every row (per-head q/k norm), accumulating dx", () => {
    const [T, heads, hd] = [3, 4, 6];
    const rows = T * heads;
    const x = rand(rows * hd, 2);
    const g = rand(hd);
    const R = rand(rows * hd);
    const out = new Float64Array(rows * hd);
    const rstd = new Float64Array(rows);
    const L = () => {
      rmsnormFwd(x, g, out, rstd, rows, hd, 1e-6);
      return dot(out, R);
    };
    L();
    const dx = new Float64Array(rows * hd);
    const dg = new Float64Array(hd);
    rmsnormBwd(R, x, g, rstd, dx, dg, rows, hd, false);
    check("rmsnorm dx", x, L, dx, anywhere(x.length));
    check("rmsnorm dgamma", g, L, dg, anywhere(g.length));
    // accumulateDx adds to what is there; a null dgamma leaves it alone.
    const base = rand(rows * hd);
    const acc = Float64Array.from(base);
    rmsnormBwd(R, x, g, rstd, acc, null, rows, hd, true);
    for (let i = 0; i < acc.length; i++) expect(acc[i]).toBeCloseTo((base[i] as number) + (dx[i] as number), 12);
    // Matches Hugging Face's formula on one row.
    const ms = x.subarray(0, hd).reduce((s, v) => s + v * v, 0) / hd;
    expect(out[1]).toBeCloseTo((g[1] as number) * ((x[1] as number) / Math.sqrt(ms + 1e-6)), 12);
  });

  it("rope: rotate_half pairs, positions from posOffset, the inverse is the adjoint and undoes it", () => {
    const [B, T, nHeads, hd, stride] = [2, 3, 2, 8, 21];
    const [cos, sin] = ropeTables(16, hd);
    const posOffset = 5;
    const x = rand(B * T * stride);
    const R = rand(B * T * stride);
    const y = new Float64Array(x.length);
    const L = () => {
      y.set(x);
      rope(y, stride, B, T, nHeads, hd, posOffset, cos, sin, false);
      return dot(y, R);
    };
    L();
    // Columns past the heads are untouched.
    for (let r = 0; r < B * T; r++) for (let c = nHeads * hd; c < stride; c++) expect(y[r * stride + c]).toBe(x[r * stride + c]);
    // The rotation of element (row 4 = batch 1 token 1, head 1, i = 2) by hand: position 6.
    const o = 4 * stride + hd;
    const angle = 6 / 10000 ** (4 / hd);
    expect(y[o + 2]).toBeCloseTo((x[o + 2] as number) * Math.cos(angle) - (x[o + 6] as number) * Math.sin(angle), 12);
    expect(y[o + 6]).toBeCloseTo((x[o + 6] as number) * Math.cos(angle) + (x[o + 2] as number) * Math.sin(angle), 12);
    // dL/dx = rope⁻¹(R) on the rotated columns (R itself elsewhere).
    const g = Float64Array.from(R);
    rope(g, stride, B, T, nHeads, hd, posOffset, cos, sin, true);
    check("rope", x, L, g, anywhere(x.length), 30);
    // inverse ∘ forward = identity
    L();
    rope(y, stride, B, T, nHeads, hd, posOffset, cos, sin, true);
    for (let i = 0; i < x.length; i++) expect(y[i]).toBeCloseTo(x[i] as number, 12);
    // One token at posOffset + t equals that row of the whole sequence.
    const full = Float64Array.from(x.subarray(0, T * stride));
    rope(full, stride, 1, T, nHeads, hd, 0, cos, sin, false);
    const one = Float64Array.from(x.subarray(2 * stride, 3 * stride));
    rope(one, stride, 1, 1, nHeads, hd, 2, cos, sin, false);
    for (let c = 0; c < stride; c++) expect(one[c]).toBe(full[2 * stride + c]);
  });

  it("swiglu: dgate and dup", () => {
    const n = 24;
    const gate = rand(n, 3);
    const up = rand(n, 2);
    const R = rand(n);
    const out = new Float64Array(n);
    const L = () => {
      swigluFwd(gate, up, out, n);
      return dot(out, R);
    };
    const dg = new Float64Array(n);
    const du = new Float64Array(n);
    swigluBwd(gate, up, R, dg, du, n);
    check("swiglu dgate", gate, L, dg, anywhere(n));
    check("swiglu dup", up, L, du, anywhere(n));
    expect(out[0]).toBeCloseTo(((gate[0] as number) / (1 + Math.exp(-(gate[0] as number)))) * (up[0] as number), 12);
  });

  it("grouped-query attention: dq, dk, dv with kvHeads < H in the fused qkv layout", () => {
    for (const [B, H, KV, T, hd] of [
      [2, 4, 2, 5, 3],
      [1, 6, 1, 4, 2],
      [2, 3, 3, 3, 2],
    ] as const)
      checkFusedQkv(B, H, KV, T, hd, undefined, `gqa ${H}/${KV}`);
  });

  it("sliding-window attention: dq, dk, dv for windows 1, 2 and 4 (saved and recomputed probabilities), and packed rows", () => {
    for (const [B, H, KV, T, hd, window] of [
      [2, 4, 2, 6, 3, 2],
      [1, 3, 3, 7, 2, 1],
      [2, 2, 1, 7, 3, 4],
    ] as const) {
      const { qkv, R, out, k, v, d, s, qw, kw, stride } = checkFusedQkv(B, H, KV, T, hd, window, `window ${window} ${H}/${KV}`);
      // With the forward pass's probabilities: the same gradients.
      const P = new Float64Array(B * H * T * T);
      attentionFwd(qkv, stride, k, v, stride, out, qw, P, B, H, T, T, hd, 0, s, KV, window);
      const d2 = new Float64Array(qkv.length);
      attentionBwd(qkv, stride, k, v, stride, P, R, qw, d2, d2.subarray(qw), d2.subarray(qw + kw), stride, B, H, T, hd, s, KV, window);
      expect(Array.from(d2)).toEqual(Array.from(d));
    }
    // Packed examples of different lengths, each with its window from its own position 0.
    const [H, KV, hd, window] = [4, 2, 3, 3];
    const lens = Int32Array.from([5, 0, 7, 1, 4]);
    const starts = Int32Array.from([0, 5, 5, 12, 13]);
    const rows = 17;
    const [qw, kw] = [H * hd, KV * hd];
    const stride = qw + 2 * kw;
    const qkv = rand(rows * stride);
    const R = rand(rows * qw);
    const out = new Float64Array(rows * qw);
    const s = 0.5;
    const k = qkv.subarray(qw);
    const v = qkv.subarray(qw + kw);
    const L = () => {
      attentionFwdRows(qkv, stride, k, v, stride, out, qw, starts, lens, H, hd, s, KV, window);
      return dot(out, R);
    };
    const d = new Float64Array(qkv.length);
    attentionBwdRows(qkv, stride, k, v, stride, R, qw, d, d.subarray(qw), d.subarray(qw + kw), stride, starts, lens, H, hd, s, KV, window);
    check("packed window dqkv", qkv, L, d, anywhere(rows * stride), 48);
  });

  it("grouped-query attention equals multi-head attention over repeated kv heads (forward, and dk/dv summed over the group)", () => {
    const [B, H, KV, T, hd] = [2, 6, 2, 4, 3];
    const group = H / KV;
    const q = rand(B * T * H * hd);
    const k = rand(B * T * KV * hd);
    const v = rand(B * T * KV * hd);
    const dout = rand(B * T * H * hd);
    const repeat = (x: Float64Array) => {
      const r = new Float64Array(B * T * H * hd);
      for (let row = 0; row < B * T; row++)
        for (let h = 0; h < H; h++)
          for (let c = 0; c < hd; c++) r[(row * H + h) * hd + c] = x[(row * KV + Math.floor(h / group)) * hd + c] as number;
      return r;
    };
    const s = 0.4;
    const [o1, o2] = [new Float64Array(B * T * H * hd), new Float64Array(B * T * H * hd)];
    attentionFwd(q, H * hd, k, v, KV * hd, o1, H * hd, null, B, H, T, T, hd, 0, s, KV);
    attentionFwd(q, H * hd, repeat(k), repeat(v), H * hd, o2, H * hd, null, B, H, T, T, hd, 0, s);
    for (let i = 0; i < o1.length; i++) expect(o1[i]).toBeCloseTo(o2[i] as number, 12);
    // GQA's dk/dv have the q stride (dqs) but only KV heads of columns.
    const [dq1, dk1, dv1] = [new Float64Array(B * T * H * hd), new Float64Array(B * T * H * hd), new Float64Array(B * T * H * hd)];
    attentionBwd(q, H * hd, k, v, KV * hd, null, dout, H * hd, dq1, dk1, dv1, H * hd, B, H, T, hd, s, KV);
    const [dq2, dk2, dv2] = [new Float64Array(B * T * H * hd), new Float64Array(B * T * H * hd), new Float64Array(B * T * H * hd)];
    attentionBwd(q, H * hd, repeat(k), repeat(v), H * hd, null, dout, H * hd, dq2, dk2, dv2, H * hd, B, H, T, hd, s);
    for (let i = 0; i < dq1.length; i++) expect(dq1[i]).toBeCloseTo(dq2[i] as number, 12);
    for (let row = 0; row < B * T; row++)
      for (let kvh = 0; kvh < KV; kvh++)
        for (let c = 0; c < hd; c++) {
          let sk = 0;
          let sv = 0;
          for (let g = 0; g < group; g++) {
            sk += dk2[row * H * hd + (kvh * group + g) * hd + c] as number;
            sv += dv2[row * H * hd + (kvh * group + g) * hd + c] as number;
          }
          expect(dk1[row * H * hd + kvh * hd + c]).toBeCloseTo(sk, 12);
          expect(dv1[row * H * hd + kvh * hd + c]).toBeCloseTo(sv, 12);
        }
  });
});
