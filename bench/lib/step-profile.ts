// Where a training step's time goes (bench/trainer.ts part "profile"): local-small at the long-tickets example's shape
// (400 tokens × batch 2, random tokens, every position carrying loss), each native kernel call timed from JavaScript
// over 20 steps after 3 warm-up steps. Matrix products are reported with their achieved GFLOP/s (2·M·N·K each).
import { nativeKernels } from "../../packages/engine/src/trainer/kernels/native.ts";
import type { Kernels } from "../../packages/engine/src/trainer/kernels/types.ts";
import { backward } from "../../packages/engine/src/trainer/model/backward.ts";
import { crossEntropy, forward } from "../../packages/engine/src/trainer/model/forward.ts";
import { BASE_SIZES } from "../../packages/engine/src/trainer/model/sizes.ts";
import { Transformer } from "../../packages/engine/src/trainer/model/transformer.ts";
import { AdamW } from "../../packages/engine/src/trainer/train/optimizer.ts";
import { Rng } from "../../packages/engine/src/trainer/train/rng.ts";

const STEPS = 20;

interface KernelTime {
  ms: number;
  calls: number;
  /** Matrix products only: their floating-point operations. */
  flops: number;
}

/** The kernels with every call timed into `times`. */
function timed(k: Kernels, times: Map<string, KernelTime>): Kernels {
  return new Proxy(k, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const result: unknown = value.apply(target, args);
        const ms = performance.now() - started;
        const entry = times.get(prop) ?? { ms: 0, calls: 0, flops: 0 };
        entry.ms += ms;
        entry.calls++;
        if (prop === "gemm") {
          const [, , m, n, depth] = args as [boolean, boolean, number, number, number];
          entry.flops += 2 * m * n * depth;
        }
        times.set(prop, entry);
        return result;
      };
    },
  });
}

export function stepProfile(T = 400, B = 2): void {
  const spec = { ...BASE_SIZES["local-small"] };
  const times = new Map<string, KernelTime>();
  const k = timed(nativeKernels(), times);
  const model = new Transformer(spec, k);
  model.initialize(new Rng(1));
  const optimizer = new AdamW(k, model.params.length);
  const rng = new Rng(2);
  const n = B * T;
  const mask = new Float32Array(n).fill(1);
  let t = 0;
  const step = () => {
    const ids = Int32Array.from({ length: n }, () => Math.floor(rng.next() * spec.vocabSize));
    const targets = Int32Array.from({ length: n }, (_, i) => ids[(i + 1) % n] as number);
    forward(model, ids, B, T);
    crossEntropy(model, targets, mask, n, true);
    backward(model, ids, B, T);
    optimizer.step(model, ++t, 1e-3);
  };
  for (let i = 0; i < 3; i++) step();
  times.clear();
  const started = performance.now();
  for (let i = 0; i < STEPS; i++) step();
  const stepMs = (performance.now() - started) / STEPS;
  const kernelMs = [...times.values()].reduce((sum, e) => sum + e.ms, 0) / STEPS;
  console.log(
    `step profile: local-small, ${T} tokens × batch ${B}, ${STEPS} steps: ${stepMs.toFixed(1)} ms a step (native kernels ${kernelMs.toFixed(1)} ms, the rest ${(stepMs - kernelMs).toFixed(1)} ms)`,
  );
  for (const [name, e] of [...times].sort((a, b) => b[1].ms - a[1].ms).slice(0, 10)) {
    const rate = e.flops > 0 ? `, ${(e.flops / (e.ms / 1000) / 1e9).toFixed(0)} GFLOP/s` : "";
    console.log(`  ${name.padEnd(16)} ${(e.ms / STEPS).toFixed(2).padStart(6)} ms a step, ${e.calls / STEPS} calls${rate}`);
  }
}
