/**
 * Attention logit soft-capping (Gemma 2's attn_logit_softcapping, the `softcap` argument of the attention kernels) in
 * the float64 reference kernels (reference/attention.ts):
 * - the forward pass against a direct formula written out here (s = scale·q·k, cap·tanh(s / cap), the causal and
 *   sliding-window mask, softmax, ·V), for padded batches, GQA and a decode chunk (qOff > 0, Tq < Tk), and one case by
 *   hand in closed form;
 * - dq, dk, dv against central differences of L = sum(out · R), R random, for caps 0.7 and 5 with scores large enough
 *   that a good share of them sit where tanh saturates (|s| / cap > 1.5), with and without a window, GQA and MHA, with
 *   the forward pass's probabilities and with them recomputed (the same bits), and the Rows variants on packed rows;
 * - the float32 variant (referenceKernels("f32")) agrees with the float64 one.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../train/rng.ts";
import { attentionBwd, attentionBwdRows, attentionFwd, attentionFwdRows } from "./attention.ts";
import { referenceKernels } from "./index.ts";

const rng = new Rng(29);
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

/**
 * The share of the causal (windowed) scores s = scale·q·k with |s| / cap > 1.5 (tanh > 0.9: saturating), q at columns
 * qc, k at kc of rows of `stride`, examples of T rows from `starts`.
 */
function saturated(
  x: Float64Array,
  stride: number,
  qc: number,
  kc: number,
  starts: number[],
  T: number[],
  H: number,
  KV: number,
  hd: number,
  scale: number,
  cap: number,
  window = 0,
) {
  let [n, sat] = [0, 0];
  starts.forEach((r0, b) => {
    for (let h = 0; h < H; h++)
      for (let i = 0; i < (T[b] as number); i++)
        for (let j = window > 0 ? Math.max(0, i - window + 1) : 0; j <= i; j++) {
          let s = 0;
          for (let c = 0; c < hd; c++)
            s +=
              (x[(r0 + i) * stride + qc + h * hd + c] as number) *
              (x[(r0 + j) * stride + kc + Math.floor(h / (H / KV)) * hd + c] as number);
          n++;
          if (Math.abs(s * scale) / cap > 1.5) sat++;
        }
  });
  return sat / n;
}

/** The direct formula: cap·tanh(scale·q·k / cap) → causal (and window) mask → softmax → ·V, per batch, head and query. */
function direct(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  B: number,
  H: number,
  KV: number,
  Tq: number,
  Tk: number,
  hd: number,
  qOff: number,
  scale: number,
  cap: number,
  window: number,
) {
  const out = new Float64Array(B * Tq * H * hd);
  const P = new Float64Array(B * H * Tq * Tk);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const kvh = Math.floor((h * KV) / H);
      for (let i = 0; i < Tq; i++) {
        const pos = qOff + i;
        const seen = (j: number) => j <= pos && (window === 0 || j > pos - window);
        const capped: number[] = [];
        for (let j = 0; j < Tk; j++) {
          let s = 0;
          for (let c = 0; c < hd; c++)
            s += (q[((b * Tq + i) * H + h) * hd + c] as number) * (k[((b * Tk + j) * KV + kvh) * hd + c] as number);
          capped.push(seen(j) ? cap * Math.tanh((scale * s) / cap) : Number.NEGATIVE_INFINITY);
        }
        const mx = Math.max(...capped);
        const e = capped.map((s) => Math.exp(s - mx));
        const sum = e.reduce((a, x) => a + x, 0);
        for (let j = 0; j < Tk; j++) {
          const p = (e[j] as number) / sum;
          P[((b * H + h) * Tq + i) * Tk + j] = p;
          const o = ((b * Tq + i) * H + h) * hd;
          for (let c = 0; c < hd; c++) out[o + c] = (out[o + c] as number) + p * (v[((b * Tk + j) * KV + kvh) * hd + c] as number);
        }
      }
    }
  return { out, P };
}

const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] as number))), 0);

describe("attention soft-capping in the reference kernels", () => {
  it("the forward pass is cap·tanh(s / cap) → mask → softmax → ·V (direct formula; padded, GQA, windows, a decode chunk)", () => {
    for (const [B, H, KV, Tq, Tk, hd, qOff, cap, window] of [
      [2, 4, 2, 5, 5, 3, 0, 0.7, 0],
      [1, 3, 1, 6, 6, 4, 0, 5, 2],
      [1, 2, 2, 3, 8, 3, 5, 0.7, 3],
      [2, 2, 1, 1, 7, 2, 6, 5, 0],
    ] as const) {
      const [q, k, v] = [rand(B * Tq * H * hd, 3), rand(B * Tk * KV * hd, 1.5), rand(B * Tk * KV * hd)];
      const scale = 1 / Math.sqrt(hd);
      const out = new Float64Array(B * Tq * H * hd);
      const P = new Float64Array(B * H * Tq * Tk);
      attentionFwd(q, H * hd, k, v, KV * hd, out, H * hd, P, B, H, Tq, Tk, hd, qOff, scale, KV, window, cap);
      const d = direct(q, k, v, B, H, KV, Tq, Tk, hd, qOff, scale, cap, window);
      const what = `B ${B} H ${H}/${KV} Tq ${Tq} Tk ${Tk} qOff ${qOff} cap ${cap} window ${window}`;
      expect(maxDiff(out, d.out), `${what}: out`).toBeLessThan(1e-13);
      expect(maxDiff(P, d.P), `${what}: P`).toBeLessThan(1e-14);
      // and the cap changed something: without it the outputs differ
      const plain = new Float64Array(out.length);
      attentionFwd(q, H * hd, k, v, KV * hd, plain, H * hd, null, B, H, Tq, Tk, hd, qOff, scale, KV, window);
      expect(maxDiff(out, plain), `${what}: the cap matters`).toBeGreaterThan(1e-3);
    }
  });

  it("by hand: one head, hd 1, scale 1, cap 1", () => {
    // q = [2, 1], k = [1, 3], v = [10, 20]: query 0 sees key 0 alone; query 1 the capped scores tanh(1·1), tanh(1·3).
    const out = new Float64Array(2);
    const P = new Float64Array(4);
    attentionFwd(Float64Array.of(2, 1), 1, Float64Array.of(1, 3), Float64Array.of(10, 20), 1, out, 1, P, 1, 1, 2, 2, 1, 0, 1, 1, 0, 1);
    const [e0, e1] = [Math.exp(Math.tanh(1)), Math.exp(Math.tanh(3))];
    expect(out[0]).toBe(10);
    expect(out[1]).toBeCloseTo((10 * e0 + 20 * e1) / (e0 + e1), 14);
    expect([P[0], P[1]]).toEqual([1, 0]);
    expect(P[2]).toBeCloseTo(e0 / (e0 + e1), 15);
    expect(P[3]).toBeCloseTo(e1 / (e0 + e1), 15);
  });

  it("dq, dk, dv against central differences (caps 0.7 and 5, saturating scores, windows, GQA, saved and recomputed P)", () => {
    for (const [B, H, KV, T, hd, window, cap, amp] of [
      [2, 4, 2, 6, 3, 0, 0.7, 1.2],
      [2, 4, 2, 6, 3, 2, 0.7, 1.2],
      [1, 6, 2, 7, 4, 0, 5, 2.5],
      [2, 3, 3, 5, 2, 3, 5, 3],
      [1, 2, 1, 7, 3, 1, 0.7, 1.5],
      [1, 4, 1, 8, 2, 4, 5, 3],
    ] as const) {
      const what = `B ${B} H ${H}/${KV} T ${T} window ${window} cap ${cap}`;
      const [qw, kw] = [H * hd, KV * hd];
      const stride = qw + 2 * kw;
      const qkv = rand(B * T * stride, amp);
      const R = rand(B * T * qw);
      const out = new Float64Array(B * T * qw);
      const s = 1 / Math.sqrt(hd);
      const [k, v] = [qkv.subarray(qw), qkv.subarray(qw + kw)];
      const starts = Array.from({ length: B }, (_, b) => b * T);
      expect(
        saturated(
          qkv,
          stride,
          0,
          qw,
          starts,
          starts.map(() => T),
          H,
          KV,
          hd,
          s,
          cap,
          window,
        ),
        `${what}: saturated share`,
      ).toBeGreaterThan(0.15);
      const L = () => {
        attentionFwd(qkv, stride, k, v, stride, out, qw, null, B, H, T, T, hd, 0, s, KV, window, cap);
        return dot(out, R);
      };
      const d = new Float64Array(qkv.length);
      attentionBwd(qkv, stride, k, v, stride, null, R, qw, d, d.subarray(qw), d.subarray(qw + kw), stride, B, H, T, hd, s, KV, window, cap);
      const inColumns = (c0: number, c1: number) => () => Math.floor(rng.next() * B * T) * stride + c0 + Math.floor(rng.next() * (c1 - c0));
      check(`${what} dq`, qkv, L, d, inColumns(0, qw));
      check(`${what} dk`, qkv, L, d, inColumns(qw, qw + kw));
      check(`${what} dv`, qkv, L, d, inColumns(qw + kw, stride));
      // With the forward pass's probabilities: checked too, and the same bits.
      const P = new Float64Array(B * H * T * T);
      attentionFwd(qkv, stride, k, v, stride, out, qw, P, B, H, T, T, hd, 0, s, KV, window, cap);
      const d2 = new Float64Array(qkv.length);
      attentionBwd(qkv, stride, k, v, stride, P, R, qw, d2, d2.subarray(qw), d2.subarray(qw + kw), stride, B, H, T, hd, s, KV, window, cap);
      check(`${what} saved P dqkv`, qkv, L, d2, anywhere(qkv.length), 24);
      expect(Array.from(d2), `${what}: saved P`).toEqual(Array.from(d));
    }
  });

  it("packed rows (attentionFwdRows / attentionBwdRows): dq, dk, dv against central differences, caps 0.7 and 5", () => {
    const lens = Int32Array.from([5, 0, 7, 1, 4]);
    const starts = Int32Array.from([0, 5, 5, 12, 13]);
    const rows = 17;
    for (const [H, KV, hd, window, cap, amp] of [
      [4, 2, 3, 0, 0.7, 1.2],
      [4, 2, 3, 3, 5, 3],
      [3, 3, 2, 2, 0.7, 1.5],
      [2, 1, 4, 0, 5, 2.5],
    ] as const) {
      const what = `packed H ${H}/${KV} window ${window} cap ${cap}`;
      const [qw, kw] = [H * hd, KV * hd];
      const stride = qw + 2 * kw;
      const qkv = rand(rows * stride, amp);
      const R = rand(rows * qw);
      const out = new Float64Array(rows * qw);
      const s = 1 / Math.sqrt(hd);
      const [k, v] = [qkv.subarray(qw), qkv.subarray(qw + kw)];
      expect(
        saturated(qkv, stride, 0, qw, Array.from(starts), Array.from(lens), H, KV, hd, s, cap, window),
        `${what}: saturated share`,
      ).toBeGreaterThan(0.15);
      const L = () => {
        attentionFwdRows(qkv, stride, k, v, stride, out, qw, starts, lens, H, hd, s, KV, window, cap);
        return dot(out, R);
      };
      const d = new Float64Array(qkv.length);
      attentionBwdRows(
        qkv,
        stride,
        k,
        v,
        stride,
        R,
        qw,
        d,
        d.subarray(qw),
        d.subarray(qw + kw),
        stride,
        starts,
        lens,
        H,
        hd,
        s,
        KV,
        window,
        cap,
      );
      check(`${what} dqkv`, qkv, L, d, anywhere(rows * stride), 48);
    }
  });

  it("the float32 variant agrees with the float64 one", () => {
    const [f32, f64] = [referenceKernels("f32"), referenceKernels("f64")];
    const [B, H, KV, T, hd, cap, window] = [2, 4, 2, 9, 8, 0.7, 4];
    const [qw, kw, s] = [H * hd, KV * hd, 1 / Math.sqrt(hd)];
    const inputs = [rand(B * T * qw, 2), rand(B * T * kw, 2), rand(B * T * kw), rand(B * T * qw)];
    const run = (K: typeof f32) => {
      const [q, k, v, dout] = inputs.map((x) => (K === f32 ? Float32Array.from(x) : Float64Array.from(x))) as [
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
      ];
      const [out, P, dq, dk, dv] = [
        K.alloc(B * T * qw),
        K.alloc(B * H * T * T),
        K.alloc(B * T * qw),
        K.alloc(B * T * qw),
        K.alloc(B * T * qw),
      ];
      K.attentionFwd(q, qw, k, v, kw, out, qw, P, B, H, T, T, hd, 0, s, KV, window, cap);
      K.attentionBwd(q, qw, k, v, kw, P, dout, qw, dq, dk, dv, qw, B, H, T, hd, s, KV, window, cap);
      return [out, P, dq, dk, dv].map((x) => Float64Array.from(x));
    };
    const [a, b] = [run(f32), run(f64)];
    for (const [i, x] of a.entries()) expect(maxDiff(x, b[i] as Float64Array)).toBeLessThan(1e-5);
  });
});
