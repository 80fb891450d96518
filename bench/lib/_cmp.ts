import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, compare, openWorkspace } from "@tunelab/core";
import { compareRuns } from "../../packages/evals/src/index.ts";
import { fillWorkspace } from "./leaderboard-fill.ts";

const home = mkdtempSync(join(tmpdir(), "tlcmp-"));
let ws = await openWorkspace(home);
const filled = await fillWorkspace(ws, { experiments: 60, items: 2000, resamples: 200 });
await closeWorkspace(ws);
ws = await openWorkspace(home);
const times: string[] = [];
for (let i = 0; i < 15; i++) {
  const t = performance.now();
  await compare(ws, filled.tunedIds[(i * 7) % 40] ?? "", filled.tunedIds[(i * 13 + 11) % 40] ?? "");
  times.push((performance.now() - t).toFixed(0));
}
console.log("compare ms:", times.join(" "));
const items = (k: number) => Array.from({ length: 2000 }, (_, i) => ({ item_id: String(i), grades: { a: { score: (i * k) % 3 === 0 ? 1 : 0, passed: (i * k) % 3 === 0 }, b: { score: Math.sin(i * k) ** 2, passed: Math.sin(i * k) ** 2 > 0.5 }, c: { score: Math.cos(i * k) ** 2, passed: true } } }));
const ta: string[] = [];
for (let i = 0; i < 10; i++) { const t = performance.now(); compareRuns(items(i + 1), items(i + 2)); ta.push((performance.now() - t).toFixed(0)); }
console.log("compareRuns ms:", ta.join(" "));
await closeWorkspace(ws);
rmSync(home, { recursive: true, force: true });
