import type { Vec } from "../kernels/types.ts";

/** Reference RMSNorm: out = gamma * (x * rstd), rstd = 1 / sqrt(mean(x²) + eps); see native/src/kernels.h. */
export function rmsnormFwd(x: Vec, gamma: Vec, out: Vec, rstd: Vec, rows: number, d: number, eps: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let ss = 0;
    for (let j = 0; j < d; j++) ss += (x[o + j] as number) ** 2;
    const rs = 1 / Math.sqrt(ss / d + eps);
    rstd[r] = rs;
    for (let j = 0; j < d; j++) out[o + j] = (gamma[j] as number) * ((x[o + j] as number) * rs);
  }
}

/** dx (+)= rstd · (dout∘gamma − x̂ · mean(dout∘gamma∘x̂)), x̂ = x · rstd; dgamma += Σ_rows dout∘x̂. */
export function rmsnormBwd(
  dout: Vec,
  x: Vec,
  gamma: Vec,
  rstd: Vec,
  dx: Vec,
  dgamma: Vec | null,
  rows: number,
  d: number,
  accumulateDx: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const rs = rstd[r] as number;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const xh = (x[o + j] as number) * rs;
      s += (dout[o + j] as number) * (gamma[j] as number) * xh;
      if (dgamma) dgamma[j] = (dgamma[j] as number) + (dout[o + j] as number) * xh;
    }
    s /= d;
    for (let j = 0; j < d; j++) {
      const xh = (x[o + j] as number) * rs;
      const v = ((dout[o + j] as number) * (gamma[j] as number) - xh * s) * rs;
      dx[o + j] = accumulateDx ? (dx[o + j] as number) + v : v;
    }
  }
}
