/**
 * full-dir.test.ts's child: `save ROOT` writes a full fine-tuning checkpoint of ROOT/base with AdamW moments into
 * ROOT/ckpt; `load ROOT` reads it back and checks the moments. Prints its resident memory before the call and its peak.
 */
import { join } from "node:path";
import { nativeKernels } from "../../../trainer/kernels/native.ts";
import { inspectCheckpoint } from "../../checkpoint.ts";
import { loadFullDir, saveFullDir } from "../full-dir.ts";
import { fullLayout } from "../params.ts";

const [mode, root] = process.argv.slice(2) as [string, string];
const baseDir = join(root, "base");
const arch = inspectCheckpoint(baseDir).arch;
const layout = fullLayout(arch);
const n = layout.size;
const peak = () => process.resourceUsage().maxRSS * 1024;
const mAt = (i: number) => (i % 97) * 0.25;
const vAt = (i: number) => (i % 89) * 0.5;
let ok = true;
let before = 0;
if (mode === "save") {
  const params = new Float32Array(n).fill(0.01);
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    m[i] = mAt(i);
    v[i] = vAt(i);
  }
  before = process.memoryUsage().rss;
  saveFullDir(join(root, "ckpt"), { name: "base", dir: baseDir, fingerprint: "x" }, arch, layout, params, { optimizer: { m, v } });
} else {
  before = process.memoryUsage().rss;
  const loaded = loadFullDir(join(root, "ckpt"), arch, layout, nativeKernels());
  const o = loaded.optimizer;
  if (!o || o.m.length !== n || o.v.length !== n) ok = false;
  else for (let i = 0; i < n && ok; i += 997) ok = o.m[i] === mAt(i) && o.v[i] === vAt(i);
}
console.log(JSON.stringify({ n, before, peak: peak(), ok }));
