// The open-weight model shapes bench/open-weights.ts measures (the real configs of SmolLM2-135M and Qwen2.5-0.5B,
// as ANCHORS.md states them, and of Gemma 3 270M), and the arguments that give the PyTorch peer the same shape.
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

/**
 * gemma-3-270m's config.json (Gemma3ForCausalLM, bf16): head_dim 256 (not hidden / heads), q/k norms, GeGLU (tanh),
 * embeddings × sqrt(640) rounded to bf16 (25.25, as transformers rounds it), scores × query_pre_attn_scalar^-1/2 (256),
 * layers 5, 11 and 17 global (rope_theta 1e6), the other 15 local: a 512-key sliding window, RoPE base 10,000.
 */
export const GEMMA3_270M: BenchShape = {
  name: "Gemma-3-270M",
  arch: {
    modelType: "gemma3_text",
    architecture: "Gemma3ForCausalLM",
    hidden: 640,
    intermediate: 2048,
    layers: 18,
    heads: 4,
    kvHeads: 1,
    headDim: 256,
    vocab: 262_144,
    maxPositions: 32_768,
    rmsEps: 1e-6,
    ropeTheta: 1_000_000,
    tiedEmbeddings: true,
    qkvBias: false,
    oBias: false,
    qkNorm: true,
    gemma: {
      embedScale: 25.25,
      attnScale: 1 / 16,
      slidingWindow: 512,
      slidingLayers: [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16],
      localRopeTheta: 10_000,
    },
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

/**
 * A tiny Gemma 3 with every feature the 270M one uses (head_dim ≠ hidden / heads, one KV head, q/k norms, scaled
 * embeddings, a score scale other than head_dim^-1/2, local layers with a window shorter than the test's sequences and
 * their own RoPE base, a global layer), for the smoke test. Its embeddings are scaled by 0.5, not sqrt(32): at
 * sqrt(32) the scaled embedding dominates the random model's residual stream and the tied head reads it back, so the
 * greedy tokens would only repeat the last one.
 */
export const TINY_GEMMA: BenchShape = {
  name: "tiny-gemma",
  arch: {
    modelType: "gemma3_text",
    architecture: "Gemma3ForCausalLM",
    hidden: 32,
    intermediate: 48,
    layers: 3,
    heads: 4,
    kvHeads: 1,
    headDim: 16,
    vocab: 97,
    maxPositions: 512,
    rmsEps: 1e-6,
    ropeTheta: 1_000_000,
    tiedEmbeddings: true,
    qkvBias: false,
    oBias: false,
    qkNorm: true,
    gemma: { embedScale: 0.5, attnScale: 12 ** -0.5, slidingWindow: 4, slidingLayers: [0, 1], localRopeTheta: 10_000 },
  },
};

export const SHAPES: readonly BenchShape[] = [SMOLLM2_135M, QWEN25_05B, GEMMA3_270M, TINY_SHAPE, TINY_GEMMA];

/** Case and hyphens do not matter: `gemma3-270m` is Gemma-3-270M. */
export function shapeByName(name: string): BenchShape {
  const key = (s: string) => s.toLowerCase().replaceAll("-", "");
  const shape = SHAPES.find((s) => key(s.name) === key(name));
  if (!shape) throw new Error(`unknown model shape "${name}"; known: ${SHAPES.map((s) => s.name).join(", ")}`);
  return shape;
}

/** The peer's command-line flags for this architecture (bench/peers/open_weights_peer.py). */
export function peerShapeArgs(a: HfArchitecture): string[] {
  const g = a.gemma;
  if (
    (a.qkNorm && !g) ||
    (!g && a.headDim * a.heads !== a.hidden) ||
    a.oBias ||
    a.ropeScaling ||
    a.ropeLinearFactor ||
    a.noRopeLayers?.length
  )
    throw new Error(
      "the PyTorch peer implements Llama/Qwen2 (without q/k norm, o bias, RoPE scaling, NoPE layers or a separate head_dim) and Gemma 3 (without RoPE scaling)",
    );
  const args = [
    ["--hidden", a.hidden],
    ["--layers", a.layers],
    ["--heads", a.heads],
    ["--kv-heads", a.kvHeads],
    ["--intermediate", a.intermediate],
    ["--vocab", a.vocab],
    ["--rope-theta", a.ropeTheta],
    ["--rms-eps", a.rmsEps],
    ["--head-dim", a.headDim],
  ].flatMap(([flag, value]) => [String(flag), String(value)]);
  if (a.tiedEmbeddings) args.push("--tied");
  if (a.qkvBias) args.push("--qkv-bias");
  if (g)
    args.push(
      "--gemma",
      "--embed-scale",
      String(g.embedScale),
      "--attn-scale",
      String(g.attnScale),
      "--sliding-window",
      String(g.slidingWindow),
      "--sliding-layers",
      g.slidingLayers.join(","),
      "--rope-local-theta",
      String(g.localRopeTheta),
    );
  return args;
}
