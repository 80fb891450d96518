// Packed batches in LoRA training (packages/engine/src/hf/lora/batches.ts): a LoRA step (rank 16, every projection,
// forward + loss on each example's last 24 tokens + backward) on a batch of 8 examples of mixed length, in the padded
// [8, longest] form the trainer used before and packed (the examples' rows one after another), alternated in this run
// on SmolLM2-135M's real shape with random weights. Two length mixes: the ticket-routing example's (its chats are all
// about 110 tokens) and a mixed one (64 to 512 tokens, uniform), drawn with a fixed seed. Prints seconds per step
// (best of the timed steps) and the ratio; nothing asserts on time.
//
//   pnpm bench packing [--quick] [--steps N]
import { makeHfBatch, paddedRows } from "../packages/engine/src/hf/lora/batches.ts";
import { LoraParams, loraLayout } from "../packages/engine/src/hf/lora/params.ts";
import { DEFAULT_LORA } from "../packages/engine/src/hf/lora/settings.ts";
import { LoraTrainModel } from "../packages/engine/src/hf/lora/train-model.ts";
import { nativeKernels } from "../packages/engine/src/trainer/kernels/native.ts";
import { Rng } from "../packages/engine/src/trainer/train/rng.ts";
import { fixed } from "./lib/measure.ts";
import { randomOpenWeightModel } from "./lib/open-weights-ours.ts";
import { SMOLLM2_135M } from "./lib/open-weights-shapes.ts";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const stepsAt = args.indexOf("--steps");
const STEPS = stepsAt >= 0 ? Number(args[stepsAt + 1]) : QUICK ? 1 : 3;
const B = 8;
const ANSWER = 24;

const arch = QUICK ? { ...SMOLLM2_135M.arch, layers: 4 } : SMOLLM2_135M.arch;
const k = nativeKernels();
const model = randomOpenWeightModel(arch, k, 1024);
const lora = new LoraParams(k, loraLayout(arch, DEFAULT_LORA), DEFAULT_LORA);
lora.initialize(new Rng(11));
const net = new LoraTrainModel(model, lora);
const rng = new Rng(3);

/** B examples with these token counts, loss on the last ANSWER tokens of each. */
function examples(lengths: number[]) {
  return lengths.map((n) => {
    const ids = Array.from({ length: n }, () => Math.floor(rng.next() * arch.vocab));
    return { ids, weights: ids.map((_, i) => (i >= n - ANSWER ? 1 : 0)) };
  });
}

/** The padded form of a packed batch (what makeHfBatch built before packing). */
function padded(batch: ReturnType<typeof makeHfBatch>) {
  const { B: n, T } = batch;
  const ids = new Int32Array(n * T);
  const targets = new Int32Array(n * T);
  const weights = new Float32Array(n * T);
  for (let b = 0; b < n; b++) {
    const from = batch.starts[b] as number;
    const len = batch.lengths[b] as number;
    ids.set(batch.ids.subarray(from, from + len), b * T);
    targets.set(batch.targets.subarray(from, from + len), b * T);
    weights.set(batch.weights.subarray(from, from + len), b * T);
  }
  return { ids, targets, weights, layout: paddedRows(n, T) };
}

function stepSeconds(ids: Int32Array, layout: Parameters<LoraTrainModel["forwardRows"]>[1], targets: Int32Array, weights: Float32Array) {
  const t = performance.now();
  net.forwardRows(ids, layout, 1);
  net.loss(targets, weights, true);
  net.backward();
  return (performance.now() - t) / 1000;
}

const mixes: Array<[string, number[]]> = [
  ["ticket-routing lengths (~110 tokens)", Array.from({ length: B }, () => 95 + Math.floor(rng.next() * 30))],
  ["mixed lengths (64-512 tokens)", Array.from({ length: B }, () => 64 + Math.floor(rng.next() * 449))],
];
console.log(
  `packing: ${QUICK ? "QUICK (4 layers) " : ""}${SMOLLM2_135M.name} shape, LoRA r ${DEFAULT_LORA.rank} on every projection, batch ${B}, best of ${STEPS} steps each`,
);
for (const [name, lengths] of mixes) {
  const batch = makeHfBatch(examples(lengths), [...lengths.keys()], 1024);
  const pad = padded(batch);
  // warm-up of both (buffers grown to the padded size once)
  stepSeconds(pad.ids, pad.layout, pad.targets, pad.weights);
  stepSeconds(batch.ids, batch, batch.targets, batch.weights);
  const times = { padded: [] as number[], packed: [] as number[] };
  for (let i = 0; i < STEPS; i++) {
    times.padded.push(stepSeconds(pad.ids, pad.layout, pad.targets, pad.weights));
    times.packed.push(stepSeconds(batch.ids, batch, batch.targets, batch.weights));
  }
  const p = Math.min(...times.padded);
  const q = Math.min(...times.packed);
  console.log(
    `packing: ${name}: ${batch.rows} tokens, padded ${B} × ${batch.T} = ${B * batch.T} rows: padded ${fixed(p, 2)} s a step, ` +
      `packed ${fixed(q, 2)} s (${fixed(p / q, 2)}× faster; ${fixed((batch.rows / (B * batch.T)) * 100, 0)}% of the padded rows)`,
  );
}
