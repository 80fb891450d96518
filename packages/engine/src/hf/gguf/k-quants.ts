/**
 * ggml's k-quant block formats Q4_K and Q6_K (ggml-common.h `block_q4_K`, `block_q6_K`; decoded by ggml-quants.c
 * `dequantize_row_q4_K` / `dequantize_row_q6_K`), written from their layout. A super-block holds 256 values.
 *
 * Q4_K, 144 bytes: float16 d, float16 dmin, 12 bytes of 6-bit scales sc[8] and mins m[8], 128 bytes of 4-bit quants.
 *   Sub-block j (values 32j … 32j+31) decodes as y = d·sc[j]·q − dmin·m[j], q in 0…15. The scales are packed as
 *   bytes 0–3: sc[0…3] | (sc[4…7] >> 4) << 6; bytes 4–7: m[0…3] | (m[4…7] >> 4) << 6; bytes 8–11: (sc[4…7] & 15) |
 *   (m[4…7] & 15) << 4. Quant byte 32c + l holds value 64c + l in its low nibble and value 64c + 32 + l in its high one.
 * Q6_K, 210 bytes: 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits), 16 int8 scales, float16 d. Sub-block i
 *   (values 16i … 16i+15) decodes as y = d·scale[i]·(q − 32), q in 0…63. In each half h (128 values), for l < 32:
 *   ql[64h + l] holds values 128h + l (low nibble) and 128h + 64 + l (high), ql[64h + 32 + l] values 128h + 32 + l and
 *   128h + 96 + l; qh[32h + l] holds the high 2 bits of values 128h + l, +32, +64, +96 at bits 0, 2, 4, 6.
 *
 * The quantizers search for scales as llama.cpp's do (make_qkx2_quants / make_qx_quants: several candidates, the one of
 * least squared error kept), written from the formats and that idea:
 * - Q4_K, per sub-block of 32: y = s·q + b with b = min(0, min x); five starting steps s = (max x − b) / L for L = 15,
 *   14, 14.5, 15.5, 16 (15 first: the plain min/max grid), each followed by up to four rounds of: round q with the
 *   current (s, b), refit (s, b) by least squares to those q (b kept ≤ 0, as the stored min is unsigned), the pair of
 *   least squared error over all of them kept. Then d = max s / 63, dmin = max(−b) / 63 (float16), and for each
 *   sub-block the 6-bit sc and m: the nearest multiples of d and dmin, then their neighbours (±1 each, nine pairs),
 *   the pair whose own rounding of the sub-block gives the least squared error kept, as the values decode with the
 *   scales as stored; q is then rounded with them. (Relative RMSE on N(0, σ) weights 0.0702, from 0.0741 with only
 *   the L = 15 start and the nearest sc and m.)
 * - Q6_K, per sub-block of 16: starting scales that map the largest |x| to −32 and to +31, each refit by least
 *   squares three times (q rounded, s = Σxq / Σq²), the one of least squared error kept. Then d = max |s| / 127
 *   (float16), each scale the nearest int8 multiple of d, and q rounded with the scales as stored.
 */
import type { Vec } from "../../trainer/kernels/types.ts";
import { floatToF16, halfToFloat } from "../halves.ts";

/** Values per k-quant super-block (ggml's QK_K). */
export const QK_K = 256;
export const Q4_K_BLOCK_BYTES = 144;
export const Q6_K_BLOCK_BYTES = 210;

const f32 = Math.fround;
/** C's roundf: halves away from zero. */
const roundf = (x: number) => (x < 0 ? -Math.round(-x) : Math.round(x));
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(v, hi));
/** A float as the float16 a block stores, and the value that float16 decodes to. */
const half = (x: number) => {
  const bits = floatToF16(x);
  return { bits, value: halfToFloat(bits) };
};

/** The starting steps of the Q4_K search: (max − min) / L for each L, the plain min/max grid (15) first. */
export const Q4_K_START_LEVELS = [15, 14, 14.5, 15.5, 16] as const;
const Q4_K_ROUNDS = 4;

/** The best (s, b) of one Q4_K sub-block so far and its squared error. */
interface AffineFit {
  s: number;
  b: number;
  err: number;
}

/** Up to Q4_K_ROUNDS rounds from (s, b): round q, keep (s, b) if its squared error is the least so far, refit. */
function refineAffine(x: Vec, from: number, n: number, s0: number, b0: number, fit: AffineFit): void {
  let s = s0;
  let b = b0;
  for (let round = 0; round < Q4_K_ROUNDS; round++) {
    let sq = 0;
    let sqq = 0;
    let sx = 0;
    let sqx = 0;
    let err = 0;
    for (let i = 0; i < n; i++) {
      const v = x[from + i] as number;
      const q = clamp(Math.round((v - b) / s), 0, 15);
      const e = s * q + b - v;
      err += e * e;
      sq += q;
      sqq += q * q;
      sx += v;
      sqx += q * v;
    }
    if (err < fit.err) {
      fit.err = err;
      fit.s = s;
      fit.b = b;
    }
    const det = n * sqq - sq * sq;
    if (det <= 0) return;
    let ns = (n * sqx - sq * sx) / det;
    let nb = (sqq * sx - sq * sqx) / det;
    if (nb > 0) {
      nb = 0;
      ns = sqx / sqq;
    }
    if (!(ns > 0)) return;
    s = ns;
    b = nb;
  }
}

/** The (scale, offset) of one Q4_K sub-block, y = s·q + b with q in 0…15 and b ≤ 0 (see the file's comment). */
function fitAffine(x: Vec, from: number, n: number, out: AffineFit): void {
  let lo = 0;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = x[from + i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  out.err = Number.POSITIVE_INFINITY;
  out.s = (hi - lo) / 15;
  out.b = lo;
  if (!(out.s > 0)) {
    out.s = 0;
    return;
  }
  for (const levels of Q4_K_START_LEVELS) refineAffine(x, from, n, (hi - lo) / levels, lo, out);
}

/**
 * The squared error of a Q4_K sub-block rounded with the stored step d·sc and offset dmin·m (float32 products, as
 * llama.cpp decodes them): q = roundf((x + offset) / step) in 0…15, y = step·q − offset.
 */
function storedError(x: Vec, from: number, step: number, offset: number): number {
  let err = 0;
  for (let i = 0; i < 32; i++) {
    const v = x[from + i] as number;
    const e = step * clamp(roundf((v + offset) / step), 0, 15) - offset - v;
    err += e * e;
  }
  return err;
}

/** Scratch space of the block quantizers (one block at a time, no allocation per block). */
const scales = new Float64Array(16);
const mins = new Float64Array(8);
const fit: AffineFit = { s: 0, b: 0, err: 0 };
const sc4 = new Uint8Array(8);
const m4 = new Uint8Array(8);
const sc6 = new Int8Array(16);
const q = new Uint8Array(QK_K);

/** Encodes 256 values x[from …] as one Q4_K block at out[at …]. */
export function quantizeQ4KBlock(x: Vec, from: number, out: Uint8Array, at: number): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    fitAffine(x, from + 32 * j, 32, fit);
    scales[j] = fit.s;
    mins[j] = -fit.b;
    maxScale = Math.max(maxScale, fit.s);
    maxMin = Math.max(maxMin, -fit.b);
  }
  const d = half(maxScale / 63);
  const dmin = half(maxMin / 63);
  const sc = sc4;
  const m = m4;
  for (let j = 0; j < 8; j++) {
    const sc0 = d.value > 0 ? clamp(roundf((scales[j] as number) / d.value), 0, 63) : 0;
    const m0 = dmin.value > 0 ? clamp(roundf((mins[j] as number) / dmin.value), 0, 63) : 0;
    sc[j] = sc0;
    m[j] = m0;
    if (!(d.value > 0)) continue;
    // the nine (sc, m) around the nearest, in order, the first of least error kept (m moves only when dmin > 0)
    let best = Number.POSITIVE_INFINITY;
    for (let a = sc0 - 1; a <= sc0 + 1; a++)
      for (let c = m0 - 1; c <= m0 + 1; c++) {
        if (a < 0 || a > 63 || c < 0 || c > 63 || (c !== m0 && !(dmin.value > 0))) continue;
        const step = f32(d.value * a);
        if (!(step > 0)) continue;
        const err = storedError(x, from + 32 * j, step, f32(dmin.value * c));
        if (err < best) {
          best = err;
          sc[j] = a;
          m[j] = c;
        }
      }
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(at, d.bits, true);
  view.setUint16(at + 2, dmin.bits, true);
  for (let i = 0; i < 4; i++) {
    out[at + 4 + i] = (sc[i] as number) | (((sc[i + 4] as number) >> 4) << 6);
    out[at + 8 + i] = (m[i] as number) | (((m[i + 4] as number) >> 4) << 6);
    out[at + 12 + i] = ((sc[i + 4] as number) & 15) | (((m[i + 4] as number) & 15) << 4);
  }
  for (let j = 0; j < 8; j++) {
    // the step and offset as llama.cpp decodes them (float32 products)
    const step = f32(d.value * (sc[j] as number));
    const offset = f32(dmin.value * (m[j] as number));
    for (let i = 0; i < 32; i++) {
      const v = x[from + 32 * j + i] as number;
      q[32 * j + i] = step > 0 ? clamp(roundf((v + offset) / step), 0, 15) : 0;
    }
  }
  for (let c = 0; c < 4; c++)
    for (let l = 0; l < 32; l++) out[at + 16 + 32 * c + l] = (q[64 * c + l] as number) | ((q[64 * c + 32 + l] as number) << 4);
}

/** The scale of one Q6_K sub-block, y = s·q with q in −32…31 (see the file's comment). */
function fitSymmetric(x: Vec, from: number, n: number): number {
  let vmax = 0;
  for (let i = 0; i < n; i++) {
    const v = x[from + i] as number;
    if (Math.abs(v) > Math.abs(vmax)) vmax = v;
  }
  if (vmax === 0) return 0;
  let bestScale = 0;
  let best = Number.POSITIVE_INFINITY;
  for (const start of [-vmax / 32, vmax / 31]) {
    let s = start;
    for (let round = 0; round < 4; round++) {
      let sqq = 0;
      let sqx = 0;
      let err = 0;
      for (let i = 0; i < n; i++) {
        const v = x[from + i] as number;
        const q = clamp(Math.round(v / s), -32, 31);
        const e = s * q - v;
        err += e * e;
        sqq += q * q;
        sqx += q * v;
      }
      if (err < best) {
        best = err;
        bestScale = s;
      }
      if (sqq === 0 || round === 3) break;
      s = sqx / sqq;
      if (s === 0) break;
    }
  }
  return bestScale;
}

/** Encodes 256 values x[from …] as one Q6_K block at out[at …]. */
export function quantizeQ6KBlock(x: Vec, from: number, out: Uint8Array, at: number): void {
  let maxAbs = 0;
  for (let i = 0; i < 16; i++) {
    scales[i] = fitSymmetric(x, from + 16 * i, 16);
    maxAbs = Math.max(maxAbs, Math.abs(scales[i] as number));
  }
  const d = half(maxAbs / 127);
  const sc = sc6;
  for (let i = 0; i < 16; i++) sc[i] = d.value > 0 ? clamp(roundf((scales[i] as number) / d.value), -128, 127) : 0;
  for (let i = 0; i < 16; i++) {
    const step = f32(d.value * (sc[i] as number));
    for (let k = 0; k < 16; k++) {
      const v = x[from + 16 * i + k] as number;
      q[16 * i + k] = (step !== 0 ? clamp(roundf(v / step), -32, 31) : 0) + 32;
    }
  }
  for (let h = 0; h < 2; h++)
    for (let l = 0; l < 32; l++) {
      const base = 128 * h + l;
      const q0 = q[base] as number;
      const q1 = q[base + 32] as number;
      const q2 = q[base + 64] as number;
      const q3 = q[base + 96] as number;
      out[at + 64 * h + l] = (q0 & 15) | ((q2 & 15) << 4);
      out[at + 64 * h + 32 + l] = (q1 & 15) | ((q3 & 15) << 4);
      out[at + 128 + 32 * h + l] = (q0 >> 4) | ((q1 >> 4) << 2) | ((q2 >> 4) << 4) | ((q3 >> 4) << 6);
    }
  for (let i = 0; i < 16; i++) out[at + 192 + i] = (sc[i] as number) & 0xff;
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint16(at + 208, d.bits, true);
}
