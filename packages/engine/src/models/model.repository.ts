import { rmSync } from "node:fs";
import { nowSeconds } from "../ids.ts";
import type { ModelTable } from "../storage/schema.ts";
import type { EngineStore } from "../storage/store.ts";
import { BASE_MODELS } from "../trainer/index.ts";
import type { ModelSpec } from "../trainer/types.ts";
import { listRegisteredBases, type RegisteredBase } from "./base-model.repository.ts";

export const ENGINE_START = 1_767_225_600; // 2026-01-01, the "created" of built-in base models

export function findBaseModel(id: string): ModelSpec | undefined {
  return (BASE_MODELS as Record<string, ModelSpec>)[id];
}

export async function findModel(store: EngineStore, id: string): Promise<ModelTable | undefined> {
  return store.db.selectFrom("models").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function insertModel(store: EngineStore, input: Omit<ModelTable, "created_at">): Promise<void> {
  await store.db
    .insertInto("models")
    .values({ ...input, created_at: nowSeconds() })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
}

/**
 * OpenAI's model objects: built-in base sizes (owned by tunelab), registered open-weight bases, tuned models and
 * checkpoints; `current` keeps the tuned models' rows still served (TunedModels.current drops those deleted elsewhere).
 */
export async function listModels(store: EngineStore, current: (rows: ModelTable[]) => Promise<ModelTable[]>) {
  const base = Object.keys(BASE_MODELS).map((id) => ({ id, object: "model" as const, created: ENGINE_START, owned_by: "tunelab" }));
  const registered = await listRegisteredBases(store);
  const tuned = await current(await store.db.selectFrom("models").selectAll().orderBy("created_at").execute());
  return [...base, ...registered.map(toRegisteredObject), ...tuned.map(toModelObject)];
}

/** A registered base as an OpenAI model object, with tunelab's extra fields (architecture, size, context). */
export function toRegisteredObject(row: RegisteredBase) {
  return {
    id: row.id,
    object: "model" as const,
    created: row.created_at,
    owned_by: "user",
    tunelab: {
      kind: "open-weight",
      source: row.source,
      architecture: row.architecture,
      parameters: row.parameters,
      dtype: row.dtype,
      context_length: row.context_length,
    },
  };
}

export function toModelObject(row: ModelTable) {
  return { id: row.id, object: "model" as const, created: row.created_at, owned_by: "user" };
}

/** Deletes a tuned model (base models cannot be deleted) and its weights unless a checkpoint row still points at them. */
export async function deleteModel(store: EngineStore, row: ModelTable): Promise<void> {
  await store.db.deleteFrom("models").where("id", "=", row.id).execute();
  const shared = await store.db.selectFrom("models").select("id").where("dir", "=", row.dir).executeTakeFirst();
  if (!shared) rmSync(row.dir, { recursive: true, force: true });
}
