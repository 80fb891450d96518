// Time to accuracy on the ticket-routing example: train local-small on train-v2.jsonl with `auto`
// hyperparameters, score exact match of the assistant JSON on test.jsonl (greedy) at every
// checkpoint, and stop at the target. Training time excludes the scoring pauses.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  openModel,
  type RequestedHyperparameters,
  resolveHyperparameters,
  toTrainerHyperparameters,
} from "../../packages/engine/src/trainer/index.ts";
import { BASE_SIZES } from "../../packages/engine/src/trainer/model/sizes.ts";
import { runTraining } from "../../packages/engine/src/trainer/train/loop.ts";
import type { ChatExample } from "../../packages/engine/src/trainer/types.ts";

export interface AccuracyRun {
  /** Seconds of training when the target was first met at a checkpoint. */
  reached?: { seconds: number; step: number; accuracy: number };
  best: { accuracy: number; step: number; seconds: number };
  hyperparameters: ReturnType<typeof resolveHyperparameters>;
  examples: number;
}

const readJsonl = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ChatExample);

export function timeToAccuracy(opts: {
  base: keyof typeof BASE_SIZES;
  seed: number;
  target: number;
  budgetSeconds: number;
  requested?: RequestedHyperparameters;
  checkEvery?: number;
}): AccuracyRun {
  const examples = new URL("../../examples/ticket-routing/", import.meta.url);
  const train = readJsonl(fileURLToPath(new URL("train-v2.jsonl", examples)));
  const test = readJsonl(fileURLToPath(new URL("test.jsonl", examples)));
  const resolved = resolveHyperparameters(train.length, opts.requested ?? {});
  const out = mkdtempSync(join(tmpdir(), "tunelab-bench-accuracy-"));
  let evalMs = 0;
  let reached: AccuracyRun["reached"];
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
  try {
    runTraining(
      {
        base: { spec: { ...BASE_SIZES[opts.base] } },
        training: train,
        hyperparameters: toTrainerHyperparameters(resolved),
        seed: opts.seed,
        outputDir: out,
        checkpointEvery: opts.checkEvery ?? 100,
      },
      {
        onCheckpoint: (dir, step) => {
          const seconds = trainingSeconds();
          const t = performance.now();
          const accuracy = exactMatch(dir);
          evalMs += performance.now() - t;
          if (accuracy > best.accuracy) best = { accuracy, step, seconds };
          if (!reached && accuracy >= opts.target) reached = { seconds, step, accuracy };
          rmSync(dir, { recursive: true, force: true });
        },
        cancelled: () => reached !== undefined || trainingSeconds() > opts.budgetSeconds,
      },
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === "TrainingCancelledError")) throw error;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return { ...(reached ? { reached } : {}), best, hyperparameters: resolved, examples: train.length };
}
