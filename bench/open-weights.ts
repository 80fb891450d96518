// Open-weight models benchmark (issues 12 and 13): random weights in the real shapes of SmolLM2-135M and Qwen2.5-0.5B,
// built in memory, ours (the engine's HfDecoder and LoRA step on the native kernels) side by side with a plain PyTorch
// peer of the same architecture and the same LoRA step (bench/peers/open_weights_peer.py: python3-torch on OpenBLAS,
// 2 threads), in the same run:
//   - prefill tokens/s of a 512-token prompt and decode tokens/s (64 greedy tokens after it, KV cache);
//   - LoRA training tokens/s: rank 16, alpha 32, all 7 linear projections, batch 8 × 256 tokens, loss on every
//     position, forward + backward + clipped AdamW on the adapters only;
//   - peak RSS of each, every measurement in its own process;
//   - the ratios ours/PyTorch (targets: decode ≥ 1.5×, LoRA training ≥ 1.5×), and the estimated wall time of `auto` on
//     the ticket-routing example for SmolLM2-135M (steps × our measured seconds per step at its batch shape).
// Each side's figure is its best timed run (the machine is shared). Prints figures only; nothing asserts on time.
//
//   pnpm bench open-weights [--quick] [--model SmolLM2-135M|Qwen2.5-0.5B]... [--phase infer|train] [--profile] [--no-peer]
import { fileURLToPath } from "node:url";
import { hfParameterCount } from "../packages/engine/src/hf/config.ts";
import { DEFAULT_LORA } from "../packages/engine/src/hf/lora/settings.ts";
import { nativeInfo } from "../packages/engine/src/trainer/index.ts";
import { runChild } from "./lib/child.ts";
import { fixed, int, MIB } from "./lib/measure.ts";
import type { OursJob, OursResult } from "./lib/open-weights-child.ts";
import { decodeWeightBytes, loraTrainFlopsPerToken, prefillFlops } from "./lib/open-weights-flops.ts";
import {
  findTorchPython,
  PEER_ENV,
  type PeerInfer,
  type PeerJob,
  type PeerResult,
  type PeerTrain,
  runPeer,
} from "./lib/open-weights-peer.ts";
import { type BenchShape, QWEN25_05B, SMOLLM2_135M, shapeByName } from "./lib/open-weights-shapes.ts";
import { autoPlan } from "./lib/open-weights-ticket.ts";

const CHILD = fileURLToPath(new URL("lib/open-weights-child.ts", import.meta.url));
const TARGET = 1.5;

interface Options {
  quick: boolean;
  models: BenchShape[];
  phases: ("infer" | "train")[];
  profile: boolean;
  peer: boolean;
}

function parseArgs(argv: string[]): Options {
  const models: BenchShape[] = [];
  const phases: ("infer" | "train")[] = [];
  const o = { quick: false, profile: false, peer: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") o.quick = true;
    else if (a === "--profile") o.profile = true;
    else if (a === "--no-peer") o.peer = false;
    else if (a === "--model") models.push(shapeByName(argv[++i] ?? ""));
    else if (a === "--phase") {
      const p = argv[++i];
      if (p !== "infer" && p !== "train") throw new Error(`--phase: "${p}" is not infer or train`);
      phases.push(p);
    } else if (a !== "open-weights")
      throw new Error(
        `unknown argument ${a}; usage: open-weights.ts [--quick] [--model NAME]... [--phase infer|train] [--profile] [--no-peer]`,
      );
  }
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

/** Timed runs per shape: fewer for Qwen2.5-0.5B (a 8 × 256 LoRA step is ~4 TFLOP), tiny ones for --quick. */
function planFor(shape: BenchShape, quick: boolean): Plan {
  if (quick) return { infer: { prompt: 64, newTokens: 8, repeats: 1 }, train: { B: 2, T: 32, steps: 1, warmup: 1 } };
  if (shape === QWEN25_05B)
    return { infer: { prompt: 512, newTokens: 64, repeats: 1 }, train: { B: 8, T: 256, steps: 1, warmup: 1, warmupBatch: 1 } };
  return { infer: { prompt: 512, newTokens: 64, repeats: 2 }, train: { B: 8, T: 256, steps: 2, warmup: 1 } };
}

const mib = (bytes: number) => `${int(bytes / MIB)} MiB`;
const ratio = (ours: number, peer: number | undefined) => (peer ? `${fixed(ours / peer, 2)}×` : "n/a");
const verdict = (ours: number, peer: number | undefined) =>
  peer === undefined ? "" : ours / peer >= TARGET ? ` (target ≥ ${TARGET}×: met)` : ` (target ≥ ${TARGET}×: NOT met)`;

async function ours(job: OursJob): Promise<OursResult> {
  const out = await runChild<OursResult>(CHILD, [JSON.stringify(job)]);
  if (!out.result) throw new Error(`${CHILD} printed no result`);
  return out.result;
}

let peerMeta: Pick<PeerResult, "torch" | "threads" | "blas"> | undefined;

async function peer(python: string | undefined, shape: BenchShape, job: PeerJob): Promise<PeerResult | undefined> {
  if (!python) return undefined;
  try {
    const r = await runPeer(python, shape.arch, job);
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
  ratio: number | undefined;
}

async function inference(
  shape: BenchShape,
  plan: Plan["infer"],
  o: Options,
  python: string | undefined,
  summary: Summary[],
): Promise<void> {
  const a = shape.arch;
  const us = await ours({ phase: "infer", model: shape.name, ...plan, profile: o.profile });
  const them = (await peer(python, shape, { mode: "infer", ...plan })) as (PeerResult & PeerInfer) | undefined;
  const f = us.infer;
  if (!f) throw new Error("no inference figures");
  const pf = prefillFlops(a, plan.prompt);
  let line = `  prefill (${plan.prompt}-token prompt): ours ${int(f.prefillTokensPerS)} tokens/s (${fixed((pf * f.prefillTokensPerS) / plan.prompt / 1e9)} GFLOP/s)`;
  if (them)
    line += ` | PyTorch ${int(them.prefill_tokens_per_s)} tokens/s (${fixed((pf * them.prefill_tokens_per_s) / plan.prompt / 1e9)} GFLOP/s) | ours/PyTorch ${ratio(f.prefillTokensPerS, them.prefill_tokens_per_s)}`;
  console.log(line);
  const wb = decodeWeightBytes(a);
  line = `  decode (${plan.newTokens} greedy tokens after it, KV cache): ours ${fixed(f.decodeTokensPerS)} tokens/s (${fixed((wb * f.decodeTokensPerS) / 1e9)} GB/s of weights)`;
  if (them)
    line += ` | PyTorch ${fixed(them.decode_tokens_per_s)} tokens/s (${fixed((wb * them.decode_tokens_per_s) / 1e9)} GB/s) | ours/PyTorch ${ratio(f.decodeTokensPerS, them.decode_tokens_per_s)}${verdict(f.decodeTokensPerS, them.decode_tokens_per_s)}`;
  console.log(line);
  console.log(
    `  peak RSS, inference: ours ${mib(us.peakRssBytes)}${them ? ` | PyTorch ${mib(them.peak_rss_bytes)}` : ""}` +
      `  (runs, tokens/s: ours prefill ${f.prefillRuns.map(int).join(", ")}, decode ${f.decodeRuns.map((x) => fixed(x)).join(", ")}` +
      `${them ? `; PyTorch prefill ${them.prefill_runs.map(int).join(", ")}, decode ${them.decode_runs.map((x) => fixed(x)).join(", ")}` : ""})`,
  );
  printProfile(us);
  summary.push({ model: shape.name, what: "prefill", ratio: them ? f.prefillTokensPerS / them.prefill_tokens_per_s : undefined });
  summary.push({ model: shape.name, what: "decode", ratio: them ? f.decodeTokensPerS / them.decode_tokens_per_s : undefined });
}

async function training(shape: BenchShape, plan: Plan["train"], o: Options, python: string | undefined, summary: Summary[]): Promise<void> {
  const a = shape.arch;
  const ticket = shape === SMOLLM2_135M ? autoPlan() : undefined;
  const extra = ticket ? { B: ticket.batch, T: Math.round(ticket.meanPaddedT), steps: o.quick ? 1 : 2 } : undefined;
  const us = await ours({ phase: "train", model: shape.name, ...plan, ...(extra ? { extra } : {}), profile: o.profile });
  const them = (await peer(python, shape, { mode: "train", ...plan })) as (PeerResult & PeerTrain) | undefined;
  const f = us.train;
  if (!f) throw new Error("no training figures");
  const fl = loraTrainFlopsPerToken(a, plan.T, DEFAULT_LORA.rank);
  console.log(
    `  LoRA training (r ${DEFAULT_LORA.rank}, alpha ${DEFAULT_LORA.alpha}, ${DEFAULT_LORA.targets.length} projections, ${int(f.adapterParams)} adapter params; batch ${plan.B} × ${plan.T}, loss on every position, forward + backward + AdamW):`,
  );
  let line = `    ours ${int(f.tokensPerS)} tokens/s (${fixed(f.secondsPerStep, 2)} s/step, ${fixed((fl * f.tokensPerS) / 1e9)} GFLOP/s)`;
  if (them)
    line += ` | PyTorch ${int(them.tokens_per_s)} tokens/s (${fixed(them.seconds_per_step, 2)} s/step, ${fixed((fl * them.tokens_per_s) / 1e9)} GFLOP/s) | ours/PyTorch ${ratio(f.tokensPerS, them.tokens_per_s)}${verdict(f.tokensPerS, them.tokens_per_s)}`;
  console.log(line);
  console.log(
    `  peak RSS, training: ours ${mib(us.peakRssBytes)}${them ? ` | PyTorch ${mib(them.peak_rss_bytes)}` : ""}` +
      `  (step seconds: ours ${f.stepSeconds.map((s) => fixed(s, 2)).join(", ")}${them ? `; PyTorch ${them.step_seconds.map((s) => fixed(s, 2)).join(", ")}` : ""}; first loss ${fixed(f.losses[0] ?? Number.NaN, 3)}, ln V = ${fixed(Math.log(a.vocab), 3)})`,
  );
  printProfile(us);
  summary.push({ model: shape.name, what: "LoRA training", ratio: them ? f.tokensPerS / them.tokens_per_s : undefined });
  if (ticket && us.extra) {
    const e = us.extra;
    const perStep = [...e.stepSeconds].sort((x, y) => x - y)[Math.floor(e.stepSeconds.length / 2)] ?? e.secondsPerStep;
    const total = ticket.steps * perStep;
    console.log(
      `  auto on ticket-routing (${ticket.file.split("/").slice(-2).join("/")}: ${ticket.examples} examples, ~${fixed(ticket.meanTokens, 0)} tokens each (est. characters / 4 + ChatML, max ~${ticket.maxTokens});` +
        ` ${ticket.epochs} epochs × batch ${ticket.batch} = ${ticket.steps} steps, mean padded length ${fixed(ticket.meanPaddedT, 0)}):` +
        ` ours ${fixed(perStep, 2)} s/step at ${extra?.B} × ${extra?.T} (median of ${e.stepSeconds.length}) → ~${fixed(total / 60, 1)} min of training (steps × s/step; validation, checkpoints and start-up not included)`,
    );
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const python = o.peer ? findTorchPython() : undefined;
  console.log(
    `open-weight models, random weights in the real shapes${o.quick ? " (--quick: tiny runs, figures not meaningful)" : ""}; every figure in its own process, best timed run of each side`,
  );
  if (o.peer && !python) console.log("  (no python3 with torch: PyTorch peer skipped; apt-get install python3-torch libopenblas0-openmp)");
  const summary: Summary[] = [];
  for (const shape of o.models) {
    const a = shape.arch;
    const plan = planFor(shape, o.quick);
    console.log(
      `${shape.name} (${a.architecture}: ${fixed(hfParameterCount(a) / 1e6)}M params, hidden ${a.hidden}, ${a.layers} layers, ${a.heads} heads / ${a.kvHeads} KV heads, FFN ${a.intermediate}, vocab ${int(a.vocab)}${a.tiedEmbeddings ? ", tied" : ""}${a.qkvBias ? ", q/k/v bias" : ""}, rope_theta ${int(a.ropeTheta)})`,
    );
    for (const phase of o.phases) {
      if (phase === "infer") await inference(shape, plan.infer, o, python, summary);
      else await training(shape, plan.train, o, python, summary);
    }
  }
  const info = nativeInfo();
  let sides = `ours: native kernels ${info.isa}, ${info.threads} threads, float32 weights`;
  if (peerMeta)
    sides += ` | PyTorch ${peerMeta.torch} (${python}), ${peerMeta.threads} threads, BLAS ${peerMeta.blas.map((b) => b.split("/").at(-1)).join(" + ") || "unknown"}, ${Object.entries(
      PEER_ENV,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}`;
  console.log(sides);
  if (python) {
    console.log("ratios ours/PyTorch (this run):");
    for (const s of summary) {
      const target =
        s.what === "prefill"
          ? ""
          : s.ratio === undefined
            ? ""
            : s.ratio >= TARGET
              ? `  target ≥ ${TARGET}×: met`
              : `  target ≥ ${TARGET}×: NOT met`;
      console.log(`  ${s.model} ${s.what}: ${s.ratio === undefined ? "n/a" : `${fixed(s.ratio, 2)}×`}${target}`);
    }
  }
}

await main();
