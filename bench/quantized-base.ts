// A base held in 8 and 4 bits (LoRA's `base_quantization: "q8_0"` / `"q4_0"`) against the same base in bf16, all in
// this run on this machine: random weights in a real shape (bench/lib/open-weights-shapes.ts), each side in its own
// process so its peak RSS is its own, alternated `--runs` times. Per side: the weight matrices' bytes, the process's
// peak RSS, the time to build the weights (for q8_0 / q4_0 it includes quantizing every matrix), greedy decoding and
// prefill tokens/s, and a LoRA training step (r 16 on every projection, batch 4 x 256 tokens) in tokens/s; then the
// q8_0 / bf16 and q4_0 / bf16 ratios.
// Run: pnpm bench quantized-base [--model SmolLM2-135M|Qwen2.5-0.5B] [--runs N] [--quick]
import { fileURLToPath } from "node:url";
import { q4Bytes } from "../packages/engine/src/hf/model/q4-matrix.ts";
import { q8Bytes } from "../packages/engine/src/hf/model/q8-matrix.ts";
import { runChild } from "./lib/child.ts";
import { fixed, MIB, median } from "./lib/measure.ts";
import type { OursJob, OursResult } from "./lib/open-weights-child.ts";
import type { MatrixHold } from "./lib/open-weights-ours.ts";
import { shapeByName } from "./lib/open-weights-shapes.ts";

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const QUICK = args.includes("--quick");
const MODEL = option("model") ?? (QUICK ? "tiny" : "SmolLM2-135M");
const RUNS = Number(option("runs") ?? (QUICK ? 1 : 2));
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs takes a positive integer, got "${option("runs")}"`);
const THREADS = 2;
const shape = shapeByName(MODEL);
const CHILD = fileURLToPath(new URL("lib/open-weights-child.ts", import.meta.url));

async function child(job: OursJob): Promise<OursResult> {
  const { result } = await runChild<OursResult>(CHILD, [JSON.stringify(job)]);
  if (!result) throw new Error(`the ${job.phase} child printed no result`);
  return result;
}

/** Bytes of the weight matrices (embedding, head when untied, every projection) as `hold` keeps them. */
function matrixBytes(hold: MatrixHold): number {
  const a = shape.arch;
  const q = a.heads * a.headDim;
  const kv = a.kvHeads * a.headDim;
  const perLayer = a.hidden * q + 2 * a.hidden * kv + q * a.hidden + 3 * a.hidden * a.intermediate;
  const values = a.layers * perLayer + a.vocab * a.hidden * (a.tiedEmbeddings ? 1 : 2);
  return hold === "f32" ? 4 * values : hold === "bf16" ? 2 * values : hold === "q8_0" ? q8Bytes(values) : q4Bytes(values);
}

interface Side {
  build: number[];
  /** Peak RSS of the inference process and of the training one. */
  rss: number[];
  trainRss: number[];
  prefill: number[];
  decode: number[];
  train: number[];
}
const HOLDS = ["bf16", "q8_0", "q4_0"] as const;
type Held = (typeof HOLDS)[number];
const empty = (): Side => ({ build: [], rss: [], trainRss: [], prefill: [], decode: [], train: [] });
const sides: Record<Held, Side> = { bf16: empty(), q8_0: empty(), q4_0: empty() };
const infer = { prompt: QUICK ? 16 : 64, newTokens: QUICK ? 4 : 32, repeats: QUICK ? 1 : 2 };
const train = { B: QUICK ? 2 : 4, T: QUICK ? 32 : 256, steps: QUICK ? 1 : 2, warmup: 1 };

console.log(`quantized-base: ${shape.name}, ${THREADS} threads, ${RUNS} alternated run(s) per side; each part in its own process`);
for (let run = 0; run < RUNS; run++) {
  for (const hold of HOLDS) {
    const i = await child({ phase: "infer", model: shape.name, threads: THREADS, hold, ...infer });
    const t = await child({ phase: "train", model: shape.name, threads: THREADS, hold, ...train });
    const s = sides[hold];
    s.build.push(t.buildSeconds);
    s.rss.push(i.peakRssBytes);
    s.trainRss.push(t.peakRssBytes);
    s.prefill.push(i.infer?.prefillTokensPerS ?? Number.NaN);
    s.decode.push(i.infer?.decodeTokensPerS ?? Number.NaN);
    s.train.push(t.train?.tokensPerS ?? Number.NaN);
    console.log(
      `quantized-base:   run ${run + 1} ${hold}: build ${fixed(t.buildSeconds, 2)} s, peak RSS ${fixed((s.rss.at(-1) ?? 0) / MIB, 0)} MiB serving, ${fixed((s.trainRss.at(-1) ?? 0) / MIB, 0)} MiB training, ` +
        `prefill ${fixed(s.prefill.at(-1) ?? 0, 1)} tok/s, decode ${fixed(s.decode.at(-1) ?? 0, 1)} tok/s, LoRA ${fixed(s.train.at(-1) ?? 0, 1)} tok/s`,
    );
  }
}
const row = (hold: Held) => {
  const s = sides[hold];
  return [
    hold.padEnd(6),
    fixed(matrixBytes(hold) / MIB, 0).padStart(12),
    fixed(median(s.rss) / MIB, 0).padStart(15),
    fixed(median(s.trainRss) / MIB, 0).padStart(16),
    fixed(median(s.build), 2).padStart(9),
    fixed(median(s.prefill), 1).padStart(15),
    fixed(median(s.decode), 1).padStart(14),
    fixed(median(s.train), 1).padStart(13),
  ].join("  ");
};
console.log(
  `quantized-base: medians (LoRA r 16 on every projection, batch ${train.B} x ${train.T}; prompt ${infer.prompt}, ${infer.newTokens} new tokens):`,
);
console.log(`quantized-base:   side    matrices MiB  serving RSS MiB  training RSS MiB  build s  prefill tok/s  decode tok/s  LoRA tok/s`);
for (const hold of HOLDS) console.log(`quantized-base:   ${row(hold)}`);
for (const hold of ["q8_0", "q4_0"] as const) {
  const ratio = (f: (s: Side) => number[]) => fixed(median(f(sides[hold])) / median(f(sides.bf16)), 2);
  console.log(
    `quantized-base: ${hold} / bf16 (same run): matrices ${fixed(matrixBytes(hold) / matrixBytes("bf16"), 3)}, peak RSS serving ${ratio((s) => s.rss)} and training ${ratio((s) => s.trainRss)}, ` +
      `prefill ${ratio((s) => s.prefill)}, decode ${ratio((s) => s.decode)}, LoRA training ${ratio((s) => s.train)}`,
  );
}
