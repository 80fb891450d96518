import { LOCAL_PROVIDER } from "../providers/providers.ts";
import { statusOf } from "../providers/trainers/http.ts";
import type { Trainer } from "../providers/trainers/trainer.ts";
import type { Workspace } from "../storage/workspace.ts";
import { findExperiment, getExperiment, updateExperiment } from "./experiment.repository.ts";
import { type Experiment, FINISHED_EXPERIMENT } from "./experiment.schema.ts";

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

/**
 * The worker that lost an experiment to another (it stalled for longer than its lease) leaves its job running in its
 * own engine. Once the experiment names another job or none (the new holder, on another machine, forgot it and
 * trains again on its own engine) or is finished, nobody follows that job: it is cancelled here, where it runs (an
 * error, as for a job that finished meanwhile, is ignored). While the experiment names it, the new holder adopted it
 * (one engine shared on one machine) and it is left alone; so is a job whose tuned model the experiment has.
 * Returns whether the job needs watching any longer.
 */
export async function stopJobLeftBehind(ws: Workspace, trainer: Trainer, experimentId: string, jobId: string): Promise<boolean> {
  const experiment = await findExperiment(ws.db, experimentId);
  if (experiment?.providerJobId === jobId) {
    if (experiment.tunedModel) return false;
    if (!FINISHED_EXPERIMENT.has(experiment.status)) return true;
  }
  await trainer.cancelJob(jobId).catch(() => {});
  return false;
}

/**
 * The job found in this machine's engine for an experiment whose job id was never recorded or was forgotten, if it
 * may be followed: one cancelled here after another worker took the experiment over (stopJobLeftBehind) is not taken
 * up again when the experiment comes back to this machine, which trains anew.
 */
export async function jobToTakeUp(
  trainer: Trainer,
  experiment: Experiment,
  found: string | undefined,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (!found || experiment.provider !== LOCAL_PROVIDER) return found;
  return (await trainer.getJob(found, signal)).status === "cancelled" ? undefined : found;
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
