import type { Vec } from "../kernels/types.ts";

/**
 * Reference rotary embedding (HF rotate_half): in each head, (x[i], x[i + rd/2]) rotates by the angle
 * whose cos/sin are tables[pos, i] for i < rd/2 (rd = rotaryDim, hd when absent; the head's elements from rd on pass
 * through, Phi-3's partial rotary); row b·T + t sits at position posOffset + t. inverse: by −θ.
 */
export function rope(
  x: Vec,
  stride: number,
  B: number,
  T: number,
  nHeads: number,
  hd: number,
  posOffset: number,
  cos: Vec,
  sin: Vec,
  inverse: boolean,
  rotaryDim = hd,
): void {
  const half = rotaryDim / 2;
  for (let r = 0; r < B * T; r++) {
    const pos = posOffset + (r % T);
    for (let h = 0; h < nHeads; h++) {
      const o = r * stride + h * hd;
      for (let i = 0; i < half; i++) {
        const c = cos[pos * half + i] as number;
        const s = (inverse ? -1 : 1) * (sin[pos * half + i] as number);
        const a = x[o + i] as number;
        const b = x[o + i + half] as number;
        x[o + i] = a * c - b * s;
        x[o + i + half] = b * c + a * s;
      }
    }
  }
}
