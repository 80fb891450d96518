import { TunelabError } from "@tunelab/base";
import type { ExportFormat, LocalEngine, OpenWeightCatalog } from "@tunelab/contracts";
import type { Experiment } from "../experiments/experiment.schema.ts";
import { trainingSetup } from "../experiments/training-setup.ts";

/** Without an embedded engine there are no registered bases, tuned checkpoints or exports. */
const NO_ENGINE: OpenWeightCatalog = {
  registered: async () => undefined,
  parentOf: async () => undefined,
  exportFormats: async () => [],
};

/** The engine's catalog, or an empty one when no engine is wired in. */
export function catalogOf(local: LocalEngine | undefined): OpenWeightCatalog {
  return local?.catalog ?? NO_ENGINE;
}

/**
 * What exporting an experiment's tuned model needs (its weights), or why it cannot export. PEFT's
 * `base_model_name_or_path` and `revision` are what the tuned model recorded at training (its base's Hub id and pinned
 * revision, else its folder), never whichever model is registered under the base's name now.
 */
export async function exportSource(
  local: LocalEngine | undefined,
  experiment: Experiment,
  format: ExportFormat,
): Promise<{ modelDir: string; tunedModel: string }> {
  const setup = await trainingSetup(experiment, catalogOf(local));
  if (!local || !experiment.tunedModel || !setup.export.formats.includes(format))
    throw new TunelabError(
      "conflict",
      `experiment ${experiment.id} cannot export as ${format}: ${setup.export.reason ?? "no tuned model"}`,
    );
  const modelDir = await local.tunedModelDir(experiment.tunedModel);
  if (!modelDir) throw new TunelabError("not_found", `no tuned model ${experiment.tunedModel} in the local engine`);
  return { modelDir, tunedModel: experiment.tunedModel };
}
