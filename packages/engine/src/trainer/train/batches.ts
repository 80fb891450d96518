/** Turns encoded examples into padded [B, T] batches of inputs, targets and loss masks. */
import type { Encoded } from "../tokenizer/chat-template.ts";
import { PAD } from "../tokenizer/special.ts";

export interface Batch {
  B: number;
  T: number;
  ids: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
  /** Per-position loss weights for the gradient: `mask`, plus `promptWeight` on the other real tokens. */
  weights: Float32Array;
}

/** Input/target positions of one example, keeping the last `context` positions when too long. */
export function window(e: Encoded, context: number): { start: number; n: number } {
  const n = Math.max(0, e.tokens.length - 1);
  return n > context ? { start: n - context, n: context } : { start: 0, n };
}

export function makeBatch(examples: Encoded[], indices: number[], context: number, promptWeight = 0): Batch {
  const B = indices.length;
  let T = 1;
  for (const i of indices) T = Math.max(T, window(examples[i] as Encoded, context).n);
  const ids = new Int32Array(B * T).fill(PAD);
  const targets = new Int32Array(B * T).fill(PAD);
  const mask = new Float32Array(B * T);
  const weights = promptWeight > 0 ? new Float32Array(B * T) : mask;
  indices.forEach((ex, b) => {
    const e = examples[ex] as Encoded;
    const { start, n } = window(e, context);
    for (let t = 0; t < n; t++) {
      ids[b * T + t] = e.tokens[start + t] as number;
      targets[b * T + t] = e.tokens[start + t + 1] as number;
      mask[b * T + t] = e.lossMask[start + t + 1] as number;
      if (weights !== mask) weights[b * T + t] = e.lossMask[start + t + 1] === 1 ? 1 : e.promptMask[start + t + 1] === 1 ? promptWeight : 0;
    }
  });
  return { B, T, ids, targets, mask, weights };
}
