import { isFullDir } from "../hf/full/full-dir.ts";
import { isLoraDir } from "../hf/lora/lora-dir.ts";
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
