import { bootstrapMeans, pairedBootstrap, summarizeGraders } from "../../packages/evals/src/index.ts";
const n = 2000;
const mode = process.argv[2] ?? "plain";
const diffs = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : i % 11 === 0 ? -1 : 0));
const dbl = Array.from({ length: n }, (_, i) => Math.sin(i) * 0.3);
const t0 = (label: string, f: () => unknown) => { const t = performance.now(); f(); console.log(mode, label, (performance.now() - t).toFixed(1)); };
if (mode === "fill") {
  const items = Array.from({ length: n }, (_, i) => ({ item_id: String(i), tags: ["a"], grades: { x: { score: i % 3 === 0 ? 1 : 0, passed: i % 3 === 0 }, y: { score: Math.sin(i) ** 2, passed: true } } }));
  for (let k = 0; k < 300; k++) summarizeGraders(items, { resamples: 200 });
}
for (let r = 0; r < 4; r++) {
  t0("boot smi", () => bootstrapMeans(diffs));
  t0("boot dbl", () => bootstrapMeans(dbl));
  t0("paired", () => pairedBootstrap(dbl));
}
