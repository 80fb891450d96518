/**
 * Batches of next-token targets and loss weights from template-encoded examples, packed: example b's positions are
 * rows starts[b] .. starts[b] + lengths[b] - 1, one example after another with no padding, so every row of every
 * matrix product is a real token (a batch of chats of mixed length pays for its tokens, not B × the longest). Each
 * example still starts at position 0 and attends only to itself: attention and RoPE run per example
 * (train-model.ts).
 */

/** An example as the chat template tokenises it, with a loss weight per token (1 on assistant tokens). */
export interface Encoded {
  ids: number[];
  weights: number[];
  /** One assistant message after its prompt at inference (its conversation trains turn by turn, assistantMasks). */
  oneTurn?: true;
}

/** Where each example's rows sit in a batch. */
export interface RowLayout {
  /** Examples. */
  B: number;
  /** First row of each example. */
  starts: Int32Array;
  /** Rows (positions) of each example. */
  lengths: Int32Array;
  /** Rows in all. */
  rows: number;
  /** When every example has the same number of rows (the padded [B, T] form): that number; else null. */
  uniform: number | null;
}

export interface HfBatch extends RowLayout {
  /** The longest example's rows. */
  T: number;
  ids: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
}

/** The layout of a padded [B, T] batch: B examples of T rows each. */
export function paddedRows(B: number, T: number): RowLayout {
  return {
    B,
    starts: Int32Array.from({ length: B }, (_, b) => b * T),
    lengths: new Int32Array(B).fill(T),
    rows: B * T,
    uniform: T,
  };
}

/** The example of each row of a layout. */
export function rowExamples(layout: RowLayout): Int32Array {
  const out = new Int32Array(layout.rows);
  for (let b = 0; b < layout.B; b++) out.fill(b, layout.starts[b] as number, (layout.starts[b] as number) + (layout.lengths[b] as number));
  return out;
}

/** Positions predicting tokens 1..n-1; an example longer than `context` keeps its last `context` positions. */
export function makeHfBatch(examples: Encoded[], indices: number[], context: number): HfBatch {
  const B = indices.length;
  const span = (e: Encoded) => Math.min(context, Math.max(0, e.ids.length - 1));
  const starts = new Int32Array(B);
  const lengths = new Int32Array(B);
  let rows = 0;
  let T = 0;
  indices.forEach((ex, b) => {
    const n = span(examples[ex] as Encoded);
    starts[b] = rows;
    lengths[b] = n;
    rows += n;
    T = Math.max(T, n);
  });
  // examples of one token have no position: one row without loss keeps the batch non-empty
  if (rows === 0 && B > 0) {
    lengths[0] = 1;
    rows = 1;
    T = 1;
  }
  const ids = new Int32Array(rows);
  const targets = new Int32Array(rows);
  const weights = new Float32Array(rows);
  indices.forEach((ex, b) => {
    const e = examples[ex] as Encoded;
    const n = lengths[b] as number;
    const first = starts[b] as number;
    const start = e.ids.length - 1 - n;
    for (let t = 0; t < n; t++) {
      ids[first + t] = e.ids[start + t] as number;
      targets[first + t] = e.ids[start + t + 1] as number;
      weights[first + t] = e.weights[start + t + 1] as number;
    }
  });
  const uniform = B > 0 && lengths.every((n) => n === T) ? T : null;
  return { B, T, starts, lengths, rows, uniform, ids, targets, weights };
}
