/**
 * Half-precision values as safetensors and GGUF store them: IEEE half (F16) and bfloat16 (BF16) to float32 (exact),
 * and float32 to IEEE half (rounded as a float32 → float16 cast does: F16 files, GGUF F16 and Q8_0 scales).
 */

/** IEEE half (f16) bits → their value. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** halves[from, from + n) of raw `dtype` bits widened to float32 (exact) into out[0, n); returns `out`. */
export function widenHalves(
  dtype: "BF16" | "F16",
  halves: Uint16Array,
  out: Float32Array = new Float32Array(halves.length),
  from = 0,
  n = halves.length - from,
): Float32Array {
  if (dtype === "BF16") {
    const bits = new Uint32Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) bits[i] = (halves[from + i] as number) << 16;
  } else for (let i = 0; i < n; i++) out[i] = halfToFloat(halves[from + i] as number);
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bits of x (round to nearest even; overflow to infinity; NaN stays NaN). */
export function floatToF16(x: number): number {
  f32[0] = x;
  const u = u32[0] as number;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // a float16 subnormal: the 24-bit significand shifted down, rounded to nearest even
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const midway = 1 << (shift - 1);
    if (rest > midway || (rest === midway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // a carry out of the significand moves into the exponent, which is the right result (up to infinity)
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}
