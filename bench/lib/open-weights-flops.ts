// Work per token of a Llama-family model, to turn tokens/s into achieved GFLOP/s (prefill, LoRA training) and weight
// bandwidth (decode reads every weight once per token). Matmul work only; norms, RoPE and softmax are left out.
import type { HfArchitecture } from "../../packages/engine/src/hf/config.ts";
import { LINEAR_PROJECTIONS, projectionShape } from "../../packages/engine/src/hf/tensor-names.ts";

/** Multiply-adds per token of the decoder layers' linear projections. */
export function layerLinearMacs(a: HfArchitecture): number {
  let macs = 0;
  for (const p of LINEAR_PROJECTIONS) {
    const [out, inn] = projectionShape(a, p);
    macs += out * inn;
  }
  return a.layers * macs;
}

/** Multiply-adds per token of attention (q·kᵀ and p·v) at `context` keys. */
export function attentionMacs(a: HfArchitecture, context: number): number {
  return a.layers * 2 * a.heads * a.headDim * context;
}

/** Prefill of a P-token prompt: every layer on every token, causal attention (P/2 keys on average), head on the last token. */
export function prefillFlops(a: HfArchitecture, P: number): number {
  return 2 * P * (layerLinearMacs(a) + attentionMacs(a, (P + 1) / 2)) + 2 * a.vocab * a.hidden;
}

/** Bytes of weights one decode step reads (float32 layers and head; the embedding row is negligible). */
export function decodeWeightBytes(a: HfArchitecture, bytesPerValue = 4): number {
  return bytesPerValue * (layerLinearMacs(a) + a.vocab * a.hidden);
}

/**
 * One LoRA training step per token (frozen base): forward and the input gradient of every base matmul and the head
 * (2 × 2 × MACs), attention forward and backward (3 × its forward), and the adapters' forward, dA, dB and dx.
 */
export function loraTrainFlopsPerToken(a: HfArchitecture, T: number, rank: number): number {
  let adapterMacs = 0;
  for (const p of LINEAR_PROJECTIONS) {
    const [out, inn] = projectionShape(a, p);
    adapterMacs += rank * (out + inn);
  }
  const base = layerLinearMacs(a) + a.vocab * a.hidden;
  return 4 * base + 3 * 2 * attentionMacs(a, (T + 1) / 2) + 4 * 2 * a.layers * adapterMacs;
}
