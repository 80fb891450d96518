/** Comparing a native kernel's float32 result with a float64 reference, for the kernel tests. */

/** max |actual − expected| / max(1, max |expected|). */
export function relErr(actual: Float32Array, expected: Float64Array): number {
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let w = 0;
  for (let i = 0; i < expected.length; i++) w = Math.max(w, Math.abs((actual[i] as number) - (expected[i] as number)));
  return w / scale;
}
