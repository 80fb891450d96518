import { BaseModelInfo, type OpenWeightCatalog } from "@tunelab/contracts";
import { z } from "zod";
import { type Experiment, ExperimentMethod } from "./experiment.schema.ts";
import { LORA_TARGET_MODULES } from "./hyperparameters.ts";
import { loraSettings, loraTrainableParameters } from "./lora.ts";

export const LoraSetup = z.object({
  rank: z.number(),
  alpha: z.number(),
  dropout: z.number(),
  targets: z.array(z.enum(LORA_TARGET_MODULES)),
  /** rank · (in + out) over every target projection of every layer. */
  trainableParameters: z.number().int(),
  /** The share of the base's parameters that train. */
  trainableFraction: z.number(),
  /** True once the provider resolved the values; before, they are what `auto` becomes. */
  resolved: z.boolean(),
});
export type LoraSetup = z.infer<typeof LoraSetup>;

/** What an experiment trains: its base, the open-weight checkpoint underneath, its LoRA adapter, and what it exports as. */
export const TrainingSetup = z.object({
  experimentId: z.string(),
  baseModel: z.string(),
  method: ExperimentMethod,
  /** The registered open-weight base: the base model itself, or the one a tuned base model adapts. */
  openWeightBase: BaseModelInfo.nullable(),
  /** How a tuned experiment on an open-weight base trains: a LoRA adapter, or every weight; null otherwise. */
  trainingType: z.enum(["lora", "full"]).nullable(),
  /** Weights that train: the adapter's (LoRA) or the base's (full); null for baselines and built-in sizes. */
  trainableParameters: z.number().int().nullable(),
  /** The adapter a LoRA experiment trains; null for full fine-tuning, baselines and built-in sizes. */
  lora: LoraSetup.nullable(),
  export: z.object({
    /** Formats the tuned model can be downloaded as now (empty until it exists). */
    formats: z.array(z.string()),
    /** Why there is nothing to export, when there is not. */
    reason: z.string().nullable(),
  }),
});
export type TrainingSetup = z.infer<typeof TrainingSetup>;

/** A model and what it was trained from, nearest first (at most 16 hops). */
export async function* lineage(catalog: Pick<OpenWeightCatalog, "parentOf">, model: string): AsyncGenerator<string> {
  let id: string | undefined = model;
  for (let hop = 0; id !== undefined && hop < 16; hop++) {
    yield id;
    id = await catalog.parentOf(id);
  }
}

/** The registered base underneath a model: itself, or what the tuned model it names was trained from (a few hops). */
export async function openWeightBaseOf(catalog: OpenWeightCatalog, model: string) {
  for await (const id of lineage(catalog, model)) {
    const base = await catalog.registered(id);
    if (base) return base;
  }
  return undefined;
}

export async function trainingSetup(experiment: Experiment, catalog: OpenWeightCatalog): Promise<TrainingSetup> {
  const base = await openWeightBaseOf(catalog, experiment.baseModel);
  const tuned = experiment.kind === "tuned";
  const { requested, resolved } = experiment.hyperparameters;
  const trainingType = !base || !tuned ? null : (resolved?.training_type ?? requested.training_type) === "full" ? "full" : "lora";
  let lora: LoraSetup | null = null;
  if (base && trainingType === "lora") {
    const settings = loraSettings(experiment.hyperparameters);
    const trainableParameters = loraTrainableParameters(base.config, settings.rank, settings.targets);
    lora = { ...settings, trainableParameters, trainableFraction: base.parameters > 0 ? trainableParameters / base.parameters : 0 };
  }
  const formats = tuned && experiment.tunedModel ? await catalog.exportFormats(experiment.tunedModel) : [];
  const reason = !tuned
    ? "a baseline trains nothing"
    : !base
      ? `${experiment.baseModel} is not an open-weight model; only those export as PEFT adapters or merged checkpoints`
      : !experiment.tunedModel
        ? `the tuned model does not exist yet (status ${experiment.status})`
        : formats.length === 0
          ? `${experiment.tunedModel} is not a tuned open-weight model in the local engine`
          : null;
  return {
    experimentId: experiment.id,
    baseModel: experiment.baseModel,
    method: experiment.method,
    // parsing drops config.json (z.object strips keys it does not declare)
    openWeightBase: base ? BaseModelInfo.parse(base) : null,
    trainingType,
    trainableParameters: lora ? lora.trainableParameters : trainingType === "full" && base ? base.parameters : null,
    lora,
    export: { formats: [...formats], reason },
  };
}
