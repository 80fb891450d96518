import { randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { TunelabError } from "@tunelab/base";
import type { EngineStore } from "../storage/store.ts";
import { findModel, insertModel } from "./model.repository.ts";

export interface AdoptedModel {
  /** The tuned model's id, as the engine that trained it named it (`ft:…`). */
  id: string;
  /** The base it was trained from (a built-in size or a registered open-weight base). */
  baseModel: string;
  /** A directory holding the model's files; it is moved into the engine's models directory (or removed). */
  dir: string;
}

/**
 * Adds a tuned model another engine trained (its files fetched from a shared store) to this engine's models, under the
 * same id, with no job of its own. Idempotent: when the engine has the model already (or another request adopted it
 * first), the given directory is removed and nothing changes.
 */
export async function adoptModel(store: EngineStore, model: AdoptedModel): Promise<void> {
  if (!model.id.startsWith("ft:")) throw new TunelabError("invalid_argument", `only tuned models (ft:…) can be adopted, not ${model.id}`);
  if (!existsSync(model.dir)) throw new TunelabError("not_found", `the directory of ${model.id} does not exist: ${model.dir}`);
  if (await findModel(store, model.id)) return rmSync(model.dir, { recursive: true, force: true });
  const target = join(store.modelsDir, "adopted", randomUUID());
  mkdirSync(join(store.modelsDir, "adopted"), { recursive: true });
  try {
    renameSync(model.dir, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    cpSync(model.dir, target, { recursive: true });
    rmSync(model.dir, { recursive: true, force: true });
  }
  await insertModel(store, { id: model.id, base_model: model.baseModel, job_id: null, dir: target });
  // a concurrent adoption of the same id kept its own directory: drop ours
  if ((await findModel(store, model.id))?.dir !== target) rmSync(target, { recursive: true, force: true });
}
