/**
 * LoRA adapters in PEFT's format, which PEFT, vLLM (`--lora-modules`) and llama.cpp's
 * `convert_lora_to_gguf.py` load: `adapter_config.json` and `adapter_model.safetensors` with keys
 * `base_model.model.<module path>.lora_A.weight` [r, in] and `.lora_B.weight` [out, r].
 * A tuned model's directory is such an adapter (plus tunelab.json naming the base), so exporting
 * it as PEFT is a copy.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import type { Kernels } from "../../trainer/kernels/types.ts";
import type { HfArchitecture } from "../config.ts";
import { imageTextAdapterKey, textAdapterKey } from "../image-text.ts";
import { readSafetensorsHeader, readTensorF32, type SafetensorsHeader } from "../safetensors.ts";
import { writeSafetensors } from "../safetensors-write.ts";
import { LINEAR_PROJECTIONS, projectionPath } from "../tensor-names.ts";
import { LoraParams, loraLayout } from "./params.ts";
import type { PeftBase } from "./peft-base.ts";
import { isStackedPeft, readStackedPeft, stackedPeftTensors } from "./peft-stacked.ts";
import type { LoraSettings } from "./settings.ts";

export const ADAPTER_CONFIG = "adapter_config.json";
export const ADAPTER_WEIGHTS = "adapter_model.safetensors";

const AdapterConfig = z.looseObject({
  peft_type: z.literal("LORA"),
  r: z.number().int().positive(),
  lora_alpha: z.number().positive(),
  lora_dropout: z.number().min(0).optional(),
  target_modules: z.union([z.array(z.string()), z.string()]),
  fan_in_fan_out: z.boolean().optional(),
  use_rslora: z.boolean().optional(),
  use_dora: z.boolean().optional(),
  base_model_name_or_path: z.string().nullish(),
});

const key = (l: number, p: string, ab: "A" | "B") => `base_model.model.${projectionPath(l, p as never)}.lora_${ab}.weight`;

/**
 * Writes the adapter: under the engine's projection names (a tuned model's own folder), or `forExport` as PEFT and vLLM
 * load it for that architecture (`--format peft`): Phi-3's stacked modules (peft-stacked.ts), an image-text model's
 * language model under its path in the whole model (image-text.ts), with target_modules matching only its modules.
 */
export function writePeftAdapter(dir: string, lora: LoraParams, base: PeftBase, forExport?: HfArchitecture): void {
  const s = lora.settings;
  const stacked = forExport?.stackedProjections ? stackedPeftTensors(forExport, lora) : undefined;
  const own =
    stacked?.tensors ??
    lora.layout.slots.flatMap((slot) => [
      { name: key(slot.layer, slot.projection, "A"), shape: [s.rank, slot.in], data: lora.A(slot) },
      { name: key(slot.layer, slot.projection, "B"), shape: [slot.out, s.rank], data: lora.B(slot) },
    ]);
  const imageText = forExport?.imageText === true;
  const tensors = imageText ? own.map((t) => ({ ...t, name: imageTextAdapterKey(t.name) })) : own;
  writeSafetensors(join(dir, ADAPTER_WEIGHTS), tensors, "F32");
  const modules = stacked?.targets ?? [...s.targets].sort();
  const config = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: base.nameOrPath,
    bias: "none",
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: stacked?.alpha ?? s.alpha,
    lora_dropout: s.dropout,
    modules_to_save: null,
    peft_type: "LORA",
    r: stacked?.rank ?? s.rank,
    rank_pattern: {},
    revision: base.revision,
    // an image-text model's vision tower has q_proj, k_proj and v_proj too: a regex keeps PEFT to the language model
    target_modules: imageText ? `.*language_model.*\\.(${modules.join("|")})` : modules,
    task_type: "CAUSAL_LM",
    use_dora: false,
    use_rslora: false,
  };
  writeFileSync(join(dir, ADAPTER_CONFIG), `${JSON.stringify(config, null, 2)}\n`);
}

/** An image-text model's adapter under its text model's own keys (an exported one names the modules in the whole model). */
function textModelHeader(arch: HfArchitecture, header: SafetensorsHeader): SafetensorsHeader {
  if (!arch.imageText) return header;
  const tensors = new Map([...header.tensors].map(([name, entry]) => [textAdapterKey(name) ?? name, entry]));
  return { ...header, tensors };
}

export const isPeftDir = (dir: string) => existsSync(join(dir, ADAPTER_CONFIG)) && existsSync(join(dir, ADAPTER_WEIGHTS));

/** Reads a PEFT LoRA adapter for this architecture (our own or one trained elsewhere); `inference`: without gradients. */
export function readPeftAdapter(dir: string, arch: HfArchitecture, k: Kernels, options: { inference?: boolean } = {}): LoraParams {
  const parsed = AdapterConfig.safeParse(JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG), "utf8")));
  if (!parsed.success)
    throw new TunelabError(
      "validation_failed",
      `${ADAPTER_CONFIG}: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`,
    );
  const c = parsed.data;
  if (c.fan_in_fan_out || c.use_dora || c.use_rslora)
    throw new TunelabError("validation_failed", `${ADAPTER_CONFIG}: fan_in_fan_out, use_dora and use_rslora adapters are not supported`);
  const header = textModelHeader(arch, readSafetensorsHeader(join(dir, ADAPTER_WEIGHTS)));
  const problem = (name: string, expected: number[], shape: number[] | undefined) =>
    new TunelabError("validation_failed", `${ADAPTER_WEIGHTS}: ${name}: ${shape ? `shape [${shape}], expected [${expected}]` : "missing"}`);
  // Phi-3's adapters as PEFT writes them name its stacked qkv_proj / gate_up_proj modules
  if (isStackedPeft(arch, header))
    return readStackedPeft(arch, header, k, { rank: c.r, alpha: c.lora_alpha, dropout: c.lora_dropout ?? 0 }, options, problem);
  const wanted = typeof c.target_modules === "string" ? [...LINEAR_PROJECTIONS] : c.target_modules;
  const targets = LINEAR_PROJECTIONS.filter((p) => wanted.includes(p) && header.tensors.has(key(0, p, "A")));
  const settings: LoraSettings = { rank: c.r, alpha: c.lora_alpha, dropout: c.lora_dropout ?? 0, targets };
  const lora = new LoraParams(k, loraLayout(arch, settings), settings, options);
  for (const slot of lora.layout.slots)
    for (const ab of ["A", "B"] as const) {
      const name = key(slot.layer, slot.projection, ab);
      const entry = header.tensors.get(name);
      const expected = ab === "A" ? [c.r, slot.in] : [slot.out, c.r];
      if (!entry || entry.shape.join("x") !== expected.join("x")) throw problem(name, expected, entry?.shape);
      (ab === "A" ? lora.A(slot) : lora.B(slot)).set(readTensorF32(header.path, entry));
    }
  return lora;
}
