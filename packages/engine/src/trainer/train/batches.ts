/**
 * Turns encoded examples into batches of inputs, targets and loss masks: padded [B, T] (every example padded to the
 * longest), or packed (examples one after another with no padding: a batch of threads of mixed length pays for its
 * tokens, not B × the longest; the model runs embeddings and attention per example, model/packed.ts).
 */
import type { PackedRows } from "../model/workspace.ts";
import type { Encoded } from "../tokenizer/chat-template.ts";
import { PAD } from "../tokenizer/special.ts";

export interface Batch {
  /** Examples. */
  B: number;
  /** The longest example's positions (padded: every example's). */
  T: number;
  ids: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
  /** Per-position loss weights for the gradient: `mask`, plus `promptWeight` on the other real tokens. */
  weights: Float32Array;
  /** Packed batches: where each example's rows are (B·T rows in the padded form otherwise). */
  packed?: PackedRows;
}

/** Input/target positions of one example, keeping the last `context` positions when too long. */
export function window(e: Encoded, context: number): { start: number; n: number } {
  const n = Math.max(0, e.tokens.length - 1);
  return n > context ? { start: n - context, n: context } : { start: 0, n };
}

/** Rows of the batch: padded or packed. */
export function batchRows(batch: Batch): number {
  return batch.packed ? batch.packed.rows : batch.B * batch.T;
}

export function makeBatch(examples: Encoded[], indices: number[], context: number, promptWeight = 0): Batch {
  const B = indices.length;
  let T = 1;
  for (const i of indices) T = Math.max(T, window(examples[i] as Encoded, context).n);
  return fill(examples, indices, context, promptWeight, B, T, (b) => b * T, B * T);
}

/**
 * The batch packed: example b at rows starts[b] .. starts[b] + lengths[b] - 1. When every example has the same number
 * of positions (one example, say; or none, one token each) the padded batch has no padding: it is returned as it is
 * (no `packed`), and its attention keeps the probabilities for the backward pass (the packed attention recomputes them).
 */
export function makePackedBatch(examples: Encoded[], indices: number[], context: number, promptWeight = 0): Batch {
  const B = indices.length;
  const spans = indices.map((i) => window(examples[i] as Encoded, context).n);
  if (spans.every((n) => n === spans[0])) return makeBatch(examples, indices, context, promptWeight);
  const starts = new Int32Array(B);
  const lengths = new Int32Array(B);
  let rows = 0;
  let T = 1;
  spans.forEach((n, b) => {
    starts[b] = rows;
    lengths[b] = n;
    rows += n;
    T = Math.max(T, n);
  });
  const batch = fill(examples, indices, context, promptWeight, B, T, (b) => starts[b] as number, rows);
  return { ...batch, packed: { starts, lengths, rows } };
}

function fill(
  examples: Encoded[],
  indices: number[],
  context: number,
  promptWeight: number,
  B: number,
  T: number,
  first: (b: number) => number,
  rows: number,
): Batch {
  const ids = new Int32Array(rows).fill(PAD);
  const targets = new Int32Array(rows).fill(PAD);
  const mask = new Float32Array(rows);
  const weights = promptWeight > 0 ? new Float32Array(rows) : mask;
  indices.forEach((ex, b) => {
    const e = examples[ex] as Encoded;
    const { start, n } = window(e, context);
    const at = first(b);
    for (let t = 0; t < n; t++) {
      ids[at + t] = e.tokens[start + t] as number;
      targets[at + t] = e.tokens[start + t + 1] as number;
      mask[at + t] = e.lossMask[start + t + 1] as number;
      if (weights !== mask) weights[at + t] = e.lossMask[start + t + 1] === 1 ? 1 : e.promptMask[start + t + 1] === 1 ? promptWeight : 0;
    }
  });
  return { B, T, ids, targets, mask, weights };
}

/** Image rows laid out for the padded [B, T] batch (row b·T + t), moved to the packed batch's rows (starts[b] + t). */
export function packedImageRows(rows: Int32Array, T: number, packed: PackedRows): Int32Array {
  return rows.map((r) => (packed.starts[Math.floor(r / T)] as number) + (r % T));
}
