/**
 * Loads the native kernels (packages/engine/native, built by node-gyp at install). There is no
 * fallback: without the addon the trainer cannot run, and says how to build it.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Kernels, Vec } from "./types.ts";

type Addon = Omit<Kernels, "name" | "alloc"> & {
  setThreads(n: number): void;
  setGemmIsa(name: string): boolean;
  info(): { isa: string; threads: number };
};

const ADDON_PATH = fileURLToPath(new URL("../../../native/build/Release/tunelab_kernels.node", import.meta.url));

export class NativeKernelsMissingError extends Error {
  constructor(cause?: unknown) {
    super(
      `tunelab's native trainer kernels are not built (${ADDON_PATH} is missing or does not load). ` +
        "Run `pnpm run setup` at the repository root (it needs python3, make and a C++ compiler), then try again.",
      cause === undefined ? undefined : { cause },
    );
    this.name = "NativeKernelsMissingError";
  }
}

let addon: Addon | undefined;

function load(): Addon {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) throw new NativeKernelsMissingError();
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch (error) {
    throw new NativeKernelsMissingError(error);
  }
  return addon;
}

/** The native kernels; throws NativeKernelsMissingError when the addon is not built. */
export function nativeKernels(): Kernels {
  const a = load();
  return {
    name: "native",
    alloc: (n: number): Vec => new Float32Array(n),
    gemm: a.gemm,
    gemmBf16B: a.gemmBf16B,
    gemmF16B: a.gemmF16B,
    gemmQ8B: a.gemmQ8B,
    q8Quantize: a.q8Quantize,
    gemmQ4B: a.gemmQ4B,
    q4Quantize: a.q4Quantize,
    layernormFwd: a.layernormFwd,
    layernormBwd: a.layernormBwd,
    geluFwd: a.geluFwd,
    geluBwd: a.geluBwd,
    colsum: a.colsum,
    embedFwd: a.embedFwd,
    embedBwd: a.embedBwd,
    attentionFwd: a.attentionFwd,
    attentionBwd: a.attentionBwd,
    attentionFwdRows: a.attentionFwdRows,
    attentionBwdRows: a.attentionBwdRows,
    crossEntropy: a.crossEntropy,
    adamw: a.adamw,
    sumsq: a.sumsq,
    dropout: a.dropout,
    rmsnormFwd: a.rmsnormFwd,
    rmsnormBwd: a.rmsnormBwd,
    rope: a.rope,
    swigluFwd: a.swigluFwd,
    swigluBwd: a.swigluBwd,
    bf16ToF32: a.bf16ToF32,
    f16ToF32: a.f16ToF32,
    gatherRows: a.gatherRows,
    scatterAddRows: a.scatterAddRows,
    patchify: a.patchify,
    unpatchify: a.unpatchify,
    ggufQuantize: a.ggufQuantize,
  };
}

/** Threads used by the native kernels (default: all cores). Results do not depend on it. */
export function setNativeThreads(n: number): void {
  load().setThreads(n);
}

/** Forces the matmul microkernel ("avx512", "avx2", "generic" or "auto"); false if the CPU lacks it. For tests. */
export function setGemmIsa(name: "avx512" | "avx2" | "generic" | "auto"): boolean {
  return load().setGemmIsa(name);
}

export function nativeInfo(): { isa: string; threads: number } {
  return load().info();
}
