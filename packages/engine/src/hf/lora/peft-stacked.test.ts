import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { referenceKernels } from "../../trainer/reference/index.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { HfArchitecture } from "../config.ts";
import { readSafetensorsHeader } from "../safetensors.ts";
import { LINEAR_PROJECTIONS, type LinearProjection } from "../tensor-names.ts";
import { TINY_ARCH } from "../test-support/random-model.ts";
import type { LoraParams } from "./params.ts";
import { ADAPTER_WEIGHTS, readPeftAdapter, writePeftAdapter } from "./peft.ts";
import { isStackedPeft } from "./peft-stacked.ts";
import { LoraSettings, loraScale } from "./settings.ts";
import { randomLora } from "./test-support/sft-dpo-step.ts";

const PHI3: HfArchitecture = { ...TINY_ARCH, modelType: "phi3", architecture: "Phi3ForCausalLM", stackedProjections: true };
const k = referenceKernels("f64");
const root = mkdtempSync(join(tmpdir(), "tunelab-peft-stacked-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** (alpha / r)·B·A of a projection, [out, in] (zeros when not adapted), computed by hand. */
function delta(lora: LoraParams, layer: number, p: LinearProjection): number[] {
  const slot = lora.slot(layer, p);
  if (!slot) return [];
  const r = lora.settings.rank;
  const [A, B] = [lora.A(slot), lora.B(slot)];
  const s = loraScale(lora.settings);
  return Array.from({ length: slot.out * slot.in }, (_, at) => {
    const [o, i] = [Math.floor(at / slot.in), at % slot.in];
    let sum = 0;
    for (let j = 0; j < r; j++) sum += (B[o * r + j] as number) * (A[j * slot.in + i] as number);
    return s * sum;
  });
}

function roundTrip(name: string, targets: LinearProjection[]) {
  const settings = LoraSettings.parse({ rank: 3, alpha: 5, dropout: 0, targets });
  const lora = randomLora(k, PHI3, settings, new Rng(7));
  // the files hold float32: start from values float32 holds exactly, so the round trip can be exact
  for (let i = 0; i < lora.params.length; i++) lora.params[i] = Math.fround(lora.params[i] as number);
  const engineDir = join(root, `${name}-engine`);
  const stackedDir = join(root, `${name}-stacked`);
  for (const dir of [engineDir, stackedDir]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const base = { nameOrPath: "microsoft/Phi-4-mini-instruct", revision: null };
  writePeftAdapter(engineDir, lora, base);
  writePeftAdapter(stackedDir, lora, base, PHI3);
  return { lora, engineDir, stackedDir };
}

describe("PEFT adapters of Phi-3's stacked modules", () => {
  it("written stacked and read back, adapt every projection by exactly the engine's (alpha / r)·B·A", () => {
    const { lora, stackedDir } = roundTrip("all", [...LINEAR_PROJECTIONS]);
    const header = readSafetensorsHeader(join(stackedDir, ADAPTER_WEIGHTS));
    expect([...header.tensors.keys()].filter((n) => n.includes("layers.0.")).sort()).toEqual([
      "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight",
      "base_model.model.model.layers.0.mlp.down_proj.lora_B.weight",
      "base_model.model.model.layers.0.mlp.gate_up_proj.lora_A.weight",
      "base_model.model.model.layers.0.mlp.gate_up_proj.lora_B.weight",
      "base_model.model.model.layers.0.self_attn.o_proj.lora_A.weight",
      "base_model.model.model.layers.0.self_attn.o_proj.lora_B.weight",
      "base_model.model.model.layers.0.self_attn.qkv_proj.lora_A.weight",
      "base_model.model.model.layers.0.self_attn.qkv_proj.lora_B.weight",
    ]);
    // q, k and v side by side: rank 3 × 3, o_proj padded to it
    expect(header.tensors.get("base_model.model.model.layers.0.self_attn.qkv_proj.lora_A.weight")?.shape).toEqual([9, PHI3.hidden]);
    expect(header.tensors.get("base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight")?.shape).toEqual([PHI3.hidden, 9]);
    expect(isStackedPeft(PHI3, header)).toBe(true);
    const back = readPeftAdapter(stackedDir, PHI3, k);
    expect(back.settings).toMatchObject({ rank: 9, alpha: 15 });
    for (let l = 0; l < PHI3.layers; l++)
      for (const p of LINEAR_PROJECTIONS) {
        const [want, got] = [delta(lora, l, p), delta(back, l, p)];
        expect(got.length, `${l} ${p}`).toBe(want.length);
        expect(Math.max(...got.map((v, i) => Math.abs(v - (want[i] as number)))), `${l} ${p}`).toBeLessThan(1e-12);
      }
  });

  it("an adapter under the engine's names (a tuned model's own folder, o_proj and down_proj included) reads as such", () => {
    const { lora, engineDir } = roundTrip("engine", [...LINEAR_PROJECTIONS]);
    expect(isStackedPeft(PHI3, readSafetensorsHeader(join(engineDir, ADAPTER_WEIGHTS)))).toBe(false);
    const back = readPeftAdapter(engineDir, PHI3, k);
    expect(back.settings.targets).toEqual([...LINEAR_PROJECTIONS]);
    expect(Array.from(back.params)).toEqual(Array.from(lora.params));
  });

  it("a part left out (k_proj) is a zero block of the stacked adapter, and stays unadapted", () => {
    const { lora, stackedDir } = roundTrip("no-k", ["q_proj", "v_proj", "up_proj"]);
    const back = readPeftAdapter(stackedDir, PHI3, k);
    for (const p of ["q_proj", "v_proj", "up_proj"] as const) {
      const [want, got] = [delta(lora, 0, p), delta(back, 0, p)];
      expect(Math.max(...got.map((v, i) => Math.abs(v - (want[i] as number))))).toBeLessThan(1e-12);
    }
    // read as PEFT would: k's rows of qkv_proj's B are zero, so k is not moved
    expect(delta(back, 0, "k_proj").every((v) => v === 0)).toBe(true);
    expect(delta(back, 1, "gate_proj").every((v) => v === 0)).toBe(true);
  });
});
