// The open-weight model shapes bench/open-weights.ts measures (the real configs of SmolLM2-135M and Qwen2.5-0.5B,
// as ANCHORS.md states them), and the arguments that give the PyTorch peer the same shape.
import type { HfArchitecture } from "../../packages/engine/src/hf/config.ts";

export interface BenchShape {
  /** Name on the command line and in the report. */
  name: string;
  arch: HfArchitecture;
}

export const SMOLLM2_135M: BenchShape = {
  name: "SmolLM2-135M",
  arch: {
    modelType: "llama",
    architecture: "LlamaForCausalLM",
    hidden: 576,
    intermediate: 1536,
    layers: 30,
    heads: 9,
    kvHeads: 3,
    headDim: 64,
    vocab: 49_152,
    maxPositions: 8192,
    rmsEps: 1e-5,
    ropeTheta: 100_000,
    tiedEmbeddings: true,
    qkvBias: false,
    oBias: false,
    qkNorm: false,
  },
};

export const QWEN25_05B: BenchShape = {
  name: "Qwen2.5-0.5B",
  arch: {
    modelType: "qwen2",
    architecture: "Qwen2ForCausalLM",
    hidden: 896,
    intermediate: 4864,
    layers: 24,
    heads: 14,
    kvHeads: 2,
    headDim: 64,
    vocab: 151_936,
    maxPositions: 32_768,
    rmsEps: 1e-6,
    ropeTheta: 1_000_000,
    tiedEmbeddings: true,
    qkvBias: true,
    oBias: false,
    qkNorm: false,
  },
};

/** A tiny shape with every feature the big ones use (GQA, q/k/v bias, tied head), for the smoke test. */
export const TINY_SHAPE: BenchShape = {
  name: "tiny",
  arch: {
    modelType: "qwen2",
    architecture: "Qwen2ForCausalLM",
    hidden: 32,
    intermediate: 48,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    headDim: 8,
    vocab: 97,
    maxPositions: 512,
    rmsEps: 1e-6,
    ropeTheta: 10_000,
    tiedEmbeddings: true,
    qkvBias: true,
    oBias: false,
    qkNorm: false,
  },
};

export const SHAPES: readonly BenchShape[] = [SMOLLM2_135M, QWEN25_05B, TINY_SHAPE];

export function shapeByName(name: string): BenchShape {
  const shape = SHAPES.find((s) => s.name.toLowerCase() === name.toLowerCase());
  if (!shape) throw new Error(`unknown model shape "${name}"; known: ${SHAPES.map((s) => s.name).join(", ")}`);
  return shape;
}

/** The peer's command-line flags for this architecture (bench/peers/open_weights_peer.py). */
export function peerShapeArgs(a: HfArchitecture): string[] {
  if (a.qkNorm || a.oBias || a.ropeScaling || a.headDim * a.heads !== a.hidden)
    throw new Error(`the PyTorch peer implements Llama/Qwen2 without q/k norm, o bias, RoPE scaling or a separate head_dim`);
  const args = [
    ["--hidden", a.hidden],
    ["--layers", a.layers],
    ["--heads", a.heads],
    ["--kv-heads", a.kvHeads],
    ["--intermediate", a.intermediate],
    ["--vocab", a.vocab],
    ["--rope-theta", a.ropeTheta],
    ["--rms-eps", a.rmsEps],
  ].flatMap(([flag, value]) => [String(flag), String(value)]);
  if (a.tiedEmbeddings) args.push("--tied");
  if (a.qkvBias) args.push("--qkv-bias");
  return args;
}
