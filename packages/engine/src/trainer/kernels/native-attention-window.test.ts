/**
 * Sliding-window causal attention, the `window` argument of attentionFwd / attentionBwd / attentionFwdRows /
 * attentionBwdRows (Gemma 3's local layers; Hugging Face's sliding_window: the query at position p sees the keys
 * p − window < j ≤ p), in the native kernels (native/src/attention.cc):
 * - against the float64 reference (reference/attention.ts, its windowed backward checked by finite differences in
 *   reference/llm-gradcheck.test.ts): ≤ 1e-5 × max(1, max |reference|) for windows 1, 3, 8, 61 and one longer than the
 *   sequence, GQA and MHA, sequences longer than the kernels' row block (whose products before the window are skipped),
 *   forward (output and probabilities) and backward (saved and recomputed probabilities); a decode chunk after a KV
 *   cache (qOff > 0, Tq < Tk); packed examples of different lengths (and bit-identical to the padded kernels run on each
 *   example alone, on any thread count);
 * - what the window means, without the reference: changing the key and value at position j changes exactly the outputs
 *   of the queries j .. j + window − 1 (the others bit for bit the same), a query's gradient reaches exactly the keys
 *   and values of its window, each query's output is unwindowed attention over its window's keys alone, and the
 *   probabilities outside the window are exactly 0;
 * - no window (undefined, 0, or a window at least the sequence long) bit-identical to the kernels called without it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import { relErr } from "./compare.test-helpers.ts";
import { nativeKernels, setNativeThreads } from "./native.ts";
import type { Kernels, Vec } from "./types.ts";

const native = nativeKernels();
const ref = referenceKernels("f64");
const rng = new Rng(61);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const bits = (a: Vec) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const TOL = 1e-5;

afterEach(() => setNativeThreads(0));

/** Inputs of a padded problem: B examples of T rows, q/dout rows H·hd wide, k/v rows KV·hd wide. */
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
function problem(B: number, H: number, KV: number, T: number, hd: number): Problem {
  return { B, H, KV, T, hd, q: rand(B * T * H * hd), k: rand(B * T * KV * hd), v: rand(B * T * KV * hd), dout: rand(B * T * H * hd) };
}
const scaleOf = (hd: number) => 1 / Math.sqrt(hd);
/** The kernels' own copy of an input: the array itself for the native kernels, float64 for the reference. */
const input = (k: Kernels, a: Float32Array): Vec => (k === native ? a : Float64Array.from(a));

/** attentionFwd with saved probabilities, then attentionBwd with them and with them recomputed. */
function padded(k: Kernels, p: Problem, window: number | undefined) {
  const { B, H, KV, T, hd } = p;
  const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
  const [q, kk, v, dout] = [input(k, p.q), input(k, p.k), input(k, p.v), input(k, p.dout)];
  const out = k.alloc(B * T * qw);
  const P = k.alloc(B * H * T * T);
  k.attentionFwd(q, qw, kk, v, kw, out, qw, P, B, H, T, T, hd, 0, s, KV, window);
  const grads = (saved: Vec | null) => {
    const [dq, dk, dv] = [k.alloc(B * T * qw), k.alloc(B * T * qw), k.alloc(B * T * qw)];
    k.attentionBwd(q, qw, kk, v, kw, saved, dout, qw, dq, dk, dv, qw, B, H, T, hd, s, KV, window);
    return { dq, dk, dv };
  };
  return { out, P, saved: grads(P), recomputed: grads(null) };
}

/** Packed examples: lens[b] rows from starts[b]. */
function packed(k: Kernels, p: Problem, starts: Int32Array, lens: Int32Array, window: number | undefined) {
  const { H, KV, hd } = p;
  const R = p.q.length / (H * hd);
  const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
  const [q, kk, v, dout] = [input(k, p.q), input(k, p.k), input(k, p.v), input(k, p.dout)];
  const [out, dq, dk, dv] = [k.alloc(R * qw), k.alloc(R * qw), k.alloc(R * qw), k.alloc(R * qw)];
  k.attentionFwdRows(q, qw, kk, v, kw, out, qw, starts, lens, H, hd, s, KV, window);
  k.attentionBwdRows(q, qw, kk, v, kw, dout, qw, dq, dk, dv, qw, starts, lens, H, hd, s, KV, window);
  return { out, dq, dk, dv };
}

function agree(actual: Record<string, Vec>, expected: Record<string, Vec>, what: string): void {
  for (const [name, a] of Object.entries(actual)) {
    const e = expected[name] as Float64Array;
    expect(relErr(a as Float32Array, e), `${what}: ${name}`).toBeLessThanOrEqual(TOL);
  }
}

const firstKey = (p: number, window: number) => Math.max(0, p - window + 1);

describe("sliding-window attention kernels", () => {
  it("agree with the float64 reference: forward, probabilities, backward with saved and recomputed P (GQA and MHA)", () => {
    for (const [B, H, KV, T, hd] of [
      [2, 4, 2, 70, 32],
      [1, 3, 3, 130, 16],
      [3, 2, 1, 9, 16],
    ] as const) {
      const p = problem(B, H, KV, T, hd);
      for (const window of [1, 3, 8, 61, T + 5]) {
        const what = `B ${B} H ${H}/${KV} T ${T} window ${window}`;
        const n = padded(native, p, window);
        const r = padded(ref, p, window);
        agree({ out: n.out, P: n.P }, { out: r.out, P: r.P }, what);
        agree(n.saved, r.recomputed, `${what} (saved P)`);
        agree(n.recomputed, r.recomputed, `${what} (recomputed P)`);
        agree(r.saved, r.recomputed, `${what} reference (saved P)`);
      }
    }
  });

  it("a decode chunk after a KV cache (qOff > 0, Tq < Tk) agrees with the reference and with the same rows of the full pass", () => {
    const [H, KV, T, hd] = [6, 2, 100, 32];
    const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
    const p = problem(1, H, KV, T, hd);
    for (const window of [1, 3, 8, 61, T + 5]) {
      const full = new Float32Array(T * qw);
      native.attentionFwd(p.q, qw, p.k, p.v, kw, full, qw, null, 1, H, T, T, hd, 0, s, KV, window);
      for (const [qOff, Tq] of [
        [99, 1],
        [93, 7],
        [40, 60],
      ] as const) {
        const chunk = (k: Kernels, withP: boolean) => {
          const out = k.alloc(Tq * qw);
          const P = withP ? k.alloc(H * Tq * T) : null;
          k.attentionFwd(
            input(k, p.q.subarray(qOff * qw)),
            qw,
            input(k, p.k),
            input(k, p.v),
            kw,
            out,
            qw,
            P,
            1,
            H,
            Tq,
            T,
            hd,
            qOff,
            s,
            KV,
            window,
          );
          return { out, P };
        };
        const [n, r] = [chunk(native, true), chunk(ref, true)];
        const what = `window ${window}, queries ${qOff}..${qOff + Tq - 1} of ${T}`;
        agree({ out: n.out, P: n.P as Vec }, { out: r.out, P: r.P as Vec }, what);
        expect(bits(chunk(native, false).out), `${what}: without P`).toEqual(bits(n.out));
        expect(relErr(n.out as Float32Array, Float64Array.from(full.subarray(qOff * qw))), `${what} vs the full pass`).toBeLessThanOrEqual(
          TOL,
        );
      }
    }
  });

  it("packed examples of different lengths agree with the reference and are bit-identical to each example alone", () => {
    const LENS = Int32Array.from([37, 0, 120, 5, 64, 1, 49]);
    const STARTS = Int32Array.from(LENS, (_, b) => LENS.slice(0, b).reduce((s, n) => s + n, 0));
    const R = LENS.reduce((s, n) => s + n, 0);
    for (const [H, KV, hd] of [
      [6, 2, 16],
      [4, 4, 32],
    ] as const) {
      const p = problem(1, H, KV, R, hd);
      const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
      for (const window of [1, 3, 8, 61, 200]) {
        const what = `H ${H}/${KV} window ${window}`;
        const n = packed(native, p, STARTS, LENS, window);
        agree(n, packed(ref, p, STARTS, LENS, window), what);
        expect(n.out.some((x) => x !== 0)).toBe(true);
        // The padded kernels with B = 1 on each example's rows: the same bits.
        const [out, dq, dk, dv] = [new Float32Array(R * qw), new Float32Array(R * qw), new Float32Array(R * qw), new Float32Array(R * qw)];
        LENS.forEach((T, b) => {
          if (T === 0) return;
          const r = STARTS[b] as number;
          const [q, k, v, dout] = [p.q.subarray(r * qw), p.k.subarray(r * kw), p.v.subarray(r * kw), p.dout.subarray(r * qw)];
          const at = (a: Float32Array) => a.subarray(r * qw);
          native.attentionFwd(q, qw, k, v, kw, at(out), qw, null, 1, H, T, T, hd, 0, s, KV, window);
          native.attentionBwd(q, qw, k, v, kw, null, dout, qw, at(dq), at(dk), at(dv), qw, 1, H, T, hd, s, KV, window);
        });
        for (const [name, a] of Object.entries({ out, dq, dk, dv })) expect(bits(n[name as "out"]), `${what}: ${name}`).toEqual(bits(a));
        setNativeThreads(1);
        const single = packed(native, p, STARTS, LENS, window);
        setNativeThreads(0);
        for (const name of ["out", "dq", "dk", "dv"] as const)
          expect(bits(single[name]), `${what}: ${name} on one thread`).toEqual(bits(n[name]));
      }
    }
  });

  it("changing the key and value at position j changes exactly the outputs of queries j .. j + window − 1", () => {
    const [H, KV, T, hd] = [4, 2, 110, 16];
    const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
    const p = problem(1, H, KV, T, hd);
    for (const k of [native, ref]) {
      for (const window of [1, 3, 8, 50]) {
        const run = (kk: Float32Array, v: Float32Array) => {
          const out = k.alloc(T * qw);
          k.attentionFwd(input(k, p.q), qw, input(k, kk), input(k, v), kw, out, qw, null, 1, H, T, T, hd, 0, s, KV, window);
          return out;
        };
        const base = run(p.k, p.v);
        for (const j of [0, 5, 47, 48, 60, T - 1]) {
          for (const which of ["k", "v"] as const) {
            const [kk, v] = [Float32Array.from(p.k), Float32Array.from(p.v)];
            (which === "k" ? kk : v).set(rand(kw), j * kw);
            const changed = run(kk, v);
            for (let i = 0; i < T; i++) {
              const row = (a: Vec) => Array.from(a.subarray(i * qw, (i + 1) * qw));
              const seen = i >= j && i <= j + window - 1;
              // A query that sees one key only (window 1, or query 0) has probability 1 on it, whatever its score.
              const differs = seen && !(which === "k" && i === firstKey(i, window));
              const what = `${k.name} window ${window}, ${which} at ${j}, query ${i}`;
              if (differs) expect(row(changed), what).not.toEqual(row(base));
              else expect(row(changed), what).toEqual(row(base));
            }
          }
        }
      }
    }
  });

  it("a query's gradient reaches exactly the keys and values of its window (packed and padded backward)", () => {
    const [H, KV, T, hd] = [4, 2, 110, 16];
    const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
    const p = problem(1, H, KV, T, hd);
    for (const window of [1, 3, 8, 50]) {
      for (const i of [0, 2, 47, 49, 100, T - 1]) {
        const dout = new Float32Array(T * qw);
        dout.set(rand(qw), i * qw);
        const [dq, dk, dv] = [new Float32Array(T * qw), new Float32Array(T * qw), new Float32Array(T * qw)];
        native.attentionBwd(p.q, qw, p.k, p.v, kw, null, dout, qw, dq, dk, dv, qw, 1, H, T, hd, s, KV, window);
        const [pq, pk, pv] = [new Float32Array(T * qw), new Float32Array(T * qw), new Float32Array(T * qw)];
        native.attentionBwdRows(p.q, qw, p.k, p.v, kw, dout, qw, pq, pk, pv, qw, Int32Array.of(0), Int32Array.of(T), H, hd, s, KV, window);
        expect(bits(pk)).toEqual(bits(dk));
        const nonzero = (a: Float32Array, row: number, w: number) => a.subarray(row * qw, row * qw + w).some((x) => x !== 0);
        for (let j = 0; j < T; j++) {
          const inside = j >= firstKey(i, window) && j <= i;
          const what = `window ${window}, query ${i}, key ${j}`;
          expect(nonzero(dv, j, kw), `${what}: dv`).toBe(inside);
          // dk is 0 at a lone key (window 1 or the first query): its probability is 1 whatever its score.
          expect(nonzero(dk, j, kw), `${what}: dk`).toBe(inside && i - firstKey(i, window) > 0);
          expect(nonzero(dq, j, qw), `${what}: dq`).toBe(j === i && i - firstKey(i, window) > 0);
        }
      }
    }
  });

  it("each query's output is unwindowed attention over its window's keys alone; probabilities outside it are exactly 0", () => {
    const [B, H, KV, T, hd] = [2, 4, 1, 90, 32];
    const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
    const p = problem(B, H, KV, T, hd);
    for (const window of [1, 3, 8, 50]) {
      const out = new Float32Array(B * T * qw);
      const P = new Float32Array(B * H * T * T);
      native.attentionFwd(p.q, qw, p.k, p.v, kw, out, qw, P, B, H, T, T, hd, 0, s, KV, window);
      const alone = new Float32Array(B * T * qw);
      for (let b = 0; b < B; b++)
        for (let i = 0; i < T; i++) {
          const lo = firstKey(i, window);
          const n = i - lo + 1; // the query is the last of n keys, with no window
          const [r, kr] = [(b * T + i) * qw, (b * T + lo) * kw];
          native.attentionFwd(
            p.q.subarray(r),
            qw,
            p.k.subarray(kr),
            p.v.subarray(kr),
            kw,
            alone.subarray(r),
            qw,
            null,
            1,
            H,
            1,
            n,
            hd,
            n - 1,
            s,
            KV,
          );
          for (let h = 0; h < H; h++) {
            const row = P.subarray(((b * H + h) * T + i) * T, ((b * H + h) * T + i + 1) * T);
            let sum = 0;
            for (let j = 0; j < T; j++) {
              if (j < lo || j > i) expect(row[j], `window ${window}: P[${b}, ${h}, ${i}, ${j}]`).toBe(0);
              else sum += row[j] as number;
            }
            expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
          }
        }
      expect(relErr(out, Float64Array.from(alone)), `window ${window}`).toBeLessThanOrEqual(TOL);
    }
  });

  it("no window (undefined, 0, or one at least the sequence long) is bit-identical to the kernels without the argument", () => {
    const [B, H, KV, T, hd] = [2, 6, 2, 100, 32];
    const [qw, kw, s] = [H * hd, KV * hd, scaleOf(hd)];
    const p = problem(B, H, KV, T, hd);
    const LENS = Int32Array.from([37, 0, 100, 63]);
    const STARTS = Int32Array.from([0, 37, 37, 137]);
    /** Every kernel, with `window` as the last argument, or without that argument ("absent"). */
    const all = (k: Kernels, window: number | undefined | "absent") => {
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
      if (window === "absent") {
        k.attentionFwd(q, qw, kk, v, kw, out, qw, P, B, H, T, T, hd, 0, s, KV);
        k.attentionBwd(q, qw, kk, v, kw, P, dout, qw, dq, dk, dv, qw, B, H, T, hd, s, KV);
        k.attentionBwd(q, qw, kk, v, kw, null, dout, qw, eq, ek, ev, qw, B, H, T, hd, s, KV);
        k.attentionFwd(q7, qw, kk, v, kw, dec, qw, null, 1, H, 7, T, hd, T - 7, s, KV);
        k.attentionFwdRows(q, qw, kk, v, kw, ro, qw, STARTS, LENS, H, hd, s, KV);
        k.attentionBwdRows(q, qw, kk, v, kw, dout, qw, rq, rk, rv, qw, STARTS, LENS, H, hd, s, KV);
      } else {
        k.attentionFwd(q, qw, kk, v, kw, out, qw, P, B, H, T, T, hd, 0, s, KV, window);
        k.attentionBwd(q, qw, kk, v, kw, P, dout, qw, dq, dk, dv, qw, B, H, T, hd, s, KV, window);
        k.attentionBwd(q, qw, kk, v, kw, null, dout, qw, eq, ek, ev, qw, B, H, T, hd, s, KV, window);
        k.attentionFwd(q7, qw, kk, v, kw, dec, qw, null, 1, H, 7, T, hd, T - 7, s, KV, window);
        k.attentionFwdRows(q, qw, kk, v, kw, ro, qw, STARTS, LENS, H, hd, s, KV, window);
        k.attentionBwdRows(q, qw, kk, v, kw, dout, qw, rq, rk, rv, qw, STARTS, LENS, H, hd, s, KV, window);
      }
      return [out, P, dq, dk, dv, eq, ek, ev, dec, ro, rq, rk, rv].map(bits);
    };
    for (const k of [native, ref]) {
      const without = all(k, "absent");
      for (const window of [undefined, 0, T, T + 1, 2 ** 31 - 1]) expect(all(k, window), `${k.name} window ${window}`).toEqual(without);
    }
  });

  it("refuse a window that is not a non-negative integer", () => {
    const [H, hd, T] = [2, 16, 5];
    const [q, out] = [rand(T * H * hd), new Float32Array(T * H * hd)];
    for (const window of [-1, 2.5, Number.NaN])
      expect(() => native.attentionFwd(q, H * hd, q, q, H * hd, out, H * hd, null, 1, H, T, T, hd, 0, 0.25, H, window)).toThrow(
        /window: expected a non-negative integer/,
      );
  });
});
