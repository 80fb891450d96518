/**
 * Decode-shaped matmuls (M = 1, y = x·Wᵀ with W [N, K] row-major) through the native gemm and
 * gemmBf16B: GFLOP/s (2·N·K per product) and GB/s of weights read (N·K·4 or ·2 bytes), for W hot
 * in cache (the same matrix again) and streamed (cycling through distinct copies totalling ≥ 256 MB,
 * as a decode step reads every layer once). A plain pass over 256 MB (sumsq) gives the machine's
 * read bandwidth for scale. Several addons (e.g. a build of an older commit) can be compared: their
 * timing rounds are interleaved and each keeps its best round, since other processes may share the
 * machine; "CPU µs" is the CPU time per call of all threads in the best round. Not a test:
 *   pnpm --filter @tunelab/engine exec tsx native/bench/gemv.ts [addon.node ...]
 */
import { availableParallelism, loadavg } from "node:os";
import { type Addon, loadAddons } from "./addon.ts";

type Timing = { wall: number; cpu: number };

const { paths, addons } = loadAddons(process.argv.slice(2));
const SHAPES: [number, number][] = [
  [576, 1536],
  [896, 4864],
  [576, 49152],
];
const STREAM_BYTES = 256 * 2 ** 20;
const ROUNDS = Number(process.env.ROUNDS ?? 7);

/** Best wall and CPU ms per call of each function, timing rounds interleaved across the functions. */
function timeBest(fns: (() => void)[], msPerRound = 40): Timing[] {
  for (const fn of fns) for (let i = 0; i < 3; i++) fn();
  const best = fns.map(() => ({ wall: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, fn] of fns.entries()) {
      let n = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < msPerRound || n < 2) {
        fn();
        n++;
        t = performance.now();
      }
      const c = process.cpuUsage(c0);
      const b = best[i] as Timing;
      b.wall = Math.min(b.wall, (t - t0) / n);
      b.cpu = Math.min(b.cpu, (c.user + c.system) / 1000 / n);
    }
  }
  return best;
}

const row = (cells: (string | number)[]) => console.log(`| ${cells.join(" | ")} |`);
const big = Float32Array.from({ length: STREAM_BYTES / 4 }, (_, i) => (i % 97) * 0.01);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}, isa ${(addons[0] as Addon).info().isa}`,
);
row(["addon", "threads", "K→N", "B", "weights", "µs", "GFLOP/s", "GB/s", "CPU µs"]);
row(Array(9).fill("---"));
for (const threads of [1, Math.min(2, availableParallelism())]) {
  for (const a of addons) a.setThreads(threads);
  const [probe] = timeBest([() => (addons[0] as Addon).sumsq(big, big.length)]) as [Timing];
  row([
    "read 256 MB (sumsq)",
    threads,
    "",
    "f32",
    "streamed",
    (probe.wall * 1000).toFixed(0),
    "",
    (STREAM_BYTES / (probe.wall * 1e6)).toFixed(1),
    (probe.cpu * 1000).toFixed(0),
  ]);
  for (const [K, N] of SHAPES) {
    for (const dtype of ["f32", "bf16"] as const) {
      const bytes = N * K * (dtype === "f32" ? 4 : 2);
      const copies = Math.max(1, Math.ceil(STREAM_BYTES / bytes));
      const Ws = Array.from({ length: copies }, () => {
        const w = dtype === "f32" ? new Float32Array(N * K) : new Uint16Array(N * K);
        for (let i = 0; i < w.length; i++) w[i] = dtype === "f32" ? Math.sin(i) : 0x3c00 + (i % 512); // bf16 0.0078..0.03
        return w as Float32Array;
      });
      const x = Float32Array.from({ length: K }, (_, i) => Math.cos(i));
      const y = new Float32Array(N);
      const runs: { addon: number; what: string; fn: () => void }[] = [];
      for (const [ai, a] of addons.entries()) {
        const gemm = dtype === "f32" ? a.gemm : a.gemmBf16B;
        if (!gemm) continue;
        let c = 0;
        runs.push({ addon: ai, what: "hot", fn: () => gemm(false, true, 1, N, K, x, K, Ws[0] as Float32Array, K, y, N, false, null) });
        runs.push({
          addon: ai,
          what: "streamed",
          fn: () => gemm(false, true, 1, N, K, x, K, Ws[c++ % copies] as Float32Array, K, y, N, false, null),
        });
      }
      const times = timeBest(runs.map((r) => r.fn));
      for (const [i, r] of runs.entries()) {
        const { wall, cpu } = times[i] as Timing;
        row([
          r.addon,
          threads,
          `${K}→${N}`,
          dtype,
          r.what,
          (wall * 1000).toFixed(1),
          ((2 * N * K) / (wall * 1e6)).toFixed(1),
          (bytes / (wall * 1e6)).toFixed(1),
          (cpu * 1000).toFixed(1),
        ]);
      }
    }
  }
}
console.log(paths.map((p, i) => `addon ${i}: ${p}`).join("\n"));
