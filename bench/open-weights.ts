// Open-weight models benchmark (issues 12 and 13): random weights in the real shapes of SmolLM2-135M and Qwen2.5-0.5B
// (by default) and Gemma 3 270M (--model gemma-3-270m: head_dim 256, q/k norms, GeGLU, sliding-window layers), built
// in memory, ours (the engine's HfDecoder and LoRA step on the native kernels) side by side with a plain PyTorch peer
// of the same architecture and the same LoRA step (bench/peers/open_weights_peer.py: python3-torch on OpenBLAS,
// 2 threads), in the same run:
//   - prefill tokens/s of a 512-token prompt and decode tokens/s (64 greedy tokens after it, KV cache);
//   - LoRA training tokens/s: rank 16, alpha 32, all 7 linear projections, batch 8 × 256 tokens, loss on every
//     position, forward + backward + clipped AdamW on the adapters only;
//   - peak RSS of each, every measurement in its own process;
//   - the ratios ours/PyTorch (targets: decode ≥ 1.5×, LoRA training ≥ 1.5×), and the estimated wall time of `auto` on
//     the ticket-routing example for SmolLM2-135M (steps × our measured seconds per step at its batch shape).
// Each measurement runs in --rounds alternating rounds (ours, PyTorch, ours, PyTorch; 2 by default), and each side's
// figure is its best timed run (the machine is shared), in wall-clock tokens/s and in tokens per CPU-second
// (all threads; with --threads 1 the figure other load on the machine disturbs least). The load average is printed
// before and after. Prints figures only; nothing asserts on time.
//
//   pnpm bench open-weights [--quick] [--model SmolLM2-135M|Qwen2.5-0.5B|Gemma-3-270M]... [--phase infer|train]
//                           [--threads N] [--rounds N] [--profile] [--no-peer]
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { hfParameterCount } from "../packages/engine/src/hf/config.ts";
import { DEFAULT_LORA } from "../packages/engine/src/hf/lora/settings.ts";
import { MAX_BATCH } from "../packages/engine/src/hf/model/generate.ts";
import { nativeInfo } from "../packages/engine/src/trainer/index.ts";
import { runChild } from "./lib/child.ts";
import { fixed, int, MIB } from "./lib/measure.ts";
import type { OursJob, OursResult } from "./lib/open-weights-child.ts";
import { decodeWeightBytes, loraTrainFlopsPerToken, prefillFlops } from "./lib/open-weights-flops.ts";
import { BATCH, type MatrixHold, SHARED_PROMPTS } from "./lib/open-weights-ours.ts";
import {
  findTorchPython,
  type PeerInfer,
  type PeerJob,
  type PeerResult,
  type PeerTrain,
  peerEnv,
  runPeer,
} from "./lib/open-weights-peer.ts";
import { mergeOurs, mergePeerInfer, mergePeerTrain } from "./lib/open-weights-rounds.ts";
import { type BenchShape, GEMMA3_270M, QWEN25_05B, SMOLLM2_135M, shapeByName } from "./lib/open-weights-shapes.ts";
import { autoPlan } from "./lib/open-weights-ticket.ts";

const CHILD = fileURLToPath(new URL("lib/open-weights-child.ts", import.meta.url));
const TARGET = 1.5;
const USAGE =
  "open-weights.ts [--quick] [--model NAME]... [--phase infer|train] [--threads N] [--rounds N] [--weights f32|bf16|q8_0|q4_0] [--profile] [--no-peer]";
const HOLDS: readonly MatrixHold[] = ["f32", "bf16", "q8_0", "q4_0"];
/** Bytes a weight takes as each hold keeps it (Q8_0 and Q4_0 blocks: 32 values and a 2-byte scale). */
const BYTES_PER_VALUE: Record<MatrixHold, number> = { f32: 4, bf16: 2, q8_0: 34 / 32, q4_0: 18 / 32 };

interface Options {
  quick: boolean;
  models: BenchShape[];
  phases: ("infer" | "train")[];
  threads: number;
  /** Alternating rounds of ours then PyTorch per measurement; the best of each side is kept. */
  rounds: number;
  profile: boolean;
  peer: boolean;
  /** How our side holds the weight matrices (the peer's are float32): f32 by default, bf16 as checkpoints are served. */
  weights: MatrixHold;
}

function parseArgs(argv: string[]): Options {
  const models: BenchShape[] = [];
  const phases: ("infer" | "train")[] = [];
  const o = { quick: false, profile: false, peer: true, threads: 2, rounds: 2, weights: "f32" as MatrixHold };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") o.quick = true;
    else if (a === "--profile") o.profile = true;
    else if (a === "--no-peer") o.peer = false;
    else if (a === "--model") models.push(shapeByName(argv[++i] ?? ""));
    else if (a === "--weights") {
      const w = HOLDS.find((h) => h === argv[i + 1]);
      if (!w) throw new Error(`--weights: "${argv[i + 1]}" is not one of ${HOLDS.join(", ")}; usage: ${USAGE}`);
      o.weights = w;
      i++;
    } else if (a === "--rounds") {
      o.rounds = Number(argv[++i]);
      if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error(`--rounds: "${argv[i]}" is not a positive integer; usage: ${USAGE}`);
    } else if (a === "--threads") {
      o.threads = Number(argv[++i]);
      if (!Number.isInteger(o.threads) || o.threads < 1)
        throw new Error(`--threads: "${argv[i]}" is not a positive integer; usage: ${USAGE}`);
    } else if (a === "--phase") {
      const p = argv[++i];
      if (p !== "infer" && p !== "train") throw new Error(`--phase: "${p}" is not infer or train; usage: ${USAGE}`);
      phases.push(p);
    } else if (a !== "open-weights") throw new Error(`unknown argument ${a}; usage: ${USAGE}`);
  }
  if (o.quick && !argv.includes("--rounds")) o.rounds = 1;
  return {
    ...o,
    models: models.length > 0 ? models : o.quick ? [SMOLLM2_135M] : [SMOLLM2_135M, QWEN25_05B],
    phases: phases.length > 0 ? phases : ["infer", "train"],
  };
}

interface Plan {
  infer: { prompt: number; newTokens: number; repeats: number };
  train: { B: number; T: number; steps: number; warmup: number; warmupBatch?: number };
}

/**
 * Timed runs per shape: fewer for Qwen2.5-0.5B (a 8 × 256 LoRA step is ~4 TFLOP), a one-row warm-up for Gemma 3 270M
 * (~2.3 TFLOP, two thirds of it in its 262,144-word head), tiny ones for --quick.
 */
function planFor(shape: BenchShape, quick: boolean): Plan {
  if (quick) return { infer: { prompt: 64, newTokens: 8, repeats: 1 }, train: { B: 2, T: 32, steps: 1, warmup: 1 } };
  if (shape === QWEN25_05B)
    return { infer: { prompt: 512, newTokens: 64, repeats: 1 }, train: { B: 8, T: 256, steps: 1, warmup: 1, warmupBatch: 1 } };
  if (shape === GEMMA3_270M)
    return { infer: { prompt: 512, newTokens: 64, repeats: 2 }, train: { B: 8, T: 256, steps: 2, warmup: 1, warmupBatch: 1 } };
  return { infer: { prompt: 512, newTokens: 64, repeats: 2 }, train: { B: 8, T: 256, steps: 2, warmup: 1 } };
}

const mib = (bytes: number) => `${int(bytes / MIB)} MiB`;
const times = (x: number) => `${fixed(x, 2)}×`;
const verdict = (r: number) => (r >= TARGET ? `target ≥ ${TARGET}×: met` : `target ≥ ${TARGET}×: NOT met`);
const load = () =>
  loadavg()
    .map((x) => fixed(x, 1))
    .join(", ");

async function ours(job: OursJob): Promise<OursResult> {
  const out = await runChild<OursResult>(CHILD, [JSON.stringify(job)]);
  if (!out.result) throw new Error(`${CHILD} printed no result`);
  return out.result;
}

let peerMeta: Pick<PeerResult, "torch" | "threads" | "blas"> | undefined;

async function peer(python: string | undefined, shape: BenchShape, job: PeerJob, threads: number): Promise<PeerResult | undefined> {
  if (!python) return undefined;
  try {
    const r = await runPeer(python, shape.arch, job, threads);
    peerMeta = { torch: r.torch, threads: r.threads, blas: r.blas };
    return r;
  } catch (error) {
    console.log(`    PyTorch peer failed: ${(error as Error).message}`);
    return undefined;
  }
}

function printProfile(r: OursResult): void {
  if (!r.profile) return;
  const p = r.profile;
  console.log(
    `    profile of ours (timed part): ${fixed(p.wallSeconds, 2)} s wall, ${fixed(p.kernelSeconds, 2)} s in kernels, ${fixed(p.wallSeconds - p.kernelSeconds, 2)} s outside`,
  );
  for (const line of p.lines) console.log(`      ${line}`);
}

interface Summary {
  model: string;
  what: string;
  /** ours/PyTorch in wall-clock tokens/s and in tokens per CPU-second; undefined without a peer. */
  wall?: number;
  cpu?: number;
  target: boolean;
}

/** `ours X tokens/s, Y per CPU-s (extra) | PyTorch ... | ours/PyTorch R× (per CPU-s C×)` */
function sideBySide(
  digits: number,
  us: { wall: number; cpu: number; extra: string },
  them: { wall: number; cpu: number; extra: string } | undefined,
  target: boolean,
): string {
  const f = (x: number) => (digits === 0 ? int(x) : fixed(x, digits));
  let line = `ours ${f(us.wall)} tokens/s, ${f(us.cpu)} per CPU-s (${us.extra})`;
  if (!them) return line;
  line += ` | PyTorch ${f(them.wall)} tokens/s, ${f(them.cpu)} per CPU-s (${them.extra})`;
  line += ` | ours/PyTorch ${times(us.wall / them.wall)} (per CPU-s ${times(us.cpu / them.cpu)})`;
  return target ? `${line} ${verdict(us.wall / them.wall)}` : line;
}

async function inference(
  shape: BenchShape,
  plan: Plan["infer"],
  o: Options,
  python: string | undefined,
  summary: Summary[],
): Promise<void> {
  const a = shape.arch;
  const usRuns: OursResult[] = [];
  const themRuns: (PeerResult & PeerInfer)[] = [];
  for (let round = 0; round < o.rounds; round++) {
    usRuns.push(
      await ours({ phase: "infer", model: shape.name, threads: o.threads, hold: o.weights, ...plan, profile: o.profile && round === 0 }),
    );
    const p = (await peer(python, shape, { mode: "infer", ...plan }, o.threads)) as (PeerResult & PeerInfer) | undefined;
    if (p) themRuns.push(p);
  }
  const us = mergeOurs(usRuns);
  const them = mergePeerInfer(themRuns);
  const f = us.infer;
  if (!f) throw new Error("no inference figures");
  const gflops = (tps: number) => `${fixed((prefillFlops(a, plan.prompt) * tps) / plan.prompt / 1e9)} GFLOP/s`;
  const gbs = (tps: number, bytesPerValue = 4) => `${fixed((decodeWeightBytes(a, bytesPerValue) * tps) / 1e9)} GB/s of weights`;
  const prefill = sideBySide(
    0,
    { wall: f.prefillTokensPerS, cpu: f.prefillTokensPerCpuS, extra: gflops(f.prefillTokensPerS) },
    them && { wall: them.prefill_tokens_per_s, cpu: them.prefill_tokens_per_cpu_s, extra: gflops(them.prefill_tokens_per_s) },
    false,
  );
  console.log(`  prefill (${plan.prompt}-token prompt): ${prefill}`);
  const decode = sideBySide(
    1,
    { wall: f.decodeTokensPerS, cpu: f.decodeTokensPerCpuS, extra: gbs(f.decodeTokensPerS, BYTES_PER_VALUE[o.weights]) },
    them && { wall: them.decode_tokens_per_s, cpu: them.decode_tokens_per_cpu_s, extra: gbs(them.decode_tokens_per_s) },
    true,
  );
  console.log(`  decode (${plan.newTokens} greedy tokens after it, KV cache): ${decode}`);
  console.log(
    `  decode, ${BATCH} sequences together (concurrent requests, as the inference worker batches them): ours ${fixed(f.batchDecodeTokensPerS)} tokens/s, ${fixed(f.batchDecodeTokensPerS / f.decodeTokensPerS)}× one at a time; in steps of 4, as the engine stepped before it took up to ${MAX_BATCH}: ${fixed(f.batchOfFoursTokensPerS)} tokens/s (one step of ${BATCH} is ${fixed(f.batchDecodeTokensPerS / f.batchOfFoursTokensPerS)}× that)`,
  );
  const sp = f.sharedPrefix;
  console.log(
    `  ${SHARED_PROMPTS} prompts of ${plan.prompt} tokens sharing their first ${sp.sharedTokens} (an eval's system message and tools): ours ${fixed(sp.wholeSeconds)} s read whole, ${fixed(sp.cachedSeconds)} s through the prefix cache (${fixed(sp.wholeSeconds / sp.cachedSeconds)}×, the same logits)`,
  );
  console.log(
    `  peak RSS, inference: ours ${mib(us.peakRssBytes)}${them ? ` | PyTorch ${mib(them.peak_rss_bytes)}` : ""}` +
      `  (runs, tokens/s: ours prefill ${f.prefillRuns.map(int).join(", ")}, decode ${f.decodeRuns.map((x) => fixed(x)).join(", ")}` +
      `${them ? `; PyTorch prefill ${them.prefill_runs.map(int).join(", ")}, decode ${them.decode_runs.map((x) => fixed(x)).join(", ")}` : ""})`,
  );
  printProfile(us);
  summary.push({
    model: shape.name,
    what: "prefill",
    ...(them ? { wall: f.prefillTokensPerS / them.prefill_tokens_per_s, cpu: f.prefillTokensPerCpuS / them.prefill_tokens_per_cpu_s } : {}),
    target: false,
  });
  summary.push({
    model: shape.name,
    what: "decode",
    ...(them ? { wall: f.decodeTokensPerS / them.decode_tokens_per_s, cpu: f.decodeTokensPerCpuS / them.decode_tokens_per_cpu_s } : {}),
    target: true,
  });
}

async function training(shape: BenchShape, plan: Plan["train"], o: Options, python: string | undefined, summary: Summary[]): Promise<void> {
  const a = shape.arch;
  const ticket = shape === SMOLLM2_135M ? autoPlan() : undefined;
  const extra = ticket
    ? { B: ticket.batch, T: Math.round(ticket.meanPaddedT), steps: o.quick ? 1 : 2, lossPositions: Math.round(ticket.meanAssistantTokens) }
    : undefined;
  const tokens = plan.B * plan.T;
  const usRuns: OursResult[] = [];
  const themRuns: (PeerResult & PeerTrain)[] = [];
  for (let round = 0; round < o.rounds; round++) {
    const job = {
      phase: "train",
      model: shape.name,
      threads: o.threads,
      hold: o.weights,
      ...plan,
      ...(extra ? { extra } : {}),
      profile: o.profile && round === 0,
    } as const;
    usRuns.push(await ours(job));
    const p = (await peer(python, shape, { mode: "train", ...plan }, o.threads)) as (PeerResult & PeerTrain) | undefined;
    if (p) themRuns.push(p);
  }
  const us = mergeOurs(usRuns, tokens);
  const them = mergePeerTrain(themRuns, tokens);
  const f = us.train;
  if (!f) throw new Error("no training figures");
  const perCpu = (cpu: number[]) => tokens / Math.min(...cpu);
  const gflops = (tps: number, s: number) =>
    `${fixed(s, 2)} s/step, ${fixed((loraTrainFlopsPerToken(a, plan.T, DEFAULT_LORA.rank) * tps) / 1e9)} GFLOP/s`;
  console.log(
    `  LoRA training (r ${DEFAULT_LORA.rank}, alpha ${DEFAULT_LORA.alpha}, ${DEFAULT_LORA.targets.length} projections, ${int(f.adapterParams)} adapter params; batch ${plan.B} × ${plan.T}, loss on every position, forward + backward + AdamW):`,
  );
  const line = sideBySide(
    0,
    { wall: f.tokensPerS, cpu: perCpu(f.stepCpuSeconds), extra: gflops(f.tokensPerS, f.secondsPerStep) },
    them && { wall: them.tokens_per_s, cpu: perCpu(them.step_cpu_seconds), extra: gflops(them.tokens_per_s, them.seconds_per_step) },
    true,
  );
  console.log(`    ${line}`);
  console.log(
    `  peak RSS, training: ours ${mib(us.peakRssBytes)}${them ? ` | PyTorch ${mib(them.peak_rss_bytes)}` : ""}` +
      `  (step seconds: ours ${f.stepSeconds.map((s) => fixed(s, 2)).join(", ")}${them ? `; PyTorch ${them.step_seconds.map((s) => fixed(s, 2)).join(", ")}` : ""};` +
      ` our first loss ${fixed(f.losses[0] ?? Number.NaN, 3)}, ln V = ${fixed(Math.log(a.vocab), 3)})`,
  );
  printProfile(us);
  summary.push({
    model: shape.name,
    what: "LoRA training",
    ...(them ? { wall: f.tokensPerS / them.tokens_per_s, cpu: perCpu(f.stepCpuSeconds) / perCpu(them.step_cpu_seconds) } : {}),
    target: true,
  });
  if (ticket && extra && us.extra) {
    const e = us.extra;
    const perStep = [...e.stepSeconds].sort((x, y) => x - y)[Math.floor(e.stepSeconds.length / 2)] ?? e.secondsPerStep;
    console.log(
      `  auto on ticket-routing (${ticket.file.split("/").slice(-2).join("/")}: ${ticket.examples} examples, ~${fixed(ticket.meanTokens, 0)} tokens each, est. characters / 4 + ChatML, max ~${ticket.maxTokens};` +
        ` ${ticket.epochs} epochs × batch ${ticket.batch} = ${ticket.steps} steps, mean padded length ${fixed(ticket.meanPaddedT, 0)}):` +
        ` ours ${fixed(perStep, 2)} s/step at ${extra.B} × ${extra.T}, loss on the last ~${extra.lossPositions} positions of each row (the reply) (median of ${e.stepSeconds.length}) → ~${fixed((ticket.steps * perStep) / 60, 1)} min of training` +
        " (steps × s/step; validation, checkpoints and start-up not included)",
    );
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const python = o.peer ? findTorchPython() : undefined;
  console.log(
    `open-weight models, random weights in the real shapes, ${o.threads} thread${o.threads > 1 ? "s" : ""} each side${o.quick ? " (--quick: tiny runs, figures not meaningful)" : ""}; every figure in its own process, best timed run of each side over ${o.rounds} alternating round${o.rounds > 1 ? "s" : ""}; load average at start ${load()}`,
  );
  if (o.peer && !python) console.log("  (no python3 with torch: PyTorch peer skipped; apt-get install python3-torch libopenblas0-openmp)");
  const summary: Summary[] = [];
  for (const shape of o.models) {
    const a = shape.arch;
    const plan = planFor(shape, o.quick);
    const g = a.gemma;
    const gemma = g
      ? `, head_dim ${a.headDim}, q/k norms, GeGLU (tanh), embeddings × ${g.embedScale}, scores × ${fixed(g.attnScale, 4)}, sliding window ${g.slidingWindow} in ${g.slidingLayers.length} of ${a.layers} layers (RoPE base ${int(g.localRopeTheta)})`
      : "";
    console.log(
      `${shape.name} (${a.architecture}: ${fixed(hfParameterCount(a) / 1e6)}M params, hidden ${a.hidden}, ${a.layers} layers, ${a.heads} heads / ${a.kvHeads} KV heads, FFN ${a.intermediate}, vocab ${int(a.vocab)}${a.tiedEmbeddings ? ", tied" : ""}${a.qkvBias ? ", q/k/v bias" : ""}, rope_theta ${int(a.ropeTheta)}${gemma})`,
    );
    for (const phase of o.phases) {
      if (phase === "infer") await inference(shape, plan.infer, o, python, summary);
      else await training(shape, plan.train, o, python, summary);
    }
  }
  const info = nativeInfo();
  let sides = `ours: native kernels ${info.isa}, ${o.threads} threads, ${o.weights === "f32" ? "float32" : o.weights} weights`;
  if (peerMeta) {
    const blas = peerMeta.blas.map((b) => b.split("/").at(-1)).join(" + ") || "unknown";
    const env = Object.entries(peerEnv(o.threads))
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    sides += ` | PyTorch ${peerMeta.torch} (${python}), ${peerMeta.threads} threads, BLAS ${blas}, ${env}`;
  }
  console.log(sides);
  if (peerMeta) {
    console.log(`ratios ours/PyTorch (this run; wall-clock tokens/s, and tokens per CPU-second); load average at end ${load()}:`);
    for (const s of summary) {
      if (s.wall === undefined || s.cpu === undefined) continue;
      console.log(`  ${s.model} ${s.what}: ${times(s.wall)} (per CPU-s ${times(s.cpu)})${s.target ? `  ${verdict(s.wall)}` : ""}`);
    }
  }
}

await main();
