/**
 * A PEFT LoRA adapter with seeded random A and B (B nonzero, unlike a fresh one, so it changes the model), for tests
 * and measurements that need a tuned model without training one.
 */
import type { Kernels } from "../../../trainer/kernels/types.ts";
import type { HfArchitecture } from "../../config.ts";
import { LoraParams, loraLayout } from "../params.ts";
import { writePeftAdapter } from "../peft.ts";
import type { LoraSettings } from "../settings.ts";

/** Writes adapter_config.json and adapter_model.safetensors into `dir` (which must exist); returns the adapter. */
export function writeRandomAdapter(
  dir: string,
  arch: HfArchitecture,
  settings: LoraSettings,
  k: Kernels,
  seed = 1,
  std = 0.05,
): LoraParams {
  const lora = new LoraParams(k, loraLayout(arch, settings), settings);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < lora.params.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    lora.params[i] = (state / 2 ** 32 - 0.5) * 2 * std;
  }
  writePeftAdapter(dir, lora, { nameOrPath: "base", revision: null });
  return lora;
}
