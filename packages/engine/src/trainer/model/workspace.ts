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

export interface Workspace {
  rows: number;
  /** Residual stream entering layer l (h[nLayers] leaves the last layer). */
  h: Vec[];
  layers: LayerActs[];
  lnf: Vec;
  lnfMean: Vec;
  lnfRstd: Vec;
  logits: Vec;
  losses: Vec;
  correct: Vec;
  /** A residual branch's output before dropout, and its gradient after. */
  branch: Vec;
  dh: Vec;
  dtmp: Vec;
  datt: Vec;
  dqkv: Vec;
  dg: Vec;
}

export function ensureWorkspace(k: Kernels, spec: ModelSpec, current: Workspace | undefined, B: number, T: number): Workspace {
  const rows = B * T;
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
    h: Array.from({ length: spec.nLayers + 1 }, () => a(R * d)),
    layers,
    lnf: a(R * d),
    lnfMean: a(R),
    lnfRstd: a(R),
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
