import { existsSync } from "node:fs";
import { join } from "node:path";
import { BaseModelInfo, EXPORT_FORMATS, type LocalEngine, type OpenWeightCatalog } from "@tunelab/contracts";
import type { Engine } from "./engine.ts";
import { adoptModel } from "./models/adopt-model.ts";
import { findRegisteredBase, listRegisteredBases, type RegisteredBase } from "./models/base-model.repository.ts";
import { BASE_SIZES, type BaseSizeName, baseParamCount } from "./trainer/model/sizes.ts";

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

/** The engine's models as core's catalog: registered bases, what tuned models were trained from, what they export as. */
function catalogOf(engine: Engine): OpenWeightCatalog {
  return {
    registered: async (id) => {
      const row = await findRegisteredBase(engine.store, id);
      return row ? openWeightModel(row) : undefined;
    },
    parentOf: async (id) => (await engine.tunedModels.find(id))?.base_model,
    exportFormats: async (tunedModel) => {
      const row = await engine.tunedModels.find(tunedModel);
      if (!row) return [];
      // a PEFT adapter exports every way; a fully tuned checkpoint (config.json + weights) has no adapter to write
      if (existsSync(join(row.dir, "adapter_config.json"))) return EXPORT_FORMATS;
      return existsSync(join(row.dir, "config.json")) && existsSync(join(row.dir, "model.safetensors")) ? ["merged", "gguf"] : [];
    },
  };
}

/** This engine as core's runtime uses it (`openRuntime({ engine: asLocalEngine(engine) })`): in-process REST and its models. */
export function asLocalEngine(engine: Engine): LocalEngine {
  return {
    fetch: async (request) => engine.app.fetch(request),
    chatCompletion: (body) => engine.chatCompletion(body),
    catalog: catalogOf(engine),
    baseModels: async () => {
      const registered = await listRegisteredBases(engine.store);
      // parsing drops config.json (z.object strips the keys it does not declare)
      return [...builtInModels(), ...registered.map((row) => BaseModelInfo.parse(openWeightModel(row)))];
    },
    tunedModelDir: async (id) => (await engine.tunedModels.find(id))?.dir,
    adoptTunedModel: (model) => adoptModel(engine.store, model),
    onMissingTunedModel: (source) => engine.tunedModels.setSource(source),
    onDeleteTunedModel: (withdraw) => engine.tunedModels.setWithdrawal(withdraw),
    onWithdrawnTunedModel: (withdrawn) => engine.tunedModels.setWithdrawnCheck(withdrawn),
    onCheckpoint: (listener) => engine.onCheckpoint(listener),
  };
}
