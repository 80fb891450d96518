import type OpenAI from "openai";
import type { FineTuningJob } from "openai/resources/fine-tuning/jobs/jobs";
import type { DB } from "../storage/database.ts";
import { recordMetrics } from "./experiment.repository.ts";
import type { ExperimentListener } from "./experiment-events.ts";
import { withRequestSignal } from "./request-signal.ts";
import { TrainingClock } from "./training-time.ts";

export interface FollowOptions {
  pollMs: number;
  signal: AbortSignal;
  onEvent?: ExperimentListener;
}

interface MetricsData {
  step: number;
  total_steps?: number;
  train_loss?: number;
  train_mean_token_accuracy?: number;
  valid_loss?: number;
  valid_mean_token_accuracy?: number;
}

/**
 * Follows a provider's fine-tuning job until it finishes: status by polling, metrics events stored as a loss series
 * (idempotent per step, so a resumed follower never duplicates them), the time seen training added up (see
 * TrainingClock). Transient provider errors are retried.
 */
export async function followJob(
  db: DB,
  client: OpenAI,
  experimentId: string,
  jobId: string,
  options: FollowOptions,
): Promise<FineTuningJob> {
  const seen = new Set<string>();
  const clock = new TrainingClock(db, experimentId);
  let failures = 0;
  for (;;) {
    try {
      const job = await withRequestSignal(options.signal, (signal) => client.fineTuning.jobs.retrieve(jobId, { signal }));
      await clock.observe(job.status, job.finished_at);
      await collectMetrics(db, client, experimentId, jobId, seen, options);
      failures = 0;
      if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") return job;
    } catch (error) {
      clock.lost();
      if (options.signal.aborted) throw error;
      if (++failures >= 10 || isPermanent(error)) throw error;
    }
    await delay(options.pollMs * Math.min(2 ** failures, 30), options.signal);
  }
}

async function collectMetrics(
  db: DB,
  client: OpenAI,
  experimentId: string,
  jobId: string,
  seen: Set<string>,
  options: FollowOptions,
): Promise<void> {
  const fresh: MetricsData[] = [];
  // events come newest first: page until an event already seen
  let after: string | undefined;
  pages: for (;;) {
    const page = await withRequestSignal(options.signal, (signal) =>
      client.fineTuning.jobs.listEvents(jobId, { limit: 500, ...(after ? { after } : {}) }, { signal }),
    );
    for (const event of page.data) {
      if (seen.has(event.id)) break pages;
      seen.add(event.id);
      if (event.type === "metrics" && event.data && typeof (event.data as MetricsData).step === "number")
        fresh.push(event.data as MetricsData);
    }
    if (!page.has_more || page.data.length === 0) break;
    after = page.data[page.data.length - 1]?.id;
  }
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
  const status = (error as { status?: number }).status;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
