/**
 * The type each weight matrix of a GGUF export gets.
 *
 * f32, f16 and q8_0 give every matrix that type. q4_k_m is llama.cpp's Q4_K_M mix, as `llama-quantize` chooses it
 * (llama-quant.cpp `llama_tensor_get_type` for LLAMA_FTYPE_MOSTLY_Q4_K_M, for llama / qwen2 / qwen3 / phi3):
 * - `output.weight`, and `token_embd.weight` when the embeddings are tied (llama.cpp then quantizes it as the
 *   output): Q6_K, or Q8_0 when its rows are not a multiple of 256;
 * - `attn_v` and `ffn_down` of layer i of n: Q6_K when i < n/8, i ≥ 7n/8 or (i − n/8) mod 3 = 2 (integer division;
 *   llama.cpp's `use_more_bits`), else Q4_K; Phi-3's stacked `attn_qkv` as `attn_v` (llama.cpp counts it among the
 *   attn_v-like tensors, `category_is_attn_v`, which it tests before its own Q5_K rule for attn_qkv);
 * - every other matrix (an untied `token_embd` included): Q4_K.
 * A matrix whose rows are not a multiple of 256 values then falls back as llama.cpp's `tensor_type_fallback` does:
 * Q4_K to Q5_0, Q6_K to Q8_0, and to F16 when the rows are not a multiple of 32 either (where llama.cpp's converter
 * also writes F16).
 */
import { blockValues, type GgmlTypeName } from "./encode.ts";

export const GGUF_DTYPES = ["q8_0", "f16", "f32", "q4_k_m"] as const;
export type GgufDtype = (typeof GGUF_DTYPES)[number];

/** llama.cpp's `general.file_type` (`enum llama_ftype`) of each export type. */
export const FILE_TYPE: Record<GgufDtype, number> = { f32: 0, f16: 1, q8_0: 7, q4_k_m: 15 };

const UNIFORM: Record<Exclude<GgufDtype, "q4_k_m">, GgmlTypeName> = { f32: "F32", f16: "F16", q8_0: "Q8_0" };

/** What a matrix is, as far as the mix cares. */
export type MatrixRole =
  | { kind: "output" }
  | { kind: "token_embd"; tied: boolean }
  | { kind: "layer"; projection: string; layer: number; layers: number };

/** llama.cpp's `use_more_bits`: the first and last eighth of the layers, and every third one between. */
export function useMoreBits(layer: number, layers: number): boolean {
  const eighth = Math.floor(layers / 8);
  return layer < eighth || layer >= Math.floor((7 * layers) / 8) || (layer - eighth) % 3 === 2;
}

/** The type of a matrix of rows of `cols` values in an export of `dtype`. */
export function matrixType(dtype: GgufDtype, role: MatrixRole, cols: number): GgmlTypeName {
  let type: GgmlTypeName;
  if (dtype !== "q4_k_m") type = UNIFORM[dtype];
  else if (role.kind === "output" || (role.kind === "token_embd" && role.tied)) type = "Q6_K";
  else if (role.kind === "layer" && ["attn_v", "attn_qkv", "ffn_down"].includes(role.projection))
    type = useMoreBits(role.layer, role.layers) ? "Q6_K" : "Q4_K";
  else type = "Q4_K";
  if (cols % blockValues(type) === 0) return type;
  if (type === "Q4_K") type = "Q5_0";
  else if (type === "Q6_K") type = "Q8_0";
  return cols % blockValues(type) === 0 ? type : "F16";
}
