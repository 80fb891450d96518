import type { Vec } from "../kernels/types.ts";

const sigmoid = (g: number) => 1 / (1 + Math.exp(-g));

/** out = silu(gate) · up, silu(g) = g · sigmoid(g). */
export function swigluFwd(gate: Vec, up: Vec, out: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i] as number;
    out[i] = g * sigmoid(g) * (up[i] as number);
  }
}

/** dgate = dout · up · silu'(gate), silu'(g) = s · (1 + g · (1 − s)); dup = dout · silu(gate). */
export function swigluBwd(gate: Vec, up: Vec, dout: Vec, dgate: Vec, dup: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i] as number;
    const u = up[i] as number;
    const d = dout[i] as number;
    const s = sigmoid(g);
    dgate[i] = d * u * s * (1 + g * (1 - s));
    dup[i] = d * g * s;
  }
}
