/**
 * Pure-TS reference kernels: the same math as the native addon, written for clarity. Used only by
 * tests (gradient checks in float64, native-vs-reference agreement); never a runtime fallback.
 */
import { quantizeBlocks } from "../../hf/gguf/quantize-blocks.ts";
import { quantizeQ4Blocks } from "../../hf/model/q4-matrix.ts";
import { quantizeQ8Blocks } from "../../hf/model/q8-matrix.ts";
import type { Kernels, Vec } from "../kernels/types.ts";
import { attentionBwd, attentionBwdRows, attentionFwd, attentionFwdRows } from "./attention.ts";
import { gemm, gemmBf16B, gemmF16B, gemmQ4B, gemmQ8B } from "./gemm.ts";
import { bf16ToF32, f16ToF32 } from "./halves.ts";
import { colsum, embedBwd, embedFwd, geluBwd, geluFwd, layernormBwd, layernormFwd } from "./layers.ts";
import { adamw, crossEntropy, dropout, sumsq } from "./optim.ts";
import { patchify, unpatchify } from "./patches.ts";
import { rmsnormBwd, rmsnormFwd } from "./rmsnorm.ts";
import { rope } from "./rope.ts";
import { gatherRows, scatterAddRows } from "./rows.ts";
import { swigluBwd, swigluFwd } from "./swiglu.ts";

export function referenceKernels(precision: "f32" | "f64" = "f64"): Kernels {
  return {
    name: `reference-${precision}`,
    alloc: (n: number): Vec => (precision === "f64" ? new Float64Array(n) : new Float32Array(n)),
    gemm,
    gemmBf16B,
    gemmF16B,
    gemmQ8B,
    q8Quantize: quantizeQ8Blocks,
    gemmQ4B,
    q4Quantize: quantizeQ4Blocks,
    layernormFwd,
    layernormBwd,
    geluFwd,
    geluBwd,
    colsum,
    embedFwd,
    embedBwd,
    attentionFwd,
    attentionBwd,
    attentionFwdRows,
    attentionBwdRows,
    crossEntropy,
    adamw,
    sumsq,
    dropout,
    rmsnormFwd,
    rmsnormBwd,
    rope,
    swigluFwd,
    swigluBwd,
    bf16ToF32,
    f16ToF32,
    gatherRows,
    scatterAddRows,
    patchify,
    unpatchify,
    ggufQuantize: quantizeBlocks,
  };
}
