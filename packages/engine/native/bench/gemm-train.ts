/**
 * Training-shaped matmuls (batch 8 × 110 tokens of the SmolLM2-135M shape, as the LoRA step runs them) through
 * the native gemm: GFLOP/s per layout (NT: y = x·Wᵀ forward; NN: dx = dy·W backward; TN: weight gradients),
 * f32 and bf16 B. Several addons (e.g. a build of an older commit) can be compared: their timing rounds are
 * interleaved and each keeps its best round, since other processes may share the machine. Not a test:
 *   pnpm --filter @tunelab/engine exec tsx native/bench/gemm-train.ts [addon.node ...]
 */
import { availableParallelism, loadavg } from "node:os";
import { type Addon, loadAddons } from "./addon.ts";

const { paths, addons } = loadAddons(process.argv.slice(2));
const ROUNDS = Number(process.env.ROUNDS ?? 5);
// [layout, M, N, K]: op(A) M×K, op(B) K×N.
const SHAPES: [string, number, number, number][] = [
  ["NT", 880, 1536, 576],
  ["NT", 880, 576, 576],
  ["NT", 880, 192, 576],
  ["NT", 880, 576, 1536],
  ["NN", 880, 576, 1536],
  ["NN", 880, 1536, 576],
  ["NN", 880, 576, 576],
  ["NT", 256, 49152, 576],
  ["NN", 256, 576, 49152],
  ["NT", 880, 16, 576],
  ["TN", 16, 576, 880],
  ["TN", 1536, 16, 880],
];

function timeBest(fns: (() => void)[], msPerRound = 150): number[] {
  for (const fn of fns) fn();
  const best = fns.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, fn] of fns.entries()) {
      let n = 0;
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < msPerRound || n < 2) {
        fn();
        n++;
        t = performance.now();
      }
      best[i] = Math.min(best[i] as number, (t - t0) / n);
    }
  }
  return best;
}

const threads = Math.min(2, availableParallelism());
for (const a of addons) a.setThreads(threads);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}, isa ${(addons[0] as Addon).info().isa}, ${threads} threads`,
);
console.log(`| layout | M | N | K | B | ${addons.map((_, i) => `addon ${i} GFLOP/s`).join(" | ")} |`);
for (const [layout, M, N, K] of SHAPES) {
  const ta = layout[0] === "T";
  const tb = layout[1] === "T";
  const A = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i));
  const C = new Float32Array(M * N);
  for (const dtype of ["f32", "bf16"] as const) {
    if (dtype === "bf16" && layout === "TN") continue;
    const B =
      dtype === "f32"
        ? Float32Array.from({ length: K * N }, (_, i) => Math.cos(i))
        : Uint16Array.from({ length: K * N }, (_, i) => 0x3c00 + (i % 512));
    const lda = ta ? M : K;
    const ldb = tb ? K : N;
    const fns = addons.map((a) => {
      const g = dtype === "f32" ? a.gemm : a.gemmBf16B;
      if (!g) throw new Error("this addon has no gemmBf16B");
      return () => g(ta, tb, M, N, K, A, lda, B as Float32Array, ldb, C, N, false, null);
    });
    const ms = timeBest(fns);
    console.log(`| ${layout} | ${M} | ${N} | ${K} | ${dtype} | ${ms.map((t) => ((2 * M * N * K) / (t * 1e6)).toFixed(1)).join(" | ")} |`);
  }
}
console.log(paths.map((p, i) => `addon ${i}: ${p}`).join("\n"));
