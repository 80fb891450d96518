/**
 * Reference half-precision conversions, written on the bits: bf16 is float32's top half; an IEEE
 * half's exponent is rebiased (15 → 127) and a subnormal is normalized by shifting its mantissa.
 */
export function bf16ToF32(src: Uint16Array, dst: Float32Array, n: number): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < n; i++) bits[i] = ((src[i] as number) << 16) >>> 0;
}

export function f16ToF32(src: Uint16Array, dst: Float32Array, n: number): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < n; i++) {
    const h = src[i] as number;
    const sign = (h & 0x8000) << 16;
    let exp = (h >> 10) & 0x1f;
    let man = h & 0x3ff;
    let out: number;
    if (exp === 0x1f) out = 0x7f800000 | (man << 13);
    else if (exp === 0 && man === 0) out = 0;
    else {
      if (exp === 0) {
        // subnormal: value man · 2^-24; shift until the implicit bit appears
        exp = 1;
        while ((man & 0x400) === 0) {
          man <<= 1;
          exp--;
        }
        man &= 0x3ff;
      }
      out = ((exp - 15 + 127) << 23) | (man << 13);
    }
    bits[i] = (sign | out) >>> 0;
  }
}
