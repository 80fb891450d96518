// Time to accuracy: train a `local-*` base on an example's training file with `auto` (or the given)
// hyperparameters, score exact match of the assistant JSON on its test file (greedy) at every
// checkpoint, and stop at the target. Training time excludes the scoring pauses. Used for the
// ticket-routing example and the long-tickets example (old and new `auto` rule side by side).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AutoRule,
  openModel,
  type RequestedHyperparameters,
  resolveHyperparameters,
  toTrainerHyperparameters,
} from "../../packages/engine/src/trainer/index.ts";
import { BASE_SIZES, baseParamCount } from "../../packages/engine/src/trainer/model/sizes.ts";
import { runTraining } from "../../packages/engine/src/trainer/train/loop.ts";
import type { ChatExample, TrainResult } from "../../packages/engine/src/trainer/types.ts";

export interface AccuracyRun {
  /** Seconds of training when the target was first met at a checkpoint. */
  reached?: { seconds: number; step: number; accuracy: number };
  best: { accuracy: number; step: number; seconds: number };
  /** The run's end when it was not cut short by the target or the budget: its final model's accuracy. */
  finished?: { seconds: number; step: number; accuracy: number; earlyStop?: TrainResult["earlyStop"] };
  hyperparameters: ReturnType<typeof resolveHyperparameters>;
  examples: number;
  totalSteps: number;
}

export interface ExampleTask {
  /** Folder under examples/. */
  dir: string;
  train: string;
  test: string;
  /** A validation file (early stopping of the `tokens` rule). */
  valid?: string;
}

export const TICKET_ROUTING: ExampleTask = { dir: "ticket-routing", train: "train-v2.jsonl", test: "test.jsonl" };
export const LONG_TICKETS: ExampleTask = { dir: "long-tickets", train: "train.jsonl", test: "test.jsonl", valid: "valid.jsonl" };

export const readJsonl = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ChatExample);

export const examplePath = (task: ExampleTask, file: string) =>
  fileURLToPath(new URL(`../../examples/${task.dir}/${file}`, import.meta.url));

export function timeToAccuracy(opts: {
  base: keyof typeof BASE_SIZES;
  seed: number;
  target: number;
  budgetSeconds: number;
  requested?: RequestedHyperparameters;
  /** Score every this many steps, or "epoch": at the end of every epoch of the resolved batch size. */
  checkEvery?: number | "epoch";
  task?: ExampleTask;
  /** The `auto` rule (default: the current one, "tokens"). */
  rule?: AutoRule;
  /** Give the task's validation file to the trainer (default: when the task has one). */
  useValidation?: boolean;
  /** Keep training after the target until the run ends (to see where it stops by itself). */
  runToEnd?: boolean;
}): AccuracyRun {
  const task = opts.task ?? TICKET_ROUTING;
  const train = readJsonl(examplePath(task, task.train));
  const test = readJsonl(examplePath(task, task.test));
  const valid = task.valid && opts.useValidation !== false ? readJsonl(examplePath(task, task.valid)) : undefined;
  const resolved = resolveHyperparameters(train.length, opts.requested ?? {}, {
    rule: opts.rule ?? "tokens",
    training: train,
    params: baseParamCount(opts.base),
    hasValidation: valid !== undefined,
  });
  const hp = toTrainerHyperparameters(resolved);
  const out = mkdtempSync(join(tmpdir(), "tunelab-bench-accuracy-"));
  let evalMs = 0;
  let reached: AccuracyRun["reached"];
  let finished: AccuracyRun["finished"];
  let best = { accuracy: 0, step: 0, seconds: 0 };
  const started = performance.now();
  const trainingSeconds = () => (performance.now() - started - evalMs) / 1000;
  const exactMatch = (dir: string) => {
    const model = openModel({ dir });
    let right = 0;
    for (const item of test) {
      const ref = item.messages.at(-1);
      const answer = model.complete(item.messages.slice(0, -1), item.tools, { maxTokens: 32, temperature: 0, topP: 1 });
      if (answer.text.trim() === String(ref?.content ?? "").trim()) right++;
    }
    return right / test.length;
  };
  const totalSteps = hp.nEpochs * Math.ceil(train.length / Math.min(hp.batchSize, train.length));
  try {
    const result = runTraining(
      {
        base: { spec: { ...BASE_SIZES[opts.base] } },
        training: train,
        ...(valid ? { validation: valid } : {}),
        hyperparameters: hp,
        seed: opts.seed,
        outputDir: out,
        checkpointEvery:
          opts.checkEvery === "epoch" ? Math.ceil(train.length / Math.min(hp.batchSize, train.length)) : (opts.checkEvery ?? 100),
      },
      {
        onCheckpoint: (dir, step) => {
          // Run to the end after the target: only the final model is scored again.
          if (reached) return rmSync(dir, { recursive: true, force: true });
          const seconds = trainingSeconds();
          const t = performance.now();
          const accuracy = exactMatch(dir);
          evalMs += performance.now() - t;
          if (accuracy > best.accuracy) best = { accuracy, step, seconds };
          if (!reached && accuracy >= opts.target) reached = { seconds, step, accuracy };
          rmSync(dir, { recursive: true, force: true });
        },
        cancelled: () => (!opts.runToEnd && reached !== undefined) || trainingSeconds() > opts.budgetSeconds,
      },
    );
    const seconds = trainingSeconds();
    const accuracy = exactMatch(result.finalModelDir);
    finished = { seconds, step: result.steps, accuracy, ...(result.earlyStop ? { earlyStop: result.earlyStop } : {}) };
    if (!reached && accuracy >= opts.target) reached = { seconds, step: result.steps, accuracy };
  } catch (error) {
    if (!(error instanceof Error && error.name === "TrainingCancelledError")) throw error;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return {
    ...(reached ? { reached } : {}),
    ...(finished ? { finished } : {}),
    best,
    hyperparameters: resolved,
    examples: train.length,
    totalSteps,
  };
}
