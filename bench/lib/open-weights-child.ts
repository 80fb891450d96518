// One measurement of our side of bench/open-weights.ts in its own process (so each peak RSS is of that part alone):
//   node --import tsx bench/lib/open-weights-child.ts '<json OursJob>'
// Prints the figures as the result line of bench/lib/child.ts.
import { nativeInfo } from "../../packages/engine/src/trainer/index.ts";
import { nativeKernels, setNativeThreads } from "../../packages/engine/src/trainer/kernels/native.ts";
import { reportResult } from "./child.ts";
import { peakRss } from "./measure.ts";
import {
  type InferenceFigures,
  LoraStepper,
  type MatrixHold,
  measureInference,
  measureLoraTraining,
  randomOpenWeightModel,
  type TrainingFigures,
} from "./open-weights-ours.ts";
import { KernelProfile, profileLines } from "./open-weights-profile.ts";
import { shapeByName } from "./open-weights-shapes.ts";

export interface InferJob {
  phase: "infer";
  /** How the weight matrices are held (default float32). */
  hold?: MatrixHold;
  model: string;
  threads: number;
  prompt: number;
  newTokens: number;
  repeats: number;
  profile?: boolean;
}

export interface TrainJob {
  phase: "train";
  hold?: MatrixHold;
  model: string;
  threads: number;
  B: number;
  T: number;
  steps: number;
  warmup: number;
  warmupBatch?: number;
  /** A second measurement at another batch shape (the ticket-routing estimate), after the first. */
  extra?: { B: number; T: number; steps: number; lossPositions?: number };
  profile?: boolean;
}

export type OursJob = InferJob | TrainJob;

export interface OursResult {
  isa: string;
  threads: number;
  buildSeconds: number;
  peakRssBytes: number;
  infer?: InferenceFigures;
  train?: TrainingFigures;
  extra?: TrainingFigures;
  /** With `profile`: kernel time by kernel and shape over the timed part, and the seconds outside kernels. */
  profile?: { lines: string[]; kernelSeconds: number; wallSeconds: number };
}

function main(): void {
  const job = JSON.parse(process.argv[2] ?? "") as OursJob;
  const shape = shapeByName(job.model);
  const profile = job.profile ? new KernelProfile() : undefined;
  setNativeThreads(job.threads);
  const native = nativeKernels();
  const k = profile ? profile.wrap(native) : native;
  const positions = job.phase === "infer" ? job.prompt + job.newTokens : Math.max(job.T, job.extra?.T ?? 0);
  const t0 = performance.now();
  const model = randomOpenWeightModel(shape.arch, k, positions, 1, 0.02, job.hold ?? "f32");
  const buildSeconds = (performance.now() - t0) / 1000;
  const info = nativeInfo();
  const result: OursResult = { isa: info.isa, threads: info.threads, buildSeconds, peakRssBytes: 0 };
  let wall = performance.now();
  if (job.phase === "infer") {
    result.infer = measureInference(model, { prompt: job.prompt, newTokens: job.newTokens, repeats: job.repeats });
  } else {
    const stepper = new LoraStepper(model);
    const warm = { B: job.B, T: job.T, steps: 0, warmup: job.warmup, ...(job.warmupBatch ? { warmupBatch: job.warmupBatch } : {}) };
    measureLoraTraining(stepper, warm);
    profile?.reset();
    wall = performance.now();
    result.train = measureLoraTraining(stepper, { B: job.B, T: job.T, steps: job.steps, warmup: 0 });
    if (job.extra) result.extra = measureLoraTraining(stepper, { ...job.extra, warmup: 0 });
  }
  if (profile)
    result.profile = { lines: profileLines(profile, 25), kernelSeconds: profile.total(), wallSeconds: (performance.now() - wall) / 1000 };
  result.peakRssBytes = peakRss();
  reportResult(result);
}

main();
