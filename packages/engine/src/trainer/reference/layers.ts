import type { Vec } from "../kernels/types.ts";

const EPS = 1e-5;
const GELU_C = Math.sqrt(2 / Math.PI);

export function layernormFwd(x: Vec, gamma: Vec, beta: Vec, out: Vec, mean: Vec, rstd: Vec, rows: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += x[o + j] as number;
    const mu = s / d;
    let ss = 0;
    for (let j = 0; j < d; j++) ss += ((x[o + j] as number) - mu) ** 2;
    const rs = 1 / Math.sqrt(ss / d + EPS);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < d; j++) out[o + j] = ((x[o + j] as number) - mu) * rs * (gamma[j] as number) + (beta[j] as number);
  }
}

export function layernormBwd(
  dout: Vec,
  x: Vec,
  gamma: Vec,
  mean: Vec,
  rstd: Vec,
  dx: Vec,
  dgamma: Vec,
  dbeta: Vec,
  rows: number,
  d: number,
  accumulateDx: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const mu = mean[r] as number;
    const rs = rstd[r] as number;
    let s1 = 0;
    let s2 = 0;
    for (let j = 0; j < d; j++) {
      const xh = ((x[o + j] as number) - mu) * rs;
      const dy = (dout[o + j] as number) * (gamma[j] as number);
      s1 += dy;
      s2 += dy * xh;
      dgamma[j] = (dgamma[j] as number) + (dout[o + j] as number) * xh;
      dbeta[j] = (dbeta[j] as number) + (dout[o + j] as number);
    }
    s1 /= d;
    s2 /= d;
    for (let j = 0; j < d; j++) {
      const xh = ((x[o + j] as number) - mu) * rs;
      const v = ((dout[o + j] as number) * (gamma[j] as number) - s1 - xh * s2) * rs;
      dx[o + j] = accumulateDx ? (dx[o + j] as number) + v : v;
    }
  }
}

export function geluFwd(x: Vec, out: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    out[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
  }
}

export function geluBwd(x: Vec, dout: Vec, dx: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    const t = Math.tanh(GELU_C * (v + 0.044715 * v * v * v));
    const dt = (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * v * v);
    dx[i] = (dout[i] as number) * (0.5 * (1 + t) + 0.5 * v * dt);
  }
}

export function colsum(x: Vec, rows: number, cols: number, out: Vec, accumulate: boolean): void {
  if (!accumulate) out.fill(0, 0, cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[j] = (out[j] as number) + (x[r * cols + j] as number);
}

export function embedFwd(ids: Int32Array, tok: Vec, pos: Vec, out: Vec, B: number, T: number, d: number): void {
  for (let i = 0; i < B * T; i++) {
    const id = ids[i] as number;
    const t = i % T;
    for (let j = 0; j < d; j++) out[i * d + j] = (tok[id * d + j] as number) + (pos[t * d + j] as number);
  }
}

export function embedBwd(ids: Int32Array, dout: Vec, dtok: Vec, dpos: Vec, B: number, T: number, d: number): void {
  for (let i = 0; i < B * T; i++) {
    const id = ids[i] as number;
    const t = i % T;
    for (let j = 0; j < d; j++) {
      const g = dout[i * d + j] as number;
      dtok[id * d + j] = (dtok[id * d + j] as number) + g;
      dpos[t * d + j] = (dpos[t * d + j] as number) + g;
    }
  }
}
