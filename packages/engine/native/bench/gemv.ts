/**
 * Decode-shaped matmuls (M = 1, y = x·Wᵀ with W [N, K] row-major) through the native gemm and
 * gemmBf16B: GFLOP/s (2·N·K per product) and GB/s of weights read (N·K·4 or ·2 bytes), for W hot
 * in cache (the same matrix again) and streamed (cycling through distinct copies totalling ≥ 256 MB,
 * as a decode step reads every layer once). Best of several timed rounds (other processes share
 * the machine). Not a test: `pnpm --filter @tunelab/engine exec tsx native/bench/gemv.ts [addon.node]`.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

type Gemm = (
  ta: boolean,
  tb: boolean,
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  lda: number,
  B: Float32Array | Uint16Array,
  ldb: number,
  C: Float32Array,
  ldc: number,
  acc: boolean,
  bias: Float32Array | null,
) => void;
type Addon = { gemm: Gemm; gemmBf16B?: Gemm; setThreads(n: number): void; info(): { isa: string; threads: number } };

const path = process.argv[2] ?? fileURLToPath(new URL("../build/Release/tunelab_kernels.node", import.meta.url));
const addon = createRequire(import.meta.url)(path) as Addon;
const SHAPES: [number, number][] = [
  [576, 1536],
  [896, 4864],
  [576, 49152],
];
const STREAM_BYTES = 256 * 2 ** 20;

function timeOne(fn: () => void, minMs = 150): number {
  for (let i = 0; i < 3; i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < minMs / 5 || n < 2) {
      fn();
      n++;
      t = performance.now();
    }
    best = Math.min(best, (t - t0) / n);
  }
  return best; // ms per product
}

const rows: string[] = [];
for (const threads of [1, Math.min(2, availableParallelism())]) {
  addon.setThreads(threads);
  for (const [K, N] of SHAPES) {
    for (const dtype of ["f32", "bf16"] as const) {
      const gemm = dtype === "f32" ? addon.gemm : addon.gemmBf16B;
      if (!gemm) continue;
      const bytes = N * K * (dtype === "f32" ? 4 : 2);
      const copies = Math.max(1, Math.ceil(STREAM_BYTES / bytes));
      const Ws = Array.from({ length: copies }, () => {
        const w = dtype === "f32" ? new Float32Array(N * K) : new Uint16Array(N * K);
        for (let i = 0; i < w.length; i++) w[i] = dtype === "f32" ? Math.sin(i) : 0x3c00 + (i % 512); // bf16 ≈ 0.0078..0.03
        return w;
      });
      const x = Float32Array.from({ length: K }, (_, i) => Math.cos(i));
      const y = new Float32Array(N);
      const hot = timeOne(() => gemm(false, true, 1, N, K, x, K, Ws[0] as Float32Array, K, y, N, false, null));
      let c = 0;
      const streamed = timeOne(() => gemm(false, true, 1, N, K, x, K, Ws[c++ % copies] as Float32Array, K, y, N, false, null));
      for (const [what, ms] of [
        ["hot", hot],
        ["streamed", streamed],
      ] as const) {
        const gflops = (2 * N * K) / (ms * 1e6);
        const gbs = bytes / (ms * 1e6);
        rows.push(`| ${threads} | ${K}→${N} | ${dtype} | ${what} | ${(ms * 1000).toFixed(1)} | ${gflops.toFixed(1)} | ${gbs.toFixed(1)} |`);
      }
    }
  }
}
console.log(`addon ${path}, isa ${addon.info().isa}`);
console.log("| threads | K→N | B | weights | µs | GFLOP/s | GB/s |\n| --- | --- | --- | --- | --- | --- | --- |");
console.log(rows.join("\n"));
