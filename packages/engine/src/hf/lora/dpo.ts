/**
 * Direct Preference Optimization (Rafailov et al. 2023) on LoRA adapters, with OpenAI's DPO data
 * (`input`, `preferred_output`, `non_preferred_output`) and its `beta`:
 *   z = β·[(log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))],  L = −log σ(z)
 * averaged over the pairs of a batch. log π(y|x) sums the log-probabilities of the response's tokens
 * (the last assistant message, found from the chat template). The reference π_ref is the model
 * before DPO: the base (adapters with B = 0) or the adapter the job continues from.
 *
 * Since log π = −Σ token losses, dL/d(token loss) = +β·σ(−z)/P on the preferred response's tokens
 * and −β·σ(−z)/P on the rejected one's: one cross-entropy gradient with signed weights, one backward.
 */
import type { Encoded } from "./batches.ts";
import { makeHfBatch } from "./batches.ts";
import type { LoraTrainModel } from "./train-model.ts";

export interface PreferencePair {
  chosen: Encoded;
  rejected: Encoded;
}

export interface DpoStats {
  /** Mean −log σ(z) over the pairs. */
  loss: number;
  /** Share of pairs whose implicit reward prefers the chosen response (z > 0). */
  accuracy: number;
  /** Mean z / β: the log-probability margin gained over the reference. */
  margin: number;
  /** Response tokens in the batch. */
  tokens: number;
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));

/** Rows [chosen₀, rejected₀, chosen₁, …] of a batch of pairs. */
function pairBatch(pairs: PreferencePair[], indices: number[], context: number) {
  const rows: Encoded[] = [];
  for (const i of indices) {
    const p = pairs[i] as PreferencePair;
    rows.push(p.chosen, p.rejected);
  }
  return makeHfBatch(
    rows,
    rows.map((_, i) => i),
    context,
  );
}

/** log π(response | prompt) of each row (no dropout, no gradient). */
export function sequenceLogprobs(net: LoraTrainModel, pairs: PreferencePair[], indices: number[], context: number): Float64Array {
  const b = pairBatch(pairs, indices, context);
  net.forwardRows(b.ids, b, 0, false);
  const sums = new Float64Array(b.B);
  net.loss(b.targets, b.weights, false, sums);
  return sums.map((s) => -s);
}

/**
 * One DPO step's loss and gradient (left in the adapters' grads). `reference` holds log π_ref of the
 * rows in the same order as `indices` (chosen, rejected per pair).
 */
export function dpoGradient(
  net: LoraTrainModel,
  pairs: PreferencePair[],
  indices: number[],
  reference: Float64Array,
  beta: number,
  context: number,
  seed: number,
): DpoStats {
  const b = pairBatch(pairs, indices, context);
  net.forwardRows(b.ids, b, seed, true);
  const sums = new Float64Array(b.B);
  net.loss(b.targets, b.weights, false, sums);
  const P = indices.length;
  const grad = new Float32Array(b.weights.length);
  let loss = 0;
  let correct = 0;
  let margin = 0;
  let tokens = 0;
  for (let p = 0; p < P; p++) {
    const chosen = -(sums[2 * p] as number) - (reference[2 * p] as number);
    const rejected = -(sums[2 * p + 1] as number) - (reference[2 * p + 1] as number);
    const z = beta * (chosen - rejected);
    loss += softplus(-z);
    if (z > 0) correct++;
    margin += chosen - rejected;
    const g = (beta * sigmoid(-z)) / P;
    for (const [row, sign] of [
      [2 * p, 1],
      [2 * p + 1, -1],
    ] as const)
      for (let t = b.starts[row] as number, end = t + (b.lengths[row] as number); t < end; t++) {
        const w = b.weights[t] as number;
        if (w === 0) continue;
        grad[t] = sign * g * w;
        tokens++;
      }
  }
  net.loss(b.targets, grad, true);
  net.backward();
  return { loss: loss / P, accuracy: correct / P, margin: margin / P, tokens };
}
