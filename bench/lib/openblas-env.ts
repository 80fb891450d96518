// The environment the PyTorch peers run in: Debian's torch on OpenBLAS (libopenblas0-openmp) on `threads` threads,
// with the kernels of this CPU. OpenBLAS's core type is named from the CPU's flags (SkylakeX with AVX-512, Haswell
// with AVX2), because its own detection can pick slow generic kernels inside a virtual machine; forcing SkylakeX on a
// CPU without AVX-512 (an AMD EPYC, most laptops) kills the peer with an illegal instruction.
import { readFileSync } from "node:fs";

/** OpenBLAS's core type for this CPU's vector extensions (Linux), or undefined to let OpenBLAS detect it. */
export function openblasCoreType(cpuinfo: string | undefined): string | undefined {
  if (cpuinfo === undefined) return undefined;
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? []);
  if (flags.has("avx512f") && flags.has("avx512bw") && flags.has("avx512vl")) return "SkylakeX";
  if (flags.has("avx2") && flags.has("fma")) return "Haswell";
  return undefined;
}

function readCpuinfo(): string | undefined {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return undefined;
  }
}

/** OpenBLAS and OpenMP on `threads` threads, with this CPU's core type when it is known. */
export function openblasEnv(threads = 2): Record<string, string> {
  const coreType = openblasCoreType(readCpuinfo());
  return {
    ...(coreType ? { OPENBLAS_CORETYPE: coreType } : {}),
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
  };
}
