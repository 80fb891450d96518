/**
 * gatherRowsW on the native kernels: rows of a float32 or raw-bf16 embedding table, and a token id past the table's
 * rows refused (a bf16 table used to give a row of zeros read from past its end; a float32 one a bare kernel error).
 */
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import { gatherRowsW, type Matrix } from "./matrix.ts";

const k = nativeKernels();
const d = 2;
const f32 = Float32Array.from([1, 2, 3, 4, 5, 6]);
// the same values as bf16 halves (the high 16 bits of each float32)
const bf16 = Uint16Array.from(new Uint32Array(Float32Array.from(f32).buffer), (bits) => bits >>> 16);

describe.each([
  ["float32", f32 as Matrix],
  ["bf16", bf16 as Matrix],
])("gatherRowsW on a %s table of 3 rows", (_name, table) => {
  it("copies the rows of the ids", () => {
    const out = new Float32Array(2 * d);
    gatherRowsW(k, Int32Array.from([2, 0]), table, out, 2, d);
    expect([...out]).toEqual([5, 6, 1, 2]);
  });

  it("refuses an id past the table, naming it and the table's rows", () => {
    const out = new Float32Array(2 * d);
    expect(() => gatherRowsW(k, Int32Array.from([0, 3]), table, out, 2, d)).toThrow(
      /token id 3 is outside the model's embedding table \(3 rows\)/,
    );
    expect(() => gatherRowsW(k, Int32Array.from([-1]), table, out, 1, d)).toThrow(/token id -1 is outside/);
  });
});
