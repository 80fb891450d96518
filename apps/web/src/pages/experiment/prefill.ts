import type { Experiment } from "../../api/types.ts";
import { LORA_TARGETS } from "./hyperparameter-fields.ts";

/** The new-experiment form's inputs, as text, the way the user would have typed them. */
export interface FormSettings {
  model: string;
  dataset: string;
  validation: string;
  method: "supervised" | "dpo";
  hyper: Record<string, string>;
  trainingType: string;
  targets: string[];
  seed: string;
  suffix: string;
  notes: string;
}

/**
 * An experiment's settings as the form shows them ("New experiment from this one"): what was asked for (`auto` stays
 * empty), its dataset versions by ref (`refOf` finds a version id's ref; a version gone from the list is left out).
 */
export function settingsOf(experiment: Experiment, refOf: (versionId: string) => string | undefined): FormSettings {
  const requested = experiment.hyperparameters.requested;
  const hyper: Record<string, string> = {};
  for (const [key, value] of Object.entries(requested)) if (typeof value === "number") hyper[key] = String(value);
  const targets = requested.lora_target_modules;
  const trainingType = requested.training_type;
  return {
    model: experiment.baseModel,
    dataset: (experiment.datasetVersionId && refOf(experiment.datasetVersionId)) || "",
    validation: (experiment.validationVersionId && refOf(experiment.validationVersionId)) || "",
    method: experiment.method === "dpo" ? "dpo" : "supervised",
    hyper,
    trainingType: trainingType === "lora" || trainingType === "full" ? trainingType : "auto",
    targets: targets === "all-linear" ? [...LORA_TARGETS] : Array.isArray(targets) ? targets.map(String) : [],
    seed: String(experiment.seed),
    suffix: experiment.suffix ?? "",
    notes: experiment.notes,
  };
}
