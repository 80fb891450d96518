/**
 * full-trainable-memory.test.ts's child (run with --expose-gc): loads the checkpoint in DIR, sets up full fine-tuning
 * with the loaded model still referenced, and prints the parameter count and the array-buffer bytes alive after a GC.
 */
import { nativeKernels } from "../../../trainer/kernels/native.ts";
import type { TrainRequest } from "../../../trainer/types.ts";
import { openHfDecoderModel } from "../../load.ts";
import { createTrainable } from "../trainable.ts";

const dir = process.argv[2] as string;
const k = nativeKernels();
const model = openHfDecoderModel(dir, k);
const base = { name: "base", dir, fingerprint: "x" };
const request: TrainRequest = {
  base: { hf: base },
  fullFineTune: true,
  training: [],
  hyperparameters: { nEpochs: 1, batchSize: 1, learningRateMultiplier: 1 },
  seed: 1,
  outputDir: dir,
  checkpointEvery: 1,
};
const trainable = createTrainable(request, model, base, undefined, k);
(globalThis as { gc?: () => void }).gc?.();
await new Promise((r) => setTimeout(r, 100));
(globalThis as { gc?: () => void }).gc?.();
console.log(JSON.stringify({ n: trainable.params.length, arrayBuffers: process.memoryUsage().arrayBuffers, model: model.arch.layers }));
