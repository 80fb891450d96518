import type { Vec } from "../kernels/types.ts";

/** out[i] = table[ids[i]] (rows of d). */
export function gatherRows(ids: Int32Array, table: Vec, out: Vec, n: number, d: number): void {
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    for (let j = 0; j < d; j++) out[i * d + j] = table[id * d + j] as number;
  }
}

/** dtable[ids[i]] += dout[i], rows in order. */
export function scatterAddRows(ids: Int32Array, dout: Vec, dtable: Vec, n: number, d: number): void {
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    for (let j = 0; j < d; j++) dtable[id * d + j] = (dtable[id * d + j] as number) + (dout[i * d + j] as number);
  }
}
