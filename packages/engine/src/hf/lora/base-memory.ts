/**
 * `auto` for `base_quantization`: how LoRA holds the frozen base, chosen by the memory it takes. A laptop's memory is
 * what stops it from tuning a bigger model (Mistral 7B is 14.5 GB in bf16), so when the base as stored would take more
 * than BASE_MEMORY_SHARE (half) of the machine's memory, `auto` holds it in 8-bit Q8 blocks (about half of bf16's
 * bytes), and in 4-bit Q4 blocks (about a third) when even those would; the other half is for the activations
 * (train-model.ts budgets a quarter of the memory for them) and for everything else the machine runs. Continuing an
 * adapter trained on a quantized base keeps that base, so the adapter keeps learning against the weights it was
 * trained on.
 *
 * The bytes are counted from the safetensors headers as model/weights.ts holds the tensors: matrices (2-D) as stored
 * when bf16 or f16, else float32, or Q8 / Q4 blocks; vectors (norms, biases) as float32.
 */

import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { TrainingNotice } from "../../trainer/types.ts";
import { formatBytes } from "../machine-memory.ts";
import { type Matrix, matrixBytes } from "../model/matrix.ts";
import { q4Bytes } from "../model/q4-matrix.ts";
import { q8Bytes } from "../model/q8-matrix.ts";
import type { HfWeights, QuantizedBaseWeights } from "../model/weights.ts";
import { readSafetensorsHeader } from "../safetensors.ts";

export const BASE_MEMORY_SHARE = 0.5;

/** The bytes a base's weights take in memory, held as stored and in Q8 and Q4 blocks, and its parameter count. */
export interface BaseWeightBytes {
  asStored: number;
  q8: number;
  q4: number;
  params: number;
}

/**
 * Full fine-tuning holds every weight in float32 with its gradient and Adam's two moments: 16 bytes a parameter
 * (hf/full), before activations.
 */
export const FULL_BYTES_PER_PARAM = 16;

/** The safetensors files among `names` (default: every file in `dir`), as paths. */
export function safetensorsIn(dir: string, names: readonly string[] = readdirSync(dir)): string[] {
  return names.filter((n) => n.endsWith(".safetensors")).map((n) => join(dir, n));
}

/** Counts the bytes of the tensors in `files` (safetensors paths) as the LoRA trainer holds them. */
export function baseWeightBytes(files: readonly string[]): BaseWeightBytes {
  let asStored = 0;
  let q8 = 0;
  let q4 = 0;
  let params = 0;
  for (const file of files) {
    for (const t of readSafetensorsHeader(file).tensors.values()) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      params += n;
      if (t.shape.length === 2) {
        asStored += t.dtype === "F32" ? 4 * n : 2 * n;
        q8 += q8Bytes(n);
        q4 += q4Bytes(n);
      } else {
        asStored += 4 * n;
        q8 += 4 * n;
        q4 += 4 * n;
      }
    }
  }
  return { asStored, q8, q4, params };
}

export type BaseQuantizationChoice = "none" | QuantizedBaseWeights;

const BITS: Record<QuantizedBaseWeights, number> = { q8_0: 8, q4_0: 4 };

export interface BaseQuantizationInput {
  /** The base's weights; unknown (the plan could not read them) keeps the base as stored. */
  weights?: BaseWeightBytes | undefined;
  /** The memory the job plans for (machine-memory.ts). */
  memoryBytes: number;
  /** The adapter being continued was trained on the base held so. */
  continues?: QuantizedBaseWeights | undefined;
}

/** `auto`'s choice and its reason, in the words `exp create --dry-run` shows. */
export function autoBaseQuantization(input: BaseQuantizationInput): { value: BaseQuantizationChoice; reason: string } {
  const { continues } = input;
  if (continues)
    return { value: continues, reason: `${continues}: the adapter being continued was trained on the base in ${BITS[continues]} bits` };
  const { weights, memoryBytes } = input;
  if (!weights) return { value: "none", reason: "none (the base as the checkpoint stores it)" };
  const share = BASE_MEMORY_SHARE * memoryBytes;
  const half = `${Math.round(BASE_MEMORY_SHARE * 100)}% of this machine's ${formatBytes(memoryBytes)} of memory`;
  if (weights.asStored <= share)
    return { value: "none", reason: `none: the base takes ${formatBytes(weights.asStored)} as stored, within ${half}` };
  const over = `the base takes ${formatBytes(weights.asStored)} as stored, more than ${half}`;
  if (weights.q8 <= share) return { value: "q8_0", reason: `q8_0: ${over}; in 8 bits ${formatBytes(weights.q8)}` };
  return {
    value: "q4_0",
    reason: `q4_0: ${over}, and ${formatBytes(weights.q8)} in 8 bits; in 4 bits ${formatBytes(weights.q4)}`,
  };
}

/**
 * A warning when the weights as the job will hold them take more than BASE_MEMORY_SHARE of the memory: LoRA's frozen
 * base (as stored or in 8 bits), or full fine-tuning's 16 bytes a parameter.
 */
export function baseMemoryWarning(
  weights: BaseWeightBytes,
  held: BaseQuantizationChoice | "full",
  memoryBytes: number,
): string | undefined {
  const bytes = { full: FULL_BYTES_PER_PARAM * weights.params, none: weights.asStored, q8_0: weights.q8, q4_0: weights.q4 }[held];
  if (bytes <= BASE_MEMORY_SHARE * memoryBytes) return undefined;
  const memory = `more than half of this machine's ${formatBytes(memoryBytes)} of memory: training may run out of memory`;
  if (held === "full")
    return `Full fine-tuning holds every weight in float32 with its gradient and Adam's two moments, ${FULL_BYTES_PER_PARAM} bytes for each of this model's ${weights.params.toLocaleString("en-US")} parameters: ${formatBytes(bytes)}, ${memory}. Consider LoRA (training_type lora), which holds the base as stored or in 8 or 4 bits.`;
  const how = held === "none" ? "as stored" : `in ${BITS[held]} bits`;
  const hint =
    held === "none"
      ? "base_quantization q8_0 (about half the bytes), q4_0 (a third) or a smaller model"
      : held === "q8_0"
        ? "base_quantization q4_0 (about half of 8 bits' bytes) or a smaller model"
        : "a smaller model";
  return `The base model's weights take ${formatBytes(bytes)} ${how}, ${memory}. Consider ${hint}.`;
}

/** Every matrix of the weights once (a tied head is the embedding). */
function heldMatrices(w: HfWeights): Matrix[] {
  const out = new Set<Matrix>([w.embed, w.lmHead]);
  for (const layer of w.layers) for (const p of Object.values(layer.proj)) out.add(p.w);
  return [...out];
}

/**
 * The job's notice that its base is held in blocks: the matrices' bytes so and as the checkpoint stores them, and how
 * long loading and quantizing took (seconds for a 1B model: the only sign of life before the first step).
 */
export function quantizedBaseNotice(dir: string, held: QuantizedBaseWeights, weights: HfWeights, seconds: number): TrainingNotice {
  const bytes = heldMatrices(weights).reduce((sum, m) => sum + matrixBytes(m), 0);
  const stored = baseWeightBytes(safetensorsIn(dir));
  const bits = BITS[held];
  return {
    level: "info",
    message: `The base model is held in ${bits}-bit blocks (base_quantization ${held}): its matrices take ${formatBytes(bytes)}, the base as stored ${formatBytes(stored.asStored)}; loading and quantizing took ${seconds.toFixed(1)} s.`,
    data: { base_quantization: held, matrix_bytes: bytes, stored_bytes: stored.asStored, seconds },
  };
}
