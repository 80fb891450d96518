// Trainer benchmark: training throughput (tokens/s, achieved GFLOP/s) on ANCHORS.md configs a and b,
// side by side with the PyTorch peer (bench/peers/torch_trainer.py) when python3 has torch, and
// time-to-accuracy on the ticket-routing example (exact match of the assistant JSON on test.jsonl), and
// `auto` on long examples: the long-tickets example with the previous and the current `auto` rule side
// by side and a PyTorch peer script (bench/lib/long-inputs.ts).
// vision fine-tuning: time to 90% on the digits example's test split and training images/s
// (bench/lib/vision-digits.ts).
// BENCH_PARTS=throughput,accuracy,long,vision (default: these four) picks the parts, and "profile" adds where a
// local-small step's time goes at the long-tickets shape (bench/lib/step-profile.ts); BENCH_ACCURACY_SECONDS (60) is the
// ticket-routing budget, BENCH_LONG_SECONDS (600) the long-tickets one.
// Model FLOPs per token = 6 × params + 12 × layers × d × context (attention). Prints figures only.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { nativeInfo } from "../packages/engine/src/trainer/index.ts";
import { nativeKernels } from "../packages/engine/src/trainer/kernels/native.ts";
import { backward } from "../packages/engine/src/trainer/model/backward.ts";
import { crossEntropy, forward } from "../packages/engine/src/trainer/model/forward.ts";
import { Transformer } from "../packages/engine/src/trainer/model/transformer.ts";
import { AdamW } from "../packages/engine/src/trainer/train/optimizer.ts";
import { Rng } from "../packages/engine/src/trainer/train/rng.ts";
import { loadavg, longInputs } from "./lib/long-inputs.ts";
import { openblasEnv } from "./lib/openblas-env.ts";
import { stepProfile } from "./lib/step-profile.ts";
import { type AccuracyRun, timeToAccuracy } from "./lib/time-to-accuracy.ts";
import { visionDigits } from "./lib/vision-digits.ts";

interface Config {
  name: string;
  vocab: number;
  d: number;
  layers: number;
  heads: number;
  ctx: number;
  batch: number;
}

const CONFIGS: Config[] = [
  { name: "a", vocab: 512, d: 64, layers: 2, heads: 4, ctx: 96, batch: 8 },
  { name: "b", vocab: 512, d: 128, layers: 4, heads: 4, ctx: 128, batch: 16 },
];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const TARGET = 0.95;
/** The ticket-routing target: 95% within 60 s of training; the budget can be raised on a loaded machine. */
const TARGET_S = 60;
const BUDGET_S = Number(process.env.BENCH_ACCURACY_SECONDS ?? TARGET_S);

const flopsPerToken = (c: Config, params: number) => 6 * params + 12 * c.layers * c.d * c.ctx;

/** Our training steps (forward, loss, backward, clipped AdamW) on random tokens. */
function ours(c: Config): { tokensPerS: number; params: number } {
  const k = nativeKernels();
  const model = new Transformer(
    { name: c.name, vocabSize: c.vocab, dModel: c.d, nLayers: c.layers, nHeads: c.heads, contextLength: c.ctx },
    k,
  );
  model.initialize(new Rng(1));
  const opt = new AdamW(k, model.params.length);
  const rng = new Rng(2);
  const n = c.batch * c.ctx;
  const mask = new Float32Array(n).fill(1);
  let t = 0;
  const step = () => {
    const ids = Int32Array.from({ length: n }, () => Math.floor(rng.next() * c.vocab));
    const targets = Int32Array.from({ length: n }, (_, i) => ids[(i + 1) % n] as number);
    forward(model, ids, c.batch, c.ctx);
    crossEntropy(model, targets, mask, n, true);
    backward(model, ids, c.batch, c.ctx);
    opt.step(model, ++t, 1e-3);
  };
  for (let i = 0; i < 5; i++) step();
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    step();
    steps++;
  }
  const seconds = (performance.now() - start) / 1000;
  return { tokensPerS: (steps * n) / seconds, params: model.params.length };
}

/** python3 with torch importable, or undefined (then the peer is skipped). */
function findTorchPython(): string | undefined {
  for (const py of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(py, ["-c", "import torch"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return undefined;
}

function torch(py: string, c: Config, estimate: number): { tokensPerS: number; params: number } | undefined {
  const script = fileURLToPath(new URL("peers/torch_trainer.py", import.meta.url));
  const steps = Math.max(5, Math.round((estimate * SECONDS) / (c.batch * c.ctx)));
  const args = [
    script,
    ...Object.entries({ vocab: c.vocab, d: c.d, layers: c.layers, heads: c.heads, ctx: c.ctx, batch: c.batch, steps }).flatMap(([k, v]) => [
      `--${k}`,
      String(v),
    ]),
  ];
  const env = { ...process.env, ...openblasEnv(2) };
  const r = spawnSync(py, args, { env, encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) {
    console.log(`  torch peer failed: ${r.stderr.trim().split("\n").at(-1)}`);
    return undefined;
  }
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as { tokens_per_s: number; params: number };
  return { tokensPerS: out.tokens_per_s, params: out.params };
}

function throughput(): void {
  const info = nativeInfo();
  console.log(`trainer throughput (native kernels: ${info.isa}, ${info.threads} threads; ${SECONDS} s per measurement)`);
  const py = findTorchPython();
  if (!py) console.log("  (no python3 with torch: PyTorch peer skipped; apt-get install python3-torch libopenblas0-openmp)");
  for (const c of CONFIGS) {
    // Alternate the two sides and keep each one's best run: the machine is shared and noisy.
    const runs = [ours(c)];
    const peers = [];
    for (let i = 0; i < 2; i++) {
      const best = Math.max(...runs.map((r) => r.tokensPerS));
      const peer = py ? torch(py, c, best / 4) : undefined;
      if (peer) peers.push(peer);
      runs.push(ours(c));
    }
    const params = runs[0]?.params ?? 0;
    const tps = Math.max(...runs.map((r) => r.tokensPerS));
    const gflops = (flopsPerToken(c, params) * tps) / 1e9;
    let line = `  config ${c.name} (vocab ${c.vocab}, d ${c.d}, ${c.layers} layers, ${c.heads} heads, ctx ${c.ctx}, batch ${c.batch}; ${params} params): `;
    line += `${Math.round(tps)} tokens/s, ${gflops.toFixed(1)} GFLOP/s`;
    if (peers.length > 0) {
      const peer = peers.reduce((a, b) => (a.tokensPerS >= b.tokensPerS ? a : b));
      const pg = (flopsPerToken(c, peer.params) * peer.tokensPerS) / 1e9;
      line += ` | PyTorch ${Math.round(peer.tokensPerS)} tokens/s, ${pg.toFixed(1)} GFLOP/s | ratio ours/PyTorch ${(tps / peer.tokensPerS).toFixed(2)}x`;
      line += ` (runs: ours ${runs.map((r) => Math.round(r.tokensPerS)).join(", ")}; PyTorch ${peers.map((p) => Math.round(p.tokensPerS)).join(", ")})`;
    }
    console.log(line);
  }
}

function accuracyLine(label: string, r: AccuracyRun): string {
  const hp = r.hyperparameters;
  const setup = `${label}: ${hp.n_epochs} epochs × batch ${hp.batch_size}, prompt_loss_weight ${hp.prompt_loss_weight}`;
  if (r.reached) {
    const verdict = r.reached.seconds <= TARGET_S ? "within" : "over";
    return `  ${setup}: ${(r.reached.accuracy * 100).toFixed(0)}% exact match at step ${r.reached.step} after ${r.reached.seconds.toFixed(1)} s of training (${verdict} the ${TARGET_S} s target)`;
  }
  return `  ${setup}: ${TARGET * 100}% not reached in ${BUDGET_S} s; best ${(r.best.accuracy * 100).toFixed(0)}% at step ${r.best.step} (${r.best.seconds.toFixed(1)} s)`;
}

function accuracy(): void {
  console.log(
    `time to ${TARGET * 100}% exact match, ticket routing (local-small, train-v2.jsonl → test.jsonl, greedy; scored every 100 steps)`,
  );
  const seeds = (process.env.BENCH_SEEDS ?? "1,2,3").split(",").map(Number);
  const times: number[] = [];
  for (const seed of seeds) {
    const r = timeToAccuracy({ base: "local-small", seed, target: TARGET, budgetSeconds: BUDGET_S });
    if (r.reached) times.push(r.reached.seconds);
    console.log(accuracyLine(`seed ${seed}, auto`, r));
  }
  const inTarget = times.filter((t) => t <= TARGET_S).length;
  console.log(
    `  reached ${times.length}/${seeds.length} seeds within ${BUDGET_S} s (${inTarget} within ${TARGET_S} s); median ${median(times).toFixed(1)} s`,
  );
  // Ablation: the same run without the prompt loss (assistant tokens only, as before it existed).
  const without = timeToAccuracy({
    base: "local-small",
    seed: seeds[0] ?? 1,
    target: TARGET,
    budgetSeconds: BUDGET_S,
    requested: { prompt_loss_weight: 0 },
  });
  console.log(accuracyLine(`seed ${seeds[0] ?? 1}, assistant tokens only`, without));
}

const median = (xs: number[]) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const parts = new Set((process.env.BENCH_PARTS ?? "throughput,accuracy,long,vision").split(","));
console.log(`load: ${loadavg()}`);
if (parts.has("throughput")) throughput();
if (parts.has("accuracy")) accuracy();
if (parts.has("long")) longInputs();
if (parts.has("vision")) await visionDigits();
if (parts.has("profile")) stepProfile();
