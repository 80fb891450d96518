import type { ProviderKind, Trainer } from "./trainer.ts";

/**
 * How long a job that says it succeeded may go without naming its tuned model before the experiment fails: 10 minutes.
 * Hosts publish the model after the job's status turns (OpenAI: `fine_tuned_model` is null until it is ready), usually
 * within seconds; a name that never comes is a job that cannot be evaluated.
 */
export const TUNED_MODEL_WAIT_MS = 10 * 60_000;

/** The field each kind of host names the tuned model in, for the failure message. */
const MODEL_FIELD: Record<ProviderKind, string> = {
  openai: "fine_tuned_model",
  "azure-openai": "fine_tuned_model",
  together: "model_output_name",
  fireworks: "outputModel",
};

/**
 * The trainer with a succeeded job that has no tuned model yet reported as still running (its own status word kept),
 * until the name arrives; after TUNED_MODEL_WAIT_MS without it, as failed, saying so. `now` is the clock (tests set it).
 */
export function awaitTunedModel(trainer: Trainer, now: () => Date = () => new Date()): Trainer {
  const since = new Map<string, number>();
  return {
    ...trainer,
    async getJob(id, signal) {
      const job = await trainer.getJob(id, signal);
      if (job.status !== "succeeded" || job.tunedModel) {
        since.delete(id);
        return job;
      }
      const first = since.get(id) ?? now().getTime();
      since.set(id, first);
      if (now().getTime() - first < TUNED_MODEL_WAIT_MS) return { ...job, status: "running", finishedAt: null };
      return {
        ...job,
        status: "failed",
        error: `the job ${id} reported ${job.providerStatus} but named no tuned model (${MODEL_FIELD[trainer.kind]}) for ${TUNED_MODEL_WAIT_MS / 60_000} minutes, so there is no model to evaluate; check the job on the provider`,
      };
    },
  };
}
