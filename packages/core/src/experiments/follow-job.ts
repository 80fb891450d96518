import { abortableDelay, backoffDelay } from "@tunelab/base";
import { statusOf } from "../providers/trainers/http.ts";
import { FINISHED_JOB, type Trainer, type TrainerJob } from "../providers/trainers/trainer.ts";
import type { DB } from "../storage/database.ts";
import { addExperimentWarnings, recordMetrics, setExperimentEarlyStop } from "./experiment.repository.ts";
import type { ExperimentListener } from "./experiment-events.ts";
import { TrainingClock } from "./training-time.ts";

export interface FollowOptions {
  pollMs: number;
  signal: AbortSignal;
  onEvent?: ExperimentListener;
}

/**
 * Follows a provider's fine-tuning job until it finishes: status by polling, metrics events stored as a loss series
 * (idempotent per step, so a resumed follower never duplicates them), warnings kept with the experiment (each once)
 * and reported as `warning` events, an early stop kept and reported as an `early-stop` event (once), the time seen
 * training added up (see TrainingClock). Transient provider errors are retried.
 */
export async function followJob(
  db: DB,
  trainer: Trainer,
  experimentId: string,
  jobId: string,
  options: FollowOptions,
): Promise<TrainerJob> {
  const seen = new Set<string>();
  const clock = new TrainingClock(db, experimentId);
  let failures = 0;
  for (;;) {
    try {
      const job = await trainer.getJob(jobId, options.signal);
      await clock.observe(job.status, job.finishedAt);
      await collectEvents(db, trainer, experimentId, jobId, seen, options);
      failures = 0;
      if (FINISHED_JOB.has(job.status)) return job;
    } catch (error) {
      clock.lost();
      if (options.signal.aborted) throw error;
      if (++failures >= 10 || isPermanent(error)) throw error;
    }
    // a healthy job is polled every pollMs; after failures, backoff with jitter up to 30 polls
    const wait =
      failures === 0 ? options.pollMs : backoffDelay(failures + 1, { baseDelayMs: options.pollMs, maxDelayMs: options.pollMs * 30 });
    await abortableDelay(wait, options.signal);
  }
}

async function collectEvents(
  db: DB,
  trainer: Trainer,
  experimentId: string,
  jobId: string,
  seen: Set<string>,
  options: FollowOptions,
): Promise<void> {
  const { metrics: fresh, warnings, earlyStop } = await trainer.newEvents(jobId, seen, options.signal);
  for (const message of await addExperimentWarnings(db, experimentId, warnings))
    options.onEvent?.({ type: "warning", experimentId, message });
  if (earlyStop && (await setExperimentEarlyStop(db, experimentId, earlyStop)))
    options.onEvent?.({ type: "early-stop", experimentId, step: earlyStop.step, bestStep: earlyStop.bestStep, message: earlyStop.message });
  if (fresh.length === 0) return;
  fresh.sort((a, b) => a.step - b.step);
  await recordMetrics(db, experimentId, fresh);
  const last = fresh[fresh.length - 1];
  if (last) {
    options.onEvent?.({
      type: "metrics",
      experimentId,
      step: last.step,
      totalSteps: last.total_steps ?? last.step,
      trainLoss: last.train_loss ?? null,
      validLoss: last.valid_loss ?? null,
    });
  }
}

function isPermanent(error: unknown): boolean {
  const status = statusOf(error);
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429;
}
