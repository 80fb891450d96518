/**
 * Native kernels agree with the float64 reference. Stated tolerance: max |native - reference| ≤
 * 2e-5 × max(1, max |reference|) for element-wise kernels and 1e-5 × K for matmuls (float32
 * accumulation over K terms); the whole model's gradient within 1e-3 relative.
 */
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { backward } from "../model/backward.ts";
import { crossEntropy, forward } from "../model/forward.ts";
import { Transformer } from "../model/transformer.ts";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import { nativeKernels, setGemmIsa, setNativeThreads } from "./native.ts";
import type { Kernels, Vec } from "./types.ts";

const native = nativeKernels();
const ref = referenceKernels("f64");
const rng = new Rng(3);
const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);
const f64 = (a: Vec) => Float64Array.from(a);

function close(actual: Vec, expected: Vec, tol: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  expect(worst / scale, what).toBeLessThan(tol);
}

/** Runs fn on native (float32 arrays) and reference (float64 copies); returns both output sets. */
function both(inputs: Vec[], fn: (k: Kernels, a: Vec[]) => void): [Vec[], Vec[]] {
  const n = inputs.map((a) => Float32Array.from(a));
  const r = inputs.map(f64);
  fn(native, n);
  fn(ref, r);
  return [n, r];
}

describe("native kernels vs reference", () => {
  it("gemm, every transpose variant, odd shapes, bias, accumulate, small M", () => {
    for (const [M, N, K] of [
      [37, 45, 29],
      [130, 70, 300],
      [3, 300, 70],
      [1, 513, 64],
      [200, 33, 1],
    ] as const) {
      for (const ta of [false, true])
        for (const tb of [false, true])
          for (const acc of [false, true]) {
            const [n, r] = both([rand(M * K), rand(K * N), rand(M * N), rand(N)], (k, [A, B, C, bias]) =>
              k.gemm(ta, tb, M, N, K, A as Vec, ta ? M : K, B as Vec, tb ? K : N, C as Vec, N, acc, bias as Vec),
            );
            close(n[2] as Vec, r[2] as Vec, 1e-5 * K + 1e-6, `gemm ${ta} ${tb} ${M}x${N}x${K} acc=${acc}`);
          }
    }
  });

  it("gemm with B packed in several chunks (a deep product: one column group per chunk), both layouts of B", () => {
    const [M, N, K] = [97, 260, 8200]; // 4M floats per chunk / (256 columns × 8,200) → one group per chunk
    for (const tb of [false, true]) {
      const [n, r] = both([rand(M * K), rand(K * N), rand(M * N), rand(N)], (k, [A, B, C, bias]) =>
        k.gemm(false, tb, M, N, K, A as Vec, K, B as Vec, tb ? K : N, C as Vec, N, true, bias as Vec),
      );
      close(n[2] as Vec, r[2] as Vec, 1e-5 * Math.sqrt(K) + 1e-5, `gemm N${tb ? "T" : "N"} ${M}x${N}x${K}`);
    }
  });

  it("every matmul microkernel this CPU can run (AVX-512, AVX2, portable) agrees with the reference", () => {
    try {
      for (const isa of ["generic", "avx2", "avx512"] as const) {
        if (!setGemmIsa(isa)) continue;
        const [M, N, K] = [29, 70, 300];
        for (const [ta, tb] of [
          [false, false],
          [true, true],
        ] as const) {
          const [n, r] = both([rand(M * K), rand(K * N), rand(M * N)], (k, [A, B, C]) =>
            k.gemm(ta, tb, M, N, K, A as Vec, ta ? M : K, B as Vec, tb ? K : N, C as Vec, N, false, null),
          );
          close(n[2] as Vec, r[2] as Vec, 1e-5 * K, `gemm ${isa}`);
        }
      }
    } finally {
      setGemmIsa("auto");
    }
  });

  it("results do not depend on the thread count (bit-identical)", () => {
    const [M, N, K] = [300, 200, 500];
    const A = rand(M * K);
    const B = rand(K * N);
    const logits = rand(64 * 300);
    const run = () => {
      const C = new Float32Array(M * N);
      native.gemm(true, false, M, N, K, A, M, B, N, C, N, false, null);
      const cs = new Float32Array(N);
      native.colsum(C, M, N, cs, false);
      const g = Float32Array.from(logits);
      native.crossEntropy(
        g,
        new Int32Array(64),
        new Float32Array(64).fill(1 / 64),
        new Float32Array(64),
        new Float32Array(64),
        64,
        300,
        true,
      );
      return [C, cs, g, Float32Array.of(native.sumsq(C, M * N))];
    };
    try {
      setNativeThreads(1);
      const one = run();
      setNativeThreads(3);
      const three = run();
      for (const [i, a] of one.entries()) {
        expect(Buffer.from(a.buffer).equals(Buffer.from((three[i] as Float32Array).buffer))).toBe(true);
      }
    } finally {
      setNativeThreads(availableParallelism());
    }
  });

  it("layernorm, gelu, colsum, embedding", () => {
    const [rows, d] = [130, 24];
    const [n, r] = both(
      [rand(rows * d, 3), rand(d), rand(d), new Float32Array(rows * d), new Float32Array(rows), new Float32Array(rows)],
      (k, [x, g, b, o, m, s]) => k.layernormFwd(x as Vec, g as Vec, b as Vec, o as Vec, m as Vec, s as Vec, rows, d),
    );
    close(n[3] as Vec, r[3] as Vec, 2e-5, "layernorm fwd");
    const [nb, rb] = both([rand(rows * d), n[0] as Vec, n[1] as Vec, n[4] as Vec, n[5] as Vec, rand(rows * d), rand(d), rand(d)], (k, a) =>
      k.layernormBwd(a[0] as Vec, a[1] as Vec, a[2] as Vec, a[3] as Vec, a[4] as Vec, a[5] as Vec, a[6] as Vec, a[7] as Vec, rows, d, true),
    );
    for (const i of [5, 6, 7]) close(nb[i] as Vec, rb[i] as Vec, 1e-4, `layernorm bwd ${i}`);
    const [ng, rg] = both([rand(5000, 3), new Float32Array(5000), rand(5000), new Float32Array(5000)], (k, [x, o, dy, dx]) => {
      k.geluFwd(x as Vec, o as Vec, 5000);
      k.geluBwd(x as Vec, dy as Vec, dx as Vec, 5000);
    });
    close(ng[1] as Vec, rg[1] as Vec, 2e-5, "gelu fwd");
    close(ng[3] as Vec, rg[3] as Vec, 2e-5, "gelu bwd");
    const [nc, rc] = both([rand(rows * d), rand(d)], (k, [x, o]) => k.colsum(x as Vec, rows, d, o as Vec, true));
    close(nc[1] as Vec, rc[1] as Vec, 2e-5, "colsum");
    const [B, T, V] = [3, 7, 11];
    const ids = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * V));
    const [ne, re] = both([rand(V * 16), rand(T * 16), new Float32Array(B * T * 16), rand(B * T * 16)], (k, [tok, pos, out, dout]) => {
      k.embedFwd(ids, tok as Vec, pos as Vec, out as Vec, B, T, 16);
      k.embedBwd(ids, dout as Vec, tok as Vec, pos as Vec, B, T, 16);
    });
    for (const i of [0, 1, 2]) close(ne[i] as Vec, re[i] as Vec, 2e-5, `embedding ${i}`);
    expect(() => native.embedFwd(Int32Array.from([V]), rand(V * 16), rand(16), new Float32Array(16), 1, 1, 16)).toThrow(/out of range/);
  });

  it("attention forward (training and KV-cache layouts) and backward", () => {
    for (const [B, H, T, hd] of [
      [3, 2, 9, 8],
      [1, 2, 101, 8],
    ] as const) {
      const d = H * hd;
      const s = 1 / Math.sqrt(hd);
      const [n, r] = both(
        [
          rand(B * T * 3 * d),
          new Float32Array(B * T * d),
          new Float32Array(B * H * T * T),
          rand(B * T * d),
          new Float32Array(B * T * 3 * d),
        ],
        (k, [qkv, out, P, dout, dqkv]) => {
          const q = qkv as Vec;
          const g = dqkv as Vec;
          k.attentionFwd(q, 3 * d, q.subarray(d), q.subarray(2 * d), 3 * d, out as Vec, d, P as Vec, B, H, T, T, hd, 0, s);
          k.attentionBwd(
            q,
            3 * d,
            q.subarray(d),
            q.subarray(2 * d),
            3 * d,
            P as Vec,
            dout as Vec,
            d,
            g,
            g.subarray(d),
            g.subarray(2 * d),
            3 * d,
            B,
            H,
            T,
            hd,
            s,
          );
        },
      );
      close(n[1] as Vec, r[1] as Vec, 2e-5, "attention out");
      close(n[2] as Vec, r[2] as Vec, 2e-5, "attention probabilities");
      close(n[4] as Vec, r[4] as Vec, 1e-4, "attention dqkv");
      // Without saved probabilities the backward recomputes them (what training does).
      const qkv = n[0] as Float32Array;
      const g = new Float32Array(B * T * 3 * d);
      native.attentionBwd(
        qkv,
        3 * d,
        qkv.subarray(d),
        qkv.subarray(2 * d),
        3 * d,
        null,
        n[3] as Vec,
        d,
        g,
        g.subarray(d),
        g.subarray(2 * d),
        3 * d,
        B,
        H,
        T,
        hd,
        s,
      );
      close(g, r[4] as Vec, 1e-4, "attention dqkv, probabilities recomputed");
    }
    const [H, T, hd] = [2, 9, 8];
    const d = H * hd;
    const s = 1 / Math.sqrt(hd);
    // Decoding: 3 new queries at positions 6..8 against a cache of 9 keys equal the last rows of the full pass.
    const [nk] = both([rand(T * d), rand(T * d), rand(3 * d), new Float32Array(3 * d)], (k, [kc, vc, q, out]) =>
      k.attentionFwd(q as Vec, d, kc as Vec, vc as Vec, d, out as Vec, d, null, 1, H, 3, T, hd, 6, s),
    );
    const [, rk] = both([nk[0] as Vec, nk[1] as Vec, nk[2] as Vec, new Float32Array(3 * d)], (k, [kc, vc, q, out]) =>
      k.attentionFwd(q as Vec, d, kc as Vec, vc as Vec, d, out as Vec, d, null, 1, H, 3, T, hd, 6, s),
    );
    close(nk[3] as Vec, rk[3] as Vec, 2e-5, "attention with cache");
  });

  it("cross-entropy, AdamW, sum of squares, dropout", () => {
    const [rows, V] = [50, 300];
    const targets = Int32Array.from({ length: rows }, () => Math.floor(rng.next() * V));
    const w = Float32Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 0 : 1 / rows));
    const [n, r] = both([rand(rows * V, 3), w, new Float32Array(rows), new Float32Array(rows)], (k, [x, ww, l, c]) =>
      k.crossEntropy(x as Vec, targets, ww as Vec, l as Vec, c as Vec, rows, V, true),
    );
    close(n[0] as Vec, r[0] as Vec, 2e-5, "xent grad");
    close(n[2] as Vec, r[2] as Vec, 2e-5, "xent loss");
    expect(Array.from(n[3] as Vec)).toEqual(Array.from(r[3] as Vec));
    const N = 40000;
    const [na, ra] = both([rand(N), rand(N), rand(N, 0.1), rand(N, 0.1).map(Math.abs)], (k, [p, g, m, v]) =>
      k.adamw(p as Vec, g as Vec, m as Vec, v as Vec, N, 1e-3, 0.9, 0.95, 1e-8, 0.1, 0.5, 0.1, 0.05),
    );
    for (const i of [0, 2, 3]) close(na[i] as Vec, ra[i] as Vec, 2e-5, `adamw ${i}`);
    const x = rand(N);
    expect(native.sumsq(x, N)).toBeCloseTo(ref.sumsq(f64(x), N), 6);
    const [nd, rd] = both([rand(N), rand(N), new Float32Array(N)], (k, [x, base, out]) =>
      k.dropout(x as Vec, base as Vec, out as Vec, N, 0.25, 99),
    );
    close(nd[2] as Vec, rd[2] as Vec, 2e-6, "dropout");
    const kept = Array.from(nd[2] as Vec).filter((v, i) => v !== (nd[1] as Vec)[i]).length / N;
    expect(kept).toBeGreaterThan(0.72);
    expect(kept).toBeLessThan(0.78);
  });

  it("a whole model with dropout: loss and every gradient agree with the float64 reference", () => {
    const spec = { name: "t", vocabSize: 40, dModel: 32, nLayers: 2, nHeads: 4, contextLength: 16 };
    const mn = new Transformer(spec, native);
    mn.initialize(new Rng(5));
    const mr = new Transformer(spec, ref, mn.params);
    const [B, T] = [3, 11];
    const ids = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * 40));
    const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * 40));
    const mask = Float32Array.from({ length: B * T }, (_, i) => (i % 4 === 0 ? 0 : 1));
    const dropout = { p: 0.2, seed: 77 };
    const run = (m: Transformer) => {
      forward(m, ids, B, T, dropout);
      const s = crossEntropy(m, targets, mask, B * T, true);
      backward(m, ids, B, T, dropout);
      return s.lossSum / s.weightSum;
    };
    expect(run(mn)).toBeCloseTo(run(mr), 5);
    for (const t of mn.layout.tensors) {
      close(mn.grads.subarray(t.offset, t.offset + t.size), mr.grads.subarray(t.offset, t.offset + t.size), 1e-3, t.name);
    }
  });
});
