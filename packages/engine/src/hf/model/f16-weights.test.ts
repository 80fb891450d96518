/**
 * F16 checkpoints (IEEE halves, as `model.half().save_pretrained()` writes them) are kept as stored, two bytes a value,
 * like bf16 ones, instead of being widened to float32 on load. Halves widen to float32 exactly, so everything computed
 * from them must equal, bit for bit, the same computation on the float32 copy: the loaded matrices, a LoRA supervised
 * and DPO step (forward, loss, backward through the frozen f16 weights), and what the exports write (safetensors F32,
 * BF16 and F16; GGUF F16 and Q8_0). The PyTorch reference check of F16 files is in test/open-weights/parity.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import type { Vec } from "../../trainer/kernels/types.ts";
import { Rng } from "../../trainer/train/rng.ts";
import { inspectCheckpoint } from "../checkpoint.ts";
import { encodeTensor } from "../gguf/encode.ts";
import { floatToF16 } from "../halves.ts";
import { LoraSettings } from "../lora/settings.ts";
import { randomLora, sftAndDpoStep, WIDE_ARCH } from "../lora/test-support/sft-dpo-step.ts";
import { LoraTrainModel } from "../lora/train-model.ts";
import { readSafetensorsHeader, readTensorBytes, readTensorF32 } from "../safetensors.ts";
import { writeSafetensors } from "../safetensors-write.ts";
import { writeRandomCheckpoint } from "../test-support/random-checkpoint.ts";
import { randomDecoderModel } from "../test-support/random-model.ts";
import type { DecoderModel } from "./decoder.ts";
import { F16Matrix, isF16, type Matrix, toF32 } from "./matrix.ts";
import { loadHfWeights } from "./weights.ts";

const k = nativeKernels();
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-f16-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const halvesOf = (values: Vec) => new F16Matrix(Uint16Array.from(values, (v) => floatToF16(v)));

/** The model with every matrix rounded to IEEE halves (kept as F16Matrix), and its exact float32 widening. */
function f16AndWidened(model: DecoderModel): { f16: DecoderModel; f32: DecoderModel } {
  const pair = (m: Matrix) => {
    const h = halvesOf(toF32(k, m));
    return { h, w: toF32(k, h) };
  };
  const embed = pair(model.weights.embed);
  const head = model.weights.lmHead === model.weights.embed ? embed : pair(model.weights.lmHead);
  const layers = model.weights.layers.map((L) => {
    const proj = Object.fromEntries(Object.entries(L.proj).map(([p, lin]) => [p, { lin, ...pair(lin.w) }]));
    return { L, proj };
  });
  const build = (side: "h" | "w"): DecoderModel => ({
    ...model,
    weights: {
      ...model.weights,
      embed: embed[side],
      lmHead: head[side],
      layers: layers.map(({ L, proj }) => ({
        ...L,
        proj: Object.fromEntries(Object.entries(proj).map(([p, v]) => [p, { ...v.lin, w: v[side] }])) as typeof L.proj,
      })),
    },
  });
  return { f16: build("h"), f32: build("w") };
}

describe("F16 checkpoints", () => {
  it("load their matrices as stored halves (2 bytes a value) whose float32 values are the file's", () => {
    const dir = tempDir();
    writeRandomCheckpoint(dir, { hidden: 32, intermediate: 48, layers: 2, heads: 4, kvHeads: 2 }, "qwen2", 3, "F16");
    const ckpt = inspectCheckpoint(dir);
    const weights = loadHfWeights(ckpt);
    const q = weights.layers[0]?.proj.q_proj;
    if (!q) throw new Error("no q_proj");
    expect(isF16(q.w)).toBe(true);
    expect(isF16(weights.embed)).toBe(true);
    const entry = ckpt.tensors.get("model.layers.0.self_attn.q_proj.weight");
    if (!entry) throw new Error("no tensor");
    expect(entry.entry.dtype).toBe("F16");
    const bits = (q.w as F16Matrix).bits;
    expect(bits.byteLength).toBe(q.out * q.in * 2);
    expect(Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength).equals(Buffer.from(readTensorBytes(entry.file, entry.entry)))).toBe(
      true,
    );
    expect(Array.from(toF32(k, q.w))).toEqual(Array.from(readTensorF32(entry.file, entry.entry)));
    // norms and biases are vectors: float32
    expect(weights.layers[0]?.inputNorm).toBeInstanceOf(Float32Array);
    expect(q.bias).toBeInstanceOf(Float32Array);
    // full fine-tuning asks for float32
    expect(isF16(loadHfWeights(ckpt, { keepHalves: false }).embed)).toBe(false);
  });

  it("train LoRA (supervised and DPO, through the frozen f16 weights) to the bit as their float32 widening does", () => {
    const { f16, f32 } = f16AndWidened(randomDecoderModel(WIDE_ARCH, k, 4, 0.3));
    const step = (model: DecoderModel) => {
      const rng = new Rng(9);
      const settings = LoraSettings.parse({ rank: 4, alpha: 8, dropout: 0.1, targets: ["q_proj", "v_proj", "up_proj", "down_proj"] });
      const lora = randomLora(k, WIDE_ARCH, settings, rng);
      return sftAndDpoStep(new LoraTrainModel(model, lora, null, "never"), lora, rng, WIDE_ARCH.vocab);
    };
    const halves = step(f16);
    const widened = step(f32);
    expect(halves.sft).toBe(widened.sft);
    expect(halves.dpo).toBe(widened.dpo);
    expect(Array.from(halves.sftGrads)).toEqual(Array.from(widened.sftGrads));
    expect(Array.from(halves.dpoGrads)).toEqual(Array.from(widened.dpoGrads));
    expect(halves.sftGrads.some((g) => g !== 0)).toBe(true);
  });

  it("are written by exports as their float32 values are, and as they are to F16", () => {
    const rng = new Rng(5);
    const values = Float32Array.from({ length: 3 * 64 }, () => rng.normal() * 0.3);
    values[7] = 3e-6; // an f16 subnormal
    const halves = halvesOf(values);
    const widened = toF32(k, halves) as Float32Array;
    // GGUF: F16 copies the halves; Q8_0 and F32 encode the exact float32 values
    expect(Buffer.from(encodeTensor("F16", halves)).equals(Buffer.from(halves.bits.buffer))).toBe(true);
    for (const type of ["F16", "Q8_0", "F32"] as const)
      expect(Buffer.from(encodeTensor(type, halves)).equals(Buffer.from(encodeTensor(type, widened))), type).toBe(true);
    // safetensors: each dtype written from the halves equals the same dtype written from the float32 values
    const dir = tempDir();
    for (const dtype of ["F32", "BF16", "F16"] as const) {
      const a = join(dir, `a-${dtype}.safetensors`);
      const b = join(dir, `b-${dtype}.safetensors`);
      writeSafetensors(a, [{ name: "w", shape: [3, 64], data: halves }], dtype);
      writeSafetensors(b, [{ name: "w", shape: [3, 64], data: () => widened }], dtype);
      const [ea, eb] = [readSafetensorsHeader(a).tensors.get("w"), readSafetensorsHeader(b).tensors.get("w")];
      if (!ea || !eb) throw new Error("tensor missing");
      expect(ea.dtype).toBe(dtype);
      expect(Buffer.from(readTensorBytes(a, ea)).equals(Buffer.from(readTensorBytes(b, eb))), dtype).toBe(true);
      if (dtype === "F16") expect(Buffer.from(readTensorBytes(a, ea)).equals(Buffer.from(halves.bits.buffer))).toBe(true);
    }
  });
});
