// GGUF block encoding (packages/engine/src/hf/gguf: what `tunelab models export --format gguf --dtype q4_k_m | q8_0`
// spends its time on): the TypeScript encoders (the reference, quantize-blocks.ts) and the native addon's
// (`ggufQuantize`, native/src/gguf_quants.cc) on 1 thread and on all threads, side by side in this run, on random
// N(0, 0.02) weights (a SmolLM2-135M 576 × 1536 projection, repeated). Prints values/s of each (best of --rounds timed
// runs), the ratios, whether the bytes are identical, and the time a 1.7B-weight model (SmolLM2-1.7B) would spend
// encoding at that rate. The load average is printed before and after; nothing asserts on time.
//
//   pnpm bench gguf [--quick] [--rounds N] [--values N]
import { availableParallelism, loadavg } from "node:os";
import { GGML_TYPE } from "../packages/engine/src/hf/gguf/encode.ts";
import { QUANTIZED_BLOCKS, quantizeBlocks } from "../packages/engine/src/hf/gguf/quantize-blocks.ts";
import { nativeInfo, nativeKernels, setNativeThreads } from "../packages/engine/src/trainer/kernels/native.ts";
import type { GgufQuantize } from "../packages/engine/src/trainer/kernels/types.ts";
import { Rng } from "../packages/engine/src/trainer/train/rng.ts";
import { fixed, int } from "./lib/measure.ts";

const USAGE = "gguf.ts [--quick] [--rounds N] [--values N]";
const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
function numberFlag(name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const v = Number(args[at + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: "${args[at + 1]}" is not a positive integer; usage: ${USAGE}`);
  return v;
}
const ROUNDS = numberFlag("--rounds", QUICK ? 1 : 3);
// a whole number of 576 × 1536 projections (884,736 values, a multiple of every block)
const PROJECTION = 576 * 1536;
const VALUES = Math.max(1, Math.round(numberFlag("--values", QUICK ? PROJECTION : 4 * PROJECTION) / PROJECTION)) * PROJECTION;
const MODEL_WEIGHTS = 1.7e9;
const TYPES = ["Q4_K", "Q6_K", "Q5_0", "Q8_0"] as const;

const rng = new Rng(20261205);
const x = Float32Array.from({ length: VALUES }, () => rng.normal() * 0.02);
const native = nativeKernels();
const threads = availableParallelism();
const load = () =>
  loadavg()
    .map((l) => fixed(l, 2))
    .join(" ");

/** Best values/s of `quantize` over the rounds, and its bytes. */
function measure(quantize: GgufQuantize, type: number, out: Uint8Array): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    quantize(type, x, VALUES, out);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return VALUES / best;
}

const duration = (valuesPerSecond: number) => {
  const s = MODEL_WEIGHTS / valuesPerSecond;
  return s >= 120 ? `${fixed(s / 60, 1)} min` : `${fixed(s, 1)} s`;
};

console.log(
  `GGUF block encoding of ${int(VALUES)} N(0, 0.02) values (best of ${ROUNDS}${QUICK ? ", --quick" : ""}); native ISA ${nativeInfo().isa}, ${threads} threads; load average at start ${load()}`,
);
console.log("type   TypeScript values/s   native 1 thread (×TS)   native all threads (×TS)   same bytes   1.7B weights: TS / native all");
for (const type of TYPES) {
  const id = GGML_TYPE[type];
  const block = QUANTIZED_BLOCKS.get(id);
  if (!block) throw new Error(type);
  const bytes = (VALUES / block.values) * block.bytes;
  const reference = new Uint8Array(bytes);
  const ours = new Uint8Array(bytes);
  const ts = measure(quantizeBlocks, id, reference);
  setNativeThreads(1);
  const one = measure(native.ggufQuantize, id, ours);
  const same1 = Buffer.from(ours).equals(Buffer.from(reference));
  setNativeThreads(threads);
  const all = measure(native.ggufQuantize, id, ours);
  const same = same1 && Buffer.from(ours).equals(Buffer.from(reference));
  console.log(
    `${type.padEnd(6)} ${int(ts).padStart(19)}   ${`${int(one)} (${fixed(one / ts, 1)}×)`.padStart(21)}   ${`${int(all)} (${fixed(all / ts, 1)}×)`.padStart(24)}   ${(same ? "yes" : "NO").padStart(10)}   ${duration(ts)} / ${duration(all)}`,
  );
  if (!same) process.exitCode = 1;
}
console.log(`load average at end ${load()}`);
