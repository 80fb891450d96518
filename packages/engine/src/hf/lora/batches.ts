/** Padded [B, T] batches of next-token targets and loss weights from template-encoded examples. */

/** An example as the chat template tokenises it, with a loss weight per token (1 on assistant tokens). */
export interface Encoded {
  ids: number[];
  weights: number[];
}

export interface HfBatch {
  B: number;
  T: number;
  ids: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
}

/** Positions predicting tokens 1..n-1; an example longer than `context` keeps its last `context` positions. */
export function makeHfBatch(examples: Encoded[], indices: number[], context: number): HfBatch {
  const B = indices.length;
  const span = (e: Encoded) => Math.min(context, Math.max(0, e.ids.length - 1));
  let T = 1;
  for (const i of indices) T = Math.max(T, span(examples[i] as Encoded));
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const weights = new Float32Array(B * T);
  indices.forEach((ex, b) => {
    const e = examples[ex] as Encoded;
    const n = span(e);
    const start = e.ids.length - 1 - n;
    for (let t = 0; t < n; t++) {
      ids[b * T + t] = e.ids[start + t] as number;
      targets[b * T + t] = e.ids[start + t + 1] as number;
      weights[b * T + t] = e.weights[start + t + 1] as number;
    }
  });
  return { B, T, ids, targets, weights };
}
