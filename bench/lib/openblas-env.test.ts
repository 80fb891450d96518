import { describe, expect, it } from "vitest";
import { openblasCoreType, openblasEnv } from "./openblas-env.ts";

const cpu = (flags: string) => `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: ${flags}\nbugs\t\t: sysret_ss_attrs\n`;

describe("OpenBLAS's core type for the PyTorch peers", () => {
  it("names SkylakeX only on a CPU with AVX-512, Haswell on AVX2, and leaves the rest to OpenBLAS", () => {
    expect(openblasCoreType(cpu("fpu sse2 avx fma avx2 avx512f avx512dq avx512bw avx512vl"))).toBe("SkylakeX");
    expect(openblasCoreType(cpu("fpu sse2 avx fma avx2 bmi2"))).toBe("Haswell"); // an AMD EPYC, most laptops
    expect(openblasCoreType(cpu("fpu sse2 avx"))).toBeUndefined();
    expect(openblasCoreType(undefined)).toBeUndefined(); // no /proc/cpuinfo (macOS)
  });

  it("runs on the given threads", () => {
    expect(openblasEnv(3)).toMatchObject({ OPENBLAS_NUM_THREADS: "3", OMP_NUM_THREADS: "3" });
  });
});
