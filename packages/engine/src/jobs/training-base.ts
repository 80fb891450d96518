import { registeredFiles } from "../hf/check-unchanged.ts";
import { isFullDir } from "../hf/full/full-dir.ts";
import { safetensorsIn } from "../hf/lora/base-memory.ts";
import { isLoraDir, readLoraBaseWeights } from "../hf/lora/lora-dir.ts";
import type { QuantizedBaseWeights } from "../hf/model/weights.ts";
import { tunedModelBase } from "../hf/tuned-base.ts";
import { findRegisteredBase, type RegisteredBase } from "../models/base-model.repository.ts";
import { findBaseModel, findModel } from "../models/model.repository.ts";
import type { ModelTable } from "../storage/schema.ts";
import type { EngineStore } from "../storage/store.ts";
import type { ModelSpec } from "../trainer/types.ts";

/**
 * What a job's `model` trains from, looked up in one order for the scheduler and the dry-run plan: a `local-*` size,
 * then a registered open-weight base, then a tuned model (which continues from its checkpoint).
 */
export type TrainingBase =
  | { kind: "size"; baseName: string; openWeight: false; spec: ModelSpec }
  | { kind: "registered"; baseName: string; openWeight: true; registered: RegisteredBase }
  /** `openWeight` when the tuned model is an adapter or full tune of an open-weight base (LoRA's rules apply). */
  | { kind: "tuned"; baseName: string; openWeight: boolean; tuned: ModelTable };

export async function findTrainingBase(store: EngineStore, model: string): Promise<TrainingBase | undefined> {
  const spec = findBaseModel(model);
  if (spec) return { kind: "size", baseName: spec.name, openWeight: false, spec };
  const registered = await findRegisteredBase(store, model);
  if (registered) return { kind: "registered", baseName: registered.id, openWeight: true, registered };
  const tuned = await findModel(store, model);
  if (!tuned) return undefined;
  return { kind: "tuned", baseName: tuned.base_model, openWeight: isLoraDir(tuned.dir) || isFullDir(tuned.dir), tuned };
}

/** What LoRA holds frozen when it trains from `base`: the weights' safetensors files, and how the adapter being continued held them. */
export interface FrozenBase {
  files: string[];
  continues?: QuantizedBaseWeights | undefined;
}

/**
 * The frozen weights of an open-weight base: a registered base's files; for a tuned adapter, its registered base's (when
 * this engine has it); for a fully tuned model, its own. Undefined for `local-*` sizes and bases this engine lacks.
 */
export async function frozenBaseOf(store: EngineStore, base: TrainingBase): Promise<FrozenBase | undefined> {
  if (base.kind === "size") return undefined;
  const registeredWeights = (registered: RegisteredBase) =>
    safetensorsIn(
      registered.dir,
      registeredFiles(registered).map((f) => f.name),
    );
  if (base.kind === "registered") return { files: registeredWeights(base.registered) };
  const { dir } = base.tuned;
  if (isLoraDir(dir)) {
    const registered = await findRegisteredBase(store, base.tuned.base_model);
    return registered ? { files: registeredWeights(registered), continues: readLoraBaseWeights(dir) } : undefined;
  }
  return isFullDir(dir) ? { files: safetensorsIn(dir) } : undefined;
}

/** The Hugging Face folder whose tokenizer and chat template an open-weight base trains with; undefined for `local-*` sizes. */
export function openWeightDir(base: TrainingBase): string | undefined {
  if (base.kind === "registered") return base.registered.dir;
  if (base.kind === "tuned" && base.openWeight) return tunedModelBase(base.tuned.dir)?.dir;
  return undefined;
}
