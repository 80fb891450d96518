/**
 * Frozen weight matrices as the checkpoint stores them: float32, or raw bfloat16 or IEEE half (F16) halves kept as
 * they are (half the memory and the bandwidth of decoding; both widen to float32 exactly, so results are the same as
 * converting on load), or 8-bit Q8 or 4-bit Q4 blocks made at load on request (q8-matrix.ts, about half of bf16's
 * memory; q4-matrix.ts, about a third). Matmuls dispatch to `gemm`, `gemmBf16B`, `gemmF16B`, `gemmQ8B` or `gemmQ4B`.
 */
import { TunelabError } from "@tunelab/base";
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import { dequantizeQ4, Q4Matrix, quantizeQ4 } from "./q4-matrix.ts";
import { dequantizeQ8, Q8Matrix, quantizeQ8 } from "./q8-matrix.ts";

/** Raw IEEE half bits (safetensors' F16) as stored; a class of its own so it is never taken for bf16's Uint16Array. */
export class F16Matrix {
  constructor(readonly bits: Uint16Array) {}
  get length(): number {
    return this.bits.length;
  }
}

/** float32 values, raw bf16 halves (a Uint16Array), raw IEEE halves, or Q8 or Q4 blocks. */
export type Matrix = Vec | Uint16Array | F16Matrix | Q8Matrix | Q4Matrix;

/** A matrix as a checkpoint stores it (what exports write from): anything but a quantized copy. */
export type StoredMatrix = Exclude<Matrix, Q8Matrix | Q4Matrix>;

/** `m` as stored; exports open the base as stored, so a quantized copy here is a bug, not a user's error. */
export function storedOnly(m: Matrix): StoredMatrix {
  if (m instanceof Q8Matrix || m instanceof Q4Matrix)
    throw new Error("a quantized copy of the weights reached an export (exports read the checkpoint as stored)");
  return m;
}

export const isBf16 = (m: Matrix): m is Uint16Array => m instanceof Uint16Array;
export const isF16 = (m: Matrix): m is F16Matrix => m instanceof F16Matrix;
export const isQ8 = (m: Matrix): m is Q8Matrix => m instanceof Q8Matrix;
export const isQ4 = (m: Matrix): m is Q4Matrix => m instanceof Q4Matrix;

/** Rows first..first+rows of a [*, cols] matrix as stored, as a view (Phi-3's q, k and v rows of its stacked qkv_proj). */
export function rowBlock(m: StoredMatrix, first: number, rows: number, cols: number): StoredMatrix {
  const [start, end] = [first * cols, (first + rows) * cols];
  if (end > m.length) throw new Error(`rows ${first}..${first + rows} past the matrix (${m.length / cols} rows)`);
  return isF16(m) ? new F16Matrix(m.bits.subarray(start, end)) : m.subarray(start, end);
}

/** Values start..start+count of a matrix as float32 (exact for every type but Q8 and Q4, read as the kernels read them). */
export function widenRange(k: Kernels, m: Matrix, start: number, count: number, out: Float32Array): Float32Array {
  if (isQ8(m)) return dequantizeQ8(m, out, start, count);
  if (isQ4(m)) return dequantizeQ4(m, out, start, count);
  if (isF16(m)) k.f16ToF32(m.bits.subarray(start, start + count), out, count);
  else if (isBf16(m)) k.bf16ToF32(m.subarray(start, start + count), out, count);
  else for (let i = 0; i < count; i++) out[i] = m[start + i] as number;
  return out;
}

/** A Q8 copy of a matrix (itself when it already is one). */
export function toQ8(k: Kernels, m: Matrix): Q8Matrix {
  if (isQ8(m)) return m;
  return quantizeQ8(m.length, (start, count, out) => widenRange(k, m, start, count, out), k.q8Quantize);
}

/** The bytes a matrix takes as held. */
export function matrixBytes(m: Matrix): number {
  if (isQ8(m) || isQ4(m)) return m.q.byteLength + m.d.byteLength;
  if (isF16(m)) return m.bits.byteLength;
  return m.byteLength;
}

/** A Q4 copy of a matrix (itself when it already is one). */
export function toQ4(k: Kernels, m: Matrix): Q4Matrix {
  if (isQ4(m)) return m;
  return quantizeQ4(m.length, (start, count, out) => widenRange(k, m, start, count, out), k.q4Quantize);
}

/** C[M,N] (+)= op(A)·op(W) (+ bias), W in any of the Matrix forms. */
export function gemmW(
  k: Kernels,
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Vec,
  lda: number,
  W: Matrix,
  ldw: number,
  C: Vec,
  ldc: number,
  accumulate: boolean,
  bias: Vec | null,
): void {
  if (isBf16(W)) k.gemmBf16B(transA, transB, M, N, K, A, lda, W, ldw, C, ldc, accumulate, bias);
  else if (isF16(W)) k.gemmF16B(transA, transB, M, N, K, A, lda, W.bits, ldw, C, ldc, accumulate, bias);
  else if (isQ8(W)) k.gemmQ8B(transA, transB, M, N, K, A, lda, W.q, W.d, ldw, C, ldc, accumulate, bias);
  else if (isQ4(W)) k.gemmQ4B(transA, transB, M, N, K, A, lda, W.q, W.d, ldw, C, ldc, accumulate, bias);
  else k.gemm(transA, transB, M, N, K, A, lda, W, ldw, C, ldc, accumulate, bias);
}

/** out rows = rows ids[i] of a [rows, d] table. */
export function gatherRowsW(k: Kernels, ids: Int32Array, table: Matrix, out: Vec, n: number, d: number): void {
  const rows = table.length / d;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (!(id >= 0 && id < rows))
      throw new TunelabError(
        "validation_failed",
        `token id ${id} is outside the model's embedding table (${rows} rows): the tokenizer has more ids than config.json vocab_size`,
      );
  }
  if (isF16(table) || isQ8(table) || isQ4(table)) {
    const row = new Float32Array(d);
    for (let i = 0; i < n; i++) out.set(widenRange(k, table, (ids[i] as number) * d, d, row), i * d);
    return;
  }
  if (!isBf16(table)) {
    k.gatherRows(ids, table, out, n, d);
    return;
  }
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  for (let i = 0; i < n; i++) {
    const row = (ids[i] as number) * d;
    for (let j = 0; j < d; j++) {
      bits[0] = (table[row + j] as number) << 16;
      out[i * d + j] = f[0] as number;
    }
  }
}

/** A float32 copy (or the same array when it already is float32). */
export function toF32(k: Kernels, m: Matrix): Vec {
  if (!isBf16(m) && !isF16(m) && !isQ8(m) && !isQ4(m)) return m;
  const out = k.alloc(m.length);
  const widen = (dst: Float32Array) => widenRange(k, m, 0, m.length, dst);
  if (out instanceof Float32Array) widen(out);
  else {
    const tmp = new Float32Array(m.length);
    widen(tmp);
    out.set(tmp);
  }
  return out;
}
