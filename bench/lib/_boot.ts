import { bootstrapMeans, mulberry32 } from "../../packages/evals/src/index.ts";
const n = 2000;
const smi = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : i % 11 === 0 ? -1 : 0));
const dbl = Array.from({ length: n }, (_, i) => Math.sin(i) * 0.3);
function fast(values: readonly number[], seed: number, resamples: number): number[] {
  const n = values.length;
  const v = Float64Array.from(values);
  let state = seed >>> 0;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      sum += v[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)] as number;
    }
    means[r] = sum / n;
  }
  return Array.from(means.sort());
}
for (let round = 0; round < 3; round++) {
  for (const [name, values] of [["smi", smi], ["double", dbl]] as const) {
    let t = performance.now();
    const a = bootstrapMeans(values, { seed: 3 });
    const ta = performance.now() - t;
    t = performance.now();
    const b = fast(values, 3, 2000);
    const tb = performance.now() - t;
    console.log(round, name, "current", ta.toFixed(1), "ms; inlined Float64Array", tb.toFixed(1), "ms; identical", a.every((x, i) => x === b[i]));
  }
}
void mulberry32;
