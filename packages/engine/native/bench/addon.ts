// The native addon as the kernel benches load it (several builds can be compared in one process).
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type Gemm = (
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

export type Addon = {
  gemm: Gemm;
  gemmBf16B?: Gemm;
  sumsq(x: Float32Array, n: number): number;
  setThreads(n: number): void;
  info(): { isa: string; threads: number };
};

/** The addons named on the command line (relative to where pnpm was run), or this checkout's build. */
export function loadAddons(argv: readonly string[]): { paths: string[]; addons: Addon[] } {
  const paths =
    argv.length > 0
      ? argv.map((p) => resolve(process.env.INIT_CWD ?? ".", p))
      : [fileURLToPath(new URL("../build/Release/tunelab_kernels.node", import.meta.url))];
  return { paths, addons: paths.map((p) => createRequire(import.meta.url)(p) as Addon) };
}
