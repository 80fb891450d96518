/**
 * The training examples whose loss before the first update starts an open-weight run's divergence monitor: the first
 * max(8, batch size) of them (the first batch at least), fewer once 8 hold START_LOSS_TOKENS tokens.
 *
 * Every example costs a forward pass of the whole base: the 64 taken before kept Qwen2.5-0.5B and Llama-3.2-1B shapes
 * busy for about 5 minutes before step 1 on 2 cores, longer than several steps. The monitor compares its smoothed loss
 * with the start only after the warmup, with a 0.5-nat margin held for 6 steps (trainer/train/divergence.ts), so the
 * start needs to be the right size, not precise.
 */
import { MIN_START_LOSS_EXAMPLES, START_LOSS_TOKENS } from "../../trainer/train/loop.ts";
import type { Encoded } from "./batches.ts";

export function openWeightStartExamples(train: readonly Encoded[], batchSize: number): Encoded[] {
  const chosen: Encoded[] = [];
  let tokens = 0;
  for (const example of train.slice(0, Math.max(MIN_START_LOSS_EXAMPLES, batchSize))) {
    if (chosen.length >= MIN_START_LOSS_EXAMPLES && tokens >= START_LOSS_TOKENS) break;
    chosen.push(example);
    tokens += example.ids.length;
  }
  return chosen;
}
