import { LOCAL_PROVIDER } from "../providers/providers.ts";
import { statusOf } from "../providers/trainers/http.ts";
import type { Trainer } from "../providers/trainers/trainer.ts";
import type { Workspace } from "../storage/workspace.ts";
import { getExperiment, updateExperiment } from "./experiment.repository.ts";
import type { Experiment } from "./experiment.schema.ts";

/**
 * The embedded engine keeps its files and jobs on the machine that runs it. A worker on another machine that takes
 * over an experiment whose worker died finds neither in its own engine: the upload and job ids are forgotten, so the
 * experiment uploads and trains again here (deterministically: the same seed gives the same steps, whose metrics are
 * recorded once). Hosted providers and an engine shared on one machine find their job and are left alone.
 */
export async function forgetJobOfAnotherEngine(
  ws: Workspace,
  trainer: Trainer,
  experiment: Experiment,
  signal: AbortSignal,
): Promise<{ experiment: Experiment; forgotten: boolean }> {
  if (experiment.provider !== LOCAL_PROVIDER || experiment.tunedModel) return { experiment, forgotten: false };
  if (experiment.providerJobId) {
    if (await known(() => trainer.getJob(experiment.providerJobId ?? "", signal))) return { experiment, forgotten: false };
  } else if (!experiment.providerFileId || (await trainer.fileExists(experiment.providerFileId, signal))) {
    return { experiment, forgotten: false };
  }
  await updateExperiment(ws.db, experiment.id, { provider_file_id: null, provider_validation_file_id: null, provider_job_id: null });
  return { experiment: await getExperiment(ws.db, experiment.id), forgotten: true };
}

async function known(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}
