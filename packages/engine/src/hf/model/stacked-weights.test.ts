import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import { inspectCheckpoint } from "../checkpoint.ts";
import { readTensorF32 } from "../safetensors.ts";
import { FIXTURES_DIR } from "../test-support/broken-checkpoints.ts";
import { isBf16, toF32 } from "./matrix.ts";
import { loadHfWeights } from "./weights.ts";

const k = nativeKernels();
const ckpt = inspectCheckpoint(join(FIXTURES_DIR, "phi3"));
const a = ckpt.arch;
const stored = (name: string) => {
  const t = ckpt.tensors.get(name);
  if (!t) throw new Error(`${name} missing`);
  return readTensorF32(t.file, t.entry);
};

describe("Phi-3's stacked qkv_proj and gate_up_proj as the engine holds them", () => {
  it("q, k and v (gate and up) are their row blocks of the stored tensor, viewed in place when held as stored", () => {
    const w = loadHfWeights(ckpt, { k });
    const q = a.heads * a.headDim;
    const kv = a.kvHeads * a.headDim;
    const qkv = stored("model.layers.1.self_attn.qkv_proj.weight");
    const gateUp = stored("model.layers.1.mlp.gate_up_proj.weight");
    const L = w.layers[1];
    if (!L) throw new Error("no layer 1");
    const rows = (m: Float32Array, first: number, count: number) => Array.from(m.subarray(first * a.hidden, (first + count) * a.hidden));
    expect(Array.from(toF32(k, L.proj.q_proj.w))).toEqual(rows(qkv, 0, q));
    expect(Array.from(toF32(k, L.proj.k_proj.w))).toEqual(rows(qkv, q, kv));
    expect(Array.from(toF32(k, L.proj.v_proj.w))).toEqual(rows(qkv, q + kv, kv));
    expect(Array.from(toF32(k, L.proj.gate_proj.w))).toEqual(rows(gateUp, 0, a.intermediate));
    expect(Array.from(toF32(k, L.proj.up_proj.w))).toEqual(rows(gateUp, a.intermediate, a.intermediate));
    expect([L.proj.q_proj, L.proj.v_proj, L.proj.up_proj].map((p) => [p.out, p.in])).toEqual([
      [q, a.hidden],
      [kv, a.hidden],
      [a.intermediate, a.hidden],
    ]);
    // bf16 as stored: views of one buffer, no copy
    const [qw, vw] = [L.proj.q_proj.w, L.proj.v_proj.w];
    expect(isBf16(qw) && isBf16(vw) && qw.buffer === vw.buffer).toBe(true);
  });

  it("held in 8-bit blocks, each part is quantized on its own rows (within Q8's rounding of the stored values)", () => {
    const w = loadHfWeights(ckpt, { k, weights: "q8_0" });
    const asStored = loadHfWeights(ckpt, { k });
    for (const p of ["q_proj", "k_proj", "v_proj", "gate_proj", "up_proj"] as const) {
      const [got, want] = [
        toF32(k, w.layers[0]?.proj[p].w ?? new Float32Array()),
        toF32(k, asStored.layers[0]?.proj[p].w ?? new Float32Array()),
      ];
      expect(got.length, p).toBe(want.length);
      const scale = Math.max(...Array.from(want, Math.abs));
      expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - (want[i] as number)))), p).toBeLessThan(scale / 100);
    }
  });
});
