/**
 * The per-example parts of a packed batch (workspace.ts PackedRows: examples one after another, no padding): token +
 * position embeddings with each example from position 0, and causal self-attention within each example (the native
 * row kernels attentionFwdRows / attentionBwdRows, which recompute the probabilities in the backward pass). Every other
 * layer works row by row and runs on the packed rows as they are.
 */
import type { Vec } from "../kernels/types.ts";
import type { Transformer } from "./transformer.ts";
import type { PackedRows } from "./workspace.ts";

/** Checks that `packed` lays B examples of at most T rows one after another from row 0. */
export function checkPacked(packed: PackedRows, B: number, T: number): void {
  const { starts, lengths, rows } = packed;
  if (starts.length !== B || lengths.length !== B)
    throw new Error(`a packed batch of ${B} examples has ${starts.length} starts and ${lengths.length} lengths`);
  let next = 0;
  for (let b = 0; b < B; b++) {
    const n = lengths[b] as number;
    if (starts[b] !== next) throw new Error(`packed example ${b} starts at row ${starts[b]}, expected ${next}`);
    if (n < 0 || n > T) throw new Error(`packed example ${b} has ${n} rows, expected 0..${T}`);
    next += n;
  }
  if (next !== rows || rows === 0) throw new Error(`a packed batch's examples hold ${next} rows, it says ${rows} (at least 1)`);
}

/** h0 = wte[ids] + wpe[position within the example]. */
export function packedEmbedFwd(model: Transformer, ids: Int32Array, packed: PackedRows, h0: Vec): void {
  const { k, p } = model;
  const d = model.spec.dModel;
  packed.lengths.forEach((n, b) => {
    const s = packed.starts[b] as number;
    if (n > 0) k.embedFwd(ids.subarray(s, s + n), p.wte, p.wpe, h0.subarray(s * d, (s + n) * d), 1, n, d);
  });
}

/** g.wte, g.wpe += the embeddings' gradient from dh0 (rows in order, as embedBwd over a padded batch). */
export function packedEmbedBwd(model: Transformer, ids: Int32Array, packed: PackedRows, dh0: Vec): void {
  const { k, g } = model;
  const d = model.spec.dModel;
  packed.lengths.forEach((n, b) => {
    const s = packed.starts[b] as number;
    if (n > 0) k.embedBwd(ids.subarray(s, s + n), dh0.subarray(s * d, (s + n) * d), g.wte, g.wpe, 1, n, d);
  });
}

/** att = per-example causal attention of qkv ([rows, 3d]: q, k, v). */
export function packedAttentionFwd(model: Transformer, qkv: Vec, att: Vec, packed: PackedRows): void {
  const d = model.spec.dModel;
  const hd = model.headDim;
  const { starts, lengths } = packed;
  model.k.attentionFwdRows(
    qkv,
    3 * d,
    qkv.subarray(d),
    qkv.subarray(2 * d),
    3 * d,
    att,
    d,
    starts,
    lengths,
    model.spec.nHeads,
    hd,
    1 / Math.sqrt(hd),
  );
}

/** dqkv (overwritten) from datt, the gradient at packedAttentionFwd's output. */
export function packedAttentionBwd(model: Transformer, qkv: Vec, datt: Vec, dqkv: Vec, packed: PackedRows): void {
  const d = model.spec.dModel;
  const hd = model.headDim;
  const { starts, lengths } = packed;
  const [q, k, v] = [qkv, qkv.subarray(d), qkv.subarray(2 * d)];
  model.k.attentionBwdRows(
    q,
    3 * d,
    k,
    v,
    3 * d,
    datt,
    d,
    dqkv,
    dqkv.subarray(d),
    dqkv.subarray(2 * d),
    3 * d,
    starts,
    lengths,
    model.spec.nHeads,
    hd,
    1 / Math.sqrt(hd),
  );
}
