/**
 * Attention logit soft-capping (Gemma 2's attn_logit_softcapping: each score s = scale·q·k becomes cap·tanh(s / cap)
 * before the mask and the softmax), the `softcap` argument of attentionFwd / attentionBwd / attentionFwdRows /
 * attentionBwdRows, in the native kernels (native/src/attention.cc):
 * - against the float64 reference (reference/attention.ts, its gradients checked by finite differences in
 *   reference/attention-softcap-gradcheck.test.ts): ≤ 1e-5 × max(1, max |reference|) for caps 0.7, 5 and 50 with
 *   scores from well inside to far beyond the cap, with and without a sliding window, GQA and MHA, sequences longer
 *   than the kernels' row block, forward (output and probabilities) and backward (saved and recomputed probabilities);
 *   a decode chunk after a KV cache (qOff > 0, Tq < Tk); packed examples of different lengths (bit-identical to the
 *   padded kernels on each example alone, on any thread count);
 * - a cap far above every score gives the uncapped attention (to float32 rounding);
 * - softcap undefined or 0 bit-identical to the kernels without the argument (with and without a window);
 * - a negative, NaN or infinite cap refused.
 */
import { afterEach, describe, expect, it } from "vitest";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import { relErr } from "./compare.test-helpers.ts";
import { nativeKernels, setNativeThreads } from "./native.ts";
import type { Kernels, Vec } from "./types.ts";

const native = nativeKernels();
const ref = referenceKernels("f64");
const rng = new Rng(83);
const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);
const bits = (a: Vec) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const TOL = 1e-5;

afterEach(() => setNativeThreads(0));

/** Inputs of a padded problem: B examples of T rows, q/dout rows H·hd wide, k/v rows KV·hd wide; q scaled by amp. */
interface Problem {
  B: number;
  H: number;
  KV: number;
  T: number;
  hd: number;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  dout: Float32Array;
}
function problem(B: number, H: number, KV: number, T: number, hd: number, amp = 1): Problem {
  return { B, H, KV, T, hd, q: rand(B * T * H * hd, amp), k: rand(B * T * KV * hd), v: rand(B * T * KV * hd), dout: rand(B * T * H * hd) };
}
const scaleOf = (hd: number) => 1 / Math.sqrt(hd);
/** The kernels' own copy of an input: the array itself for the native kernels, float64 for the reference. */
const input = (k: Kernels, a: Float32Array): Vec => (k === native ? a : Float64Array.from(a));

/** attentionFwd with saved probabilities, then attentionBwd with them and with them recomputed. */
function padded(k: Kernels, p: Problem, window: number | undefined, softcap: number | undefined) {
  const { B, H, KV, T, hd } = p;
  const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
  const [q, kk, v, dout] = [input(k, p.q), input(k, p.k), input(k, p.v), input(k, p.dout)];
  const out = k.alloc(B * T * qw);
  const P = k.alloc(B * H * T * T);
  k.attentionFwd(q, qw, kk, v, kw, out, qw, P, B, H, T, T, hd, 0, s, KV, window, softcap);
  const grads = (saved: Vec | null) => {
    const [dq, dk, dv] = [k.alloc(B * T * qw), k.alloc(B * T * qw), k.alloc(B * T * qw)];
    k.attentionBwd(q, qw, kk, v, kw, saved, dout, qw, dq, dk, dv, qw, B, H, T, hd, s, KV, window, softcap);
    return { dq, dk, dv };
  };
  return { out, P, saved: grads(P), recomputed: grads(null) };
}

/** Packed examples: lens[b] rows from starts[b]. */
function packed(k: Kernels, p: Problem, starts: Int32Array, lens: Int32Array, window: number | undefined, softcap: number | undefined) {
  const { H, KV, hd } = p;
  const R = p.q.length / (H * hd);
  const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
  const [q, kk, v, dout] = [input(k, p.q), input(k, p.k), input(k, p.v), input(k, p.dout)];
  const [out, dq, dk, dv] = [k.alloc(R * qw), k.alloc(R * qw), k.alloc(R * qw), k.alloc(R * qw)];
  k.attentionFwdRows(q, qw, kk, v, kw, out, qw, starts, lens, H, hd, s, KV, window, softcap);
  k.attentionBwdRows(q, qw, kk, v, kw, dout, qw, dq, dk, dv, qw, starts, lens, H, hd, s, KV, window, softcap);
  return { out, dq, dk, dv };
}

function agree(actual: Record<string, Vec>, expected: Record<string, Vec>, what: string): void {
  for (const [name, a] of Object.entries(actual)) {
    const e = expected[name] as Float64Array;
    expect(relErr(a as Float32Array, e), `${what}: ${name}`).toBeLessThanOrEqual(TOL);
  }
}

/** The largest |scale·q·k| / cap over every query, head and causal key of a padded problem. */
function maxRatio(p: Problem, cap: number): number {
  const { B, H, KV, T, hd } = p;
  let mx = 0;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let c = 0; c < hd; c++)
            s += (p.q[((b * T + i) * H + h) * hd + c] as number) * (p.k[((b * T + j) * KV + Math.floor((h * KV) / H)) * hd + c] as number);
          mx = Math.max(mx, Math.abs(s * scaleOf(hd)) / cap);
        }
  return mx;
}

describe("attention soft-capping kernels", () => {
  it("agree with the float64 reference: forward, probabilities, backward with saved and recomputed P (caps, windows, GQA)", () => {
    for (const [B, H, KV, T, hd, amp] of [
      [2, 4, 2, 70, 32, 1],
      [1, 3, 3, 130, 16, 3],
      [3, 2, 1, 9, 16, 2],
      [1, 8, 4, 100, 64, 4],
    ] as const) {
      const p = problem(B, H, KV, T, hd, amp);
      for (const cap of [0.7, 5, 50]) {
        for (const window of [undefined, 3, 61]) {
          const what = `B ${B} H ${H}/${KV} T ${T} cap ${cap} window ${window}`;
          const n = padded(native, p, window, cap);
          const r = padded(ref, p, window, cap);
          agree({ out: n.out, P: n.P }, { out: r.out, P: r.P }, what);
          agree(n.saved, r.recomputed, `${what} (saved P)`);
          agree(n.recomputed, r.recomputed, `${what} (recomputed P)`);
          // and the cap matters here: the uncapped reference differs
          const u = padded(ref, p, window, undefined);
          expect(relErr(n.out as Float32Array, u.out as Float64Array), `${what}: uncapped`).toBeGreaterThan(10 * TOL);
        }
      }
    }
  });

  it("the test scores reach from well inside the cap to where tanh saturates", () => {
    expect(maxRatio(problem(1, 3, 3, 130, 16, 3), 5)).toBeGreaterThan(2);
    expect(maxRatio(problem(2, 4, 2, 70, 32, 1), 0.7)).toBeGreaterThan(4);
  });

  it("a decode chunk after a KV cache (qOff > 0, Tq < Tk) agrees with the reference and with the same rows of the full pass", () => {
    const [H, KV, T, hd] = [6, 2, 100, 32];
    const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
    const p = problem(1, H, KV, T, hd, 2);
    for (const cap of [0.7, 5]) {
      for (const window of [undefined, 8]) {
        const full = new Float32Array(T * qw);
        native.attentionFwd(p.q, qw, p.k, p.v, kw, full, qw, null, 1, H, T, T, hd, 0, s, KV, window, cap);
        for (const [qOff, Tq] of [
          [99, 1],
          [93, 7],
          [40, 60],
        ] as const) {
          const chunk = (k: Kernels, withP: boolean) => {
            const out = k.alloc(Tq * qw);
            const P = withP ? k.alloc(H * Tq * T) : null;
            const q = input(k, p.q.subarray(qOff * qw));
            k.attentionFwd(q, qw, input(k, p.k), input(k, p.v), kw, out, qw, P, 1, H, Tq, T, hd, qOff, s, KV, window, cap);
            return { out, P };
          };
          const [n, r] = [chunk(native, true), chunk(ref, true)];
          const what = `cap ${cap} window ${window}, queries ${qOff}..${qOff + Tq - 1} of ${T}`;
          agree({ out: n.out, P: n.P as Vec }, { out: r.out, P: r.P as Vec }, what);
          expect(bits(chunk(native, false).out), `${what}: without P`).toEqual(bits(n.out));
          expect(
            relErr(n.out as Float32Array, Float64Array.from(full.subarray(qOff * qw))),
            `${what} vs the full pass`,
          ).toBeLessThanOrEqual(TOL);
        }
      }
    }
  });

  it("packed examples of different lengths agree with the reference and are bit-identical to each example alone", () => {
    const LENS = Int32Array.from([37, 0, 120, 5, 64, 1, 49]);
    const STARTS = Int32Array.from(LENS, (_, b) => LENS.slice(0, b).reduce((s, n) => s + n, 0));
    const R = LENS.reduce((s, n) => s + n, 0);
    for (const [H, KV, hd, amp] of [
      [6, 2, 16, 2],
      [4, 4, 32, 1],
    ] as const) {
      const p = problem(1, H, KV, R, hd, amp);
      const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
      for (const [cap, window] of [
        [0.7, undefined],
        [5, 8],
        [5, undefined],
        [50, 61],
      ] as const) {
        const what = `H ${H}/${KV} cap ${cap} window ${window}`;
        const n = packed(native, p, STARTS, LENS, window, cap);
        agree(n, packed(ref, p, STARTS, LENS, window, cap), what);
        const [out, dq, dk, dv] = [new Float32Array(R * qw), new Float32Array(R * qw), new Float32Array(R * qw), new Float32Array(R * qw)];
        LENS.forEach((T, b) => {
          if (T === 0) return;
          const r = STARTS[b] as number;
          const [q, k, v, dout] = [p.q.subarray(r * qw), p.k.subarray(r * kw), p.v.subarray(r * kw), p.dout.subarray(r * qw)];
          const at = (a: Float32Array) => a.subarray(r * qw);
          native.attentionFwd(q, qw, k, v, kw, at(out), qw, null, 1, H, T, T, hd, 0, s, KV, window, cap);
          native.attentionBwd(q, qw, k, v, kw, null, dout, qw, at(dq), at(dk), at(dv), qw, 1, H, T, hd, s, KV, window, cap);
        });
        for (const [name, a] of Object.entries({ out, dq, dk, dv })) expect(bits(n[name as "out"]), `${what}: ${name}`).toEqual(bits(a));
        setNativeThreads(1);
        const single = packed(native, p, STARTS, LENS, window, cap);
        setNativeThreads(0);
        for (const name of ["out", "dq", "dk", "dv"] as const)
          expect(bits(single[name]), `${what}: ${name} on one thread`).toEqual(bits(n[name]));
      }
    }
  });

  it("a cap far above every score is the uncapped attention", () => {
    const p = problem(2, 4, 2, 70, 32);
    for (const window of [undefined, 8]) {
      const [c, u] = [padded(native, p, window, 1e4), padded(native, p, window, undefined)];
      const f64 = (a: Vec) => Float64Array.from(a);
      agree({ out: c.out, P: c.P }, { out: f64(u.out), P: f64(u.P) }, `window ${window}`);
      agree(c.saved, { dq: f64(u.saved.dq), dk: f64(u.saved.dk), dv: f64(u.saved.dv) }, `window ${window} (saved P)`);
      agree(
        c.recomputed,
        { dq: f64(u.recomputed.dq), dk: f64(u.recomputed.dk), dv: f64(u.recomputed.dv) },
        `window ${window} (recomputed P)`,
      );
    }
  });

  it("softcap undefined or 0 is bit-identical to the kernels without the argument (with and without a window)", () => {
    const [B, H, KV, T, hd] = [2, 6, 2, 100, 32];
    const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
    const p = problem(B, H, KV, T, hd, 2);
    const LENS = Int32Array.from([37, 0, 100, 63]);
    const STARTS = Int32Array.from([0, 37, 37, 137]);
    /** Every kernel, with `softcap` after the window, or without that argument ("absent"). */
    const all = (k: Kernels, window: number | undefined, softcap: number | undefined | "absent") => {
      const c = (a: Float32Array) => input(k, a);
      const [q, kk, v, dout] = [c(p.q), c(p.k), c(p.v), c(p.dout)];
      const n = B * T * qw;
      const [out, P, dq, dk, dv, eq, ek, ev] = [
        k.alloc(n),
        k.alloc(B * H * T * T),
        k.alloc(n),
        k.alloc(n),
        k.alloc(n),
        k.alloc(n),
        k.alloc(n),
        k.alloc(n),
      ];
      const [dec, ro, rq, rk, rv] = [k.alloc(7 * qw), k.alloc(n), k.alloc(n), k.alloc(n), k.alloc(n)];
      const q7 = c(p.q.subarray((T - 7) * qw));
      const extra: [number | undefined] | [number | undefined, number | undefined] = softcap === "absent" ? [window] : [window, softcap];
      k.attentionFwd(q, qw, kk, v, kw, out, qw, P, B, H, T, T, hd, 0, s, KV, ...extra);
      k.attentionBwd(q, qw, kk, v, kw, P, dout, qw, dq, dk, dv, qw, B, H, T, hd, s, KV, ...extra);
      k.attentionBwd(q, qw, kk, v, kw, null, dout, qw, eq, ek, ev, qw, B, H, T, hd, s, KV, ...extra);
      k.attentionFwd(q7, qw, kk, v, kw, dec, qw, null, 1, H, 7, T, hd, T - 7, s, KV, ...extra);
      k.attentionFwdRows(q, qw, kk, v, kw, ro, qw, STARTS, LENS, H, hd, s, KV, ...extra);
      k.attentionBwdRows(q, qw, kk, v, kw, dout, qw, rq, rk, rv, qw, STARTS, LENS, H, hd, s, KV, ...extra);
      return [out, P, dq, dk, dv, eq, ek, ev, dec, ro, rq, rk, rv].map(bits);
    };
    for (const k of [native, ref])
      for (const window of [undefined, 9]) {
        const without = all(k, window, "absent");
        for (const softcap of [undefined, 0])
          expect(all(k, window, softcap), `${k.name} window ${window} softcap ${softcap}`).toEqual(without);
        // and a cap does change them
        expect(all(k, window, 1)[0]).not.toEqual(without[0]);
      }
  });

  it("refuse a softcap that is not a non-negative finite number", () => {
    const [H, hd, T] = [2, 16, 5];
    const [q, out] = [rand(T * H * hd), new Float32Array(T * H * hd)];
    const [dq, dk, dv] = [new Float32Array(T * H * hd), new Float32Array(T * H * hd), new Float32Array(T * H * hd)];
    const [starts, lens] = [Int32Array.of(0), Int32Array.of(T)];
    for (const softcap of [-1, Number.NaN, Number.POSITIVE_INFINITY, 1e39]) {
      const err = /softcap: expected a non-negative finite number/;
      expect(() => native.attentionFwd(q, H * hd, q, q, H * hd, out, H * hd, null, 1, H, T, T, hd, 0, 0.25, H, 0, softcap)).toThrow(err);
      expect(() =>
        native.attentionBwd(q, H * hd, q, q, H * hd, null, q, H * hd, dq, dk, dv, H * hd, 1, H, T, hd, 0.25, H, 0, softcap),
      ).toThrow(err);
      expect(() => native.attentionFwdRows(q, H * hd, q, q, H * hd, out, H * hd, starts, lens, H, hd, 0.25, H, undefined, softcap)).toThrow(
        err,
      );
      expect(() =>
        native.attentionBwdRows(q, H * hd, q, q, H * hd, q, H * hd, dq, dk, dv, H * hd, starts, lens, H, hd, 0.25, H, undefined, softcap),
      ).toThrow(err);
    }
  });
});
