/** Activation buffers for one batch shape, grown on demand and reused across steps. */
import type { Kernels, Vec } from "../kernels/types.ts";
import type { ModelSpec } from "../types.ts";

export interface LayerActs {
  ln1: Vec;
  ln1Mean: Vec;
  ln1Rstd: Vec;
  qkv: Vec;
  att: Vec;
  mid: Vec;
  ln2: Vec;
  ln2Mean: Vec;
  ln2Rstd: Vec;
  u: Vec;
  g: Vec;
}

/** A packed batch: example b is rows starts[b] .. starts[b] + lengths[b] - 1 (positions 0 ..), one after another. */
export interface PackedRows {
  starts: Int32Array;
  lengths: Int32Array;
  /** Rows in all (the sum of the lengths). */
  rows: number;
}

export interface Workspace {
  /** Rows the buffers hold (the largest batch so far). */
  rows: number;
  /** The last forward pass: its rows, its packing (undefined: padded [B, T]) and its head rows (undefined: every row). */
  pass: { rows: number; packed: PackedRows | undefined; headRows: Int32Array | undefined } | undefined;
  /** Residual stream entering layer l (h[nLayers] leaves the last layer). */
  h: Vec[];
  layers: LayerActs[];
  lnf: Vec;
  lnfMean: Vec;
  lnfRstd: Vec;
  /** The final norm's head rows, gathered ([headRows.length, d]), and their gradient. */
  headIn: Vec;
  headGrad: Vec;
  /** [rows or head rows, vocab]; with head rows, logits row i is batch row headRows[i]. */
  logits: Vec;
  /** Per batch row (0 on rows without logits). */
  losses: Vec;
  correct: Vec;
  /** A residual branch's output before dropout, and its gradient after. */
  branch: Vec;
  dh: Vec;
  dtmp: Vec;
  datt: Vec;
  dqkv: Vec;
  dg: Vec;
  /** Attention probabilities kept by the last forward pass (`attentionProbs`), and the batch shape they are for. */
  probs?: { layers: Vec[]; size: number; shape: { B: number; T: number; size: number } | undefined };
}

/**
 * Bytes of attention probabilities (every layer's [B, H, T, T]) the forward pass keeps for the backward pass; a batch
 * that needs more has them recomputed in the backward pass (the query-key products and softmax again: about a fifth of
 * the attention backward's time). local-small at its full 512-token context, 2 rows: 32 MiB, kept.
 */
export const ATTENTION_PROBS_BUDGET_BYTES = 64 * 2 ** 20;

/**
 * Per layer, where the forward pass writes the attention probabilities of a [B, T] batch for the backward pass to read,
 * when they fit `budgetBytes`; else undefined (the backward recomputes them). Grown on demand, reused across steps.
 */
export function attentionProbs(k: Kernels, spec: ModelSpec, ws: Workspace, B: number, T: number, budgetBytes: number): Vec[] | undefined {
  const size = B * spec.nHeads * T * T;
  if (size * spec.nLayers * 4 > budgetBytes) {
    if (ws.probs) ws.probs.shape = undefined;
    return undefined;
  }
  if (!ws.probs || ws.probs.size < size)
    ws.probs = { layers: Array.from({ length: spec.nLayers }, () => k.alloc(size)), size, shape: undefined };
  ws.probs.shape = { B, T, size };
  return ws.probs.layers.map((layer) => layer.subarray(0, size));
}

/** The attention probabilities the last forward pass kept for a [B, T] batch, or undefined (recompute them). */
export function keptAttentionProbs(ws: Workspace, B: number, T: number): Vec[] | undefined {
  const probs = ws.probs;
  if (!probs?.shape || probs.shape.B !== B || probs.shape.T !== T) return undefined;
  const { size } = probs.shape;
  return probs.layers.map((layer) => layer.subarray(0, size));
}

export function ensureWorkspace(k: Kernels, spec: ModelSpec, current: Workspace | undefined, rows: number): Workspace {
  if (current && current.rows >= rows) return current;
  const R = Math.max(rows, current?.rows ?? 0);
  const d = spec.dModel;
  const a = (n: number) => k.alloc(n);
  const layers: LayerActs[] = [];
  for (let l = 0; l < spec.nLayers; l++) {
    layers.push({
      ln1: a(R * d),
      ln1Mean: a(R),
      ln1Rstd: a(R),
      qkv: a(R * 3 * d),
      att: a(R * d),
      mid: a(R * d),
      ln2: a(R * d),
      ln2Mean: a(R),
      ln2Rstd: a(R),
      u: a(R * 4 * d),
      g: a(R * 4 * d),
    });
  }
  return {
    rows: R,
    pass: undefined,
    h: Array.from({ length: spec.nLayers + 1 }, () => a(R * d)),
    layers,
    lnf: a(R * d),
    lnfMean: a(R),
    lnfRstd: a(R),
    headIn: a(R * d),
    headGrad: a(R * d),
    logits: a(R * spec.vocabSize),
    losses: a(R),
    correct: a(R),
    branch: a(R * d),
    dh: a(R * d),
    dtmp: a(R * d),
    datt: a(R * d),
    dqkv: a(R * 3 * d),
    dg: a(R * 4 * d),
  };
}
