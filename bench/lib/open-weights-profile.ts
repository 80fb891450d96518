// Where the time goes: wraps kernels so every call is timed, keyed by kernel and shape (gemm: transposes and
// M×N×K), for `bench/open-weights.ts --profile`. Calls are synchronous, so wall time per call is the kernel's time.
import type { Kernels } from "../../packages/engine/src/trainer/kernels/types.ts";

export interface ProfileEntry {
  key: string;
  calls: number;
  seconds: number;
  /** Floating-point operations of the gemm calls (2·M·N·K each); 0 for other kernels. */
  flops: number;
}

export class KernelProfile {
  private readonly entries = new Map<string, ProfileEntry>();

  /** Kernels that record into this profile. */
  wrap(k: Kernels): Kernels {
    const wrapped: Record<string, unknown> = { ...k };
    for (const [name, fn] of Object.entries(k)) {
      if (typeof fn !== "function" || name === "alloc") continue;
      wrapped[name] = (...args: unknown[]) => {
        const t = performance.now();
        const out = (fn as (...a: unknown[]) => unknown)(...args);
        this.add(keyOf(name, args), (performance.now() - t) / 1000, flopsOf(name, args));
        return out;
      };
    }
    return wrapped as unknown as Kernels;
  }

  private add(key: string, seconds: number, flops: number): void {
    const e = this.entries.get(key) ?? { key, calls: 0, seconds: 0, flops: 0 };
    e.calls++;
    e.seconds += seconds;
    e.flops += flops;
    this.entries.set(key, e);
  }

  reset(): void {
    this.entries.clear();
  }

  /** Entries by time spent, largest first. */
  top(n = 20): ProfileEntry[] {
    return [...this.entries.values()].sort((a, b) => b.seconds - a.seconds).slice(0, n);
  }

  total(): number {
    let s = 0;
    for (const e of this.entries.values()) s += e.seconds;
    return s;
  }
}

function keyOf(name: string, args: unknown[]): string {
  if (name === "gemm" || name === "gemmBf16B") {
    const [ta, tb, M, N, K] = args as [boolean, boolean, number, number, number];
    return `${name}(${ta ? "T" : "N"}${tb ? "T" : "N"}) M=${M} N=${N} K=${K}`;
  }
  if (name === "attentionFwd") {
    // (q, qs, k, v, kvs, out, os, P, B, H, Tq, Tk, ...)
    const [B, H, Tq, Tk] = (args as number[]).slice(8, 12);
    return `attentionFwd B=${B} H=${H} Tq=${Tq} Tk=${Tk}`;
  }
  if (name === "attentionBwd") {
    // (q, qs, k, v, kvs, P, dout, os, dq, dk, dv, dqs, B, H, T, ...)
    const [B, H, T] = (args as number[]).slice(12, 15);
    return `attentionBwd B=${B} H=${H} T=${T}`;
  }
  return name;
}

function flopsOf(name: string, args: unknown[]): number {
  if (name !== "gemm" && name !== "gemmBf16B") return 0;
  const [, , M, N, K] = args as [boolean, boolean, number, number, number];
  return 2 * M * N * K;
}

/** Printable lines: share of the total, calls, seconds and achieved GFLOP/s per entry. */
export function profileLines(p: KernelProfile, n = 20): string[] {
  const total = p.total();
  return p.top(n).map((e) => {
    const gflops = e.flops > 0 ? `, ${(e.flops / e.seconds / 1e9).toFixed(1)} GFLOP/s` : "";
    return `${((100 * e.seconds) / total).toFixed(1).padStart(5)}%  ${e.seconds.toFixed(3).padStart(8)} s  ${String(e.calls).padStart(6)} calls  ${e.key}${gflops}`;
  });
}
