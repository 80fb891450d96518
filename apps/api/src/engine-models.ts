import { existsSync } from "node:fs";
import { join } from "node:path";
import { BaseModelInfo, type Experiment, type OpenWeightCatalog, TunelabError, trainingSetup } from "@tunelab/core";
import {
  type Engine,
  EXPORT_FORMATS,
  type ExportFormat,
  findModel,
  findRegisteredBase,
  listRegisteredBases,
  type RegisteredBase,
} from "@tunelab/engine";
import { BASE_SIZES, type BaseSizeName, baseParamCount } from "@tunelab/engine/trainer";

/** The engine's built-in sizes: small decoders that start from seeded random weights and train in full (demos, tests). */
export function builtInModels(): BaseModelInfo[] {
  return (Object.keys(BASE_SIZES) as BaseSizeName[]).map((id) => ({
    id,
    kind: "built-in",
    architecture: "tunelab decoder (random init)",
    parameters: baseParamCount(id),
    dtype: "f32",
    contextLength: BASE_SIZES[id].contextLength,
    source: null,
    methods: ["supervised", "dpo"],
    lora: false,
  }));
}

/** A registered open-weight base as the apps show it, with its config.json (the shapes LoRA counts depend on). */
export function openWeightModel(row: RegisteredBase): BaseModelInfo & { config: unknown } {
  return {
    id: row.id,
    kind: "open-weight",
    architecture: row.architecture,
    parameters: row.parameters,
    dtype: row.dtype.toLowerCase(),
    contextLength: row.context_length,
    source: row.source,
    methods: ["supervised", "dpo"],
    lora: true,
    config: JSON.parse(row.config_json) as unknown,
  };
}

/** Every base model the embedded engine trains: built-in sizes, then registered open-weight checkpoints. */
export async function baseModels(engine: Engine | undefined): Promise<BaseModelInfo[]> {
  const registered = engine ? await listRegisteredBases(engine.store) : [];
  // parsing drops config.json (z.object strips the keys it does not declare)
  return [...builtInModels(), ...registered.map((row) => BaseModelInfo.parse(openWeightModel(row)))];
}

/** Core's view of the engine's models (registered bases, what tuned models were trained from, what exports). */
export function engineCatalog(engine: Engine | undefined): OpenWeightCatalog {
  return {
    registered: async (id) => {
      const row = engine && (await findRegisteredBase(engine.store, id));
      return row ? openWeightModel(row) : undefined;
    },
    parentOf: async (id) => (engine ? (await findModel(engine.store, id))?.base_model : undefined),
    exportFormats: async (tunedModel) => {
      const row = engine && (await findModel(engine.store, tunedModel));
      if (!row) return [];
      // a PEFT adapter exports both ways; a fully tuned checkpoint (config.json + weights) only merged
      if (existsSync(join(row.dir, "adapter_config.json"))) return EXPORT_FORMATS;
      return existsSync(join(row.dir, "config.json")) && existsSync(join(row.dir, "model.safetensors")) ? ["merged"] : [];
    },
  };
}

/** What `exportTunedModel` needs for an experiment's tuned model, or why it cannot export. */
export async function exportSource(
  engine: Engine | undefined,
  experiment: Experiment,
  format: ExportFormat,
): Promise<{ modelDir: string; tunedModel: string; baseModelNameOrPath?: string }> {
  const setup = await trainingSetup(experiment, engineCatalog(engine));
  if (!engine || !experiment.tunedModel || !setup.export.formats.includes(format))
    throw new TunelabError(
      "conflict",
      `experiment ${experiment.id} cannot export as ${format}: ${setup.export.reason ?? "no tuned model"}`,
    );
  const row = await findModel(engine.store, experiment.tunedModel);
  if (!row) throw new TunelabError("not_found", `no tuned model ${experiment.tunedModel} in the local engine`);
  const base = setup.openWeightBase;
  // PEFT records the Hub id when the base came from the Hub, else the directory it was registered from
  const hub = base?.source?.startsWith("hf:") ? base.source.slice(3).split("@")[0] : undefined;
  const registered = base ? await findRegisteredBase(engine.store, base.id) : undefined;
  const nameOrPath = hub ?? registered?.dir;
  return { modelDir: row.dir, tunedModel: row.id, ...(nameOrPath ? { baseModelNameOrPath: nameOrPath } : {}) };
}
