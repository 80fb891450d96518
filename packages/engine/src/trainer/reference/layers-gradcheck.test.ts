/**
 * Per-layer gradient checks of the reference kernels in float64: for each layer y = f(x), the
 * backward kernel's dx for the scalar L = sum(y · R) (R random) matches central differences.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../train/rng.ts";
import { attentionBwd, attentionFwd } from "./attention.ts";
import { gemm } from "./gemm.ts";
import { colsum, embedBwd, embedFwd, geluBwd, geluFwd, layernormBwd, layernormFwd } from "./layers.ts";
import { crossEntropy } from "./optim.ts";

const rng = new Rng(11);
const rand = (n: number, s = 1) => Float64Array.from({ length: n }, () => rng.normal() * s);

/** Checks analytic dL/dx against central differences of L(x) at a few random coordinates. */
function check(name: string, x: Float64Array, L: () => number, analytic: Float64Array, samples = 12): void {
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(rng.next() * x.length);
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
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

describe("reference layer gradients (finite differences, float64)", () => {
  it("gemm: all transpose variants, d/dA and d/dB", () => {
    const [M, N, K] = [4, 5, 3];
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      const A = rand(M * K);
      const B = rand(K * N);
      const R = rand(M * N);
      const C = new Float64Array(M * N);
      const L = () => {
        gemm(ta, tb, M, N, K, A, ta ? M : K, B, tb ? K : N, C, N, false, null);
        return dot(C, R);
      };
      // dA = R·opBᵀ (laid out as A), dB = opAᵀ·R (laid out as B)
      const dA = new Float64Array(M * K);
      const dB = new Float64Array(K * N);
      if (ta) gemm(tb, true, K, M, N, B, tb ? K : N, R, N, dA, M, false, null);
      else gemm(false, !tb, M, K, N, R, N, B, tb ? K : N, dA, K, false, null);
      if (tb) gemm(true, ta, N, K, M, R, N, A, ta ? M : K, dB, K, false, null);
      else gemm(!ta, false, K, N, M, A, ta ? M : K, R, N, dB, N, false, null);
      check("gemm dA", A, L, dA);
      check("gemm dB", B, L, dB);
    }
  });

  it("layernorm: dx, dgamma, dbeta", () => {
    const [rows, d] = [3, 6];
    const x = rand(rows * d);
    const g = rand(d);
    const b = rand(d);
    const R = rand(rows * d);
    const out = new Float64Array(rows * d);
    const mean = new Float64Array(rows);
    const rstd = new Float64Array(rows);
    const L = () => {
      layernormFwd(x, g, b, out, mean, rstd, rows, d);
      return dot(out, R);
    };
    L();
    const dx = new Float64Array(rows * d);
    const dg = new Float64Array(d);
    const db = new Float64Array(d);
    layernormBwd(R, x, g, mean, rstd, dx, dg, db, rows, d, false);
    check("ln dx", x, L, dx);
    check("ln dgamma", g, L, dg);
    check("ln dbeta", b, L, db);
  });

  it("gelu", () => {
    const x = rand(20, 2);
    const R = rand(20);
    const out = new Float64Array(20);
    const dx = new Float64Array(20);
    geluBwd(x, R, dx, 20);
    check(
      "gelu",
      x,
      () => {
        geluFwd(x, out, 20);
        return dot(out, R);
      },
      dx,
    );
  });

  it("causal attention: dq, dk, dv through the packed qkv layout", () => {
    const [B, H, T, hd] = [2, 2, 4, 3];
    const d = H * hd;
    const qkv = rand(B * T * 3 * d);
    const R = rand(B * T * d);
    const out = new Float64Array(B * T * d);
    const P = new Float64Array(B * H * T * T);
    const s = 1 / Math.sqrt(hd);
    const L = () => {
      attentionFwd(qkv, 3 * d, qkv.subarray(d), qkv.subarray(2 * d), 3 * d, out, d, P, B, H, T, T, hd, 0, s);
      return dot(out, R);
    };
    L();
    const dqkv = new Float64Array(qkv.length);
    attentionBwd(
      qkv,
      3 * d,
      qkv.subarray(d),
      qkv.subarray(2 * d),
      3 * d,
      P,
      R,
      d,
      dqkv,
      dqkv.subarray(d),
      dqkv.subarray(2 * d),
      3 * d,
      B,
      H,
      T,
      hd,
      s,
    );
    check("attention dqkv", qkv, L, dqkv, 30);
  });

  it("cross-entropy with a loss mask: d/dlogits", () => {
    const [rows, V] = [4, 7];
    const logits = rand(rows * V);
    const targets = Int32Array.from([1, 6, 0, 3]);
    const weights = Float64Array.from([0.5, 0, 0.25, 0.25]);
    const losses = new Float64Array(rows);
    const correct = new Float64Array(rows);
    const L = () => {
      crossEntropy(Float64Array.from(logits), targets, weights, losses, correct, rows, V, false);
      return losses.reduce((a, l, i) => a + l * (weights[i] as number), 0);
    };
    const grad = Float64Array.from(logits);
    crossEntropy(grad, targets, weights, losses, correct, rows, V, true);
    check("xent", logits, L, grad, 20);
    for (let j = 0; j < V; j++) expect(grad[V + j]).toBe(0);
  });

  it("embedding (scatter-add with repeated ids) and column sums", () => {
    const [B, T, d, V] = [2, 3, 4, 5];
    const ids = Int32Array.from([1, 1, 4, 0, 1, 4]);
    const tok = rand(V * d);
    const pos = rand(T * d);
    const R = rand(B * T * d);
    const out = new Float64Array(B * T * d);
    const L = () => {
      embedFwd(ids, tok, pos, out, B, T, d);
      return dot(out, R);
    };
    const dtok = new Float64Array(V * d);
    const dpos = new Float64Array(T * d);
    embedBwd(ids, R, dtok, dpos, B, T, d);
    check("embed dtok", tok, L, dtok);
    check("embed dpos", pos, L, dpos);
    const bias = rand(d);
    const y = new Float64Array(B * T * d);
    const Rb = rand(B * T * d);
    const db = new Float64Array(d);
    colsum(Rb, B * T, d, db, false);
    const x = rand(B * T * d);
    check(
      "bias (colsum)",
      bias,
      () => {
        gemm(false, false, B * T, d, 1, x, 1, new Float64Array(d), d, y, d, false, bias);
        return dot(y, Rb);
      },
      db,
    );
  });
});
