import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { EarlyStoppingEventData } from "@tunelab/contracts";
import { readsImages } from "../chat/image-inputs.ts";
import { findFile, insertFile } from "../files/file.repository.ts";
import { checkUnchanged, registeredFiles } from "../hf/check-unchanged.ts";
import { nowSeconds } from "../ids.ts";
import { findModel, insertModel } from "../models/model.repository.ts";
import type { EngineStore } from "../storage/store.ts";
import { startTraining, type TrainingHandle, TrainingPausedError, toTrainerHyperparameters } from "../trainer/index.ts";
import { isTrainingDiverged } from "../trainer/train/divergence.ts";
import type { ChatExample, StepMetrics, TrainingNotice, TrainRequest } from "../trainer/types.ts";
import { addCheckpoint, latestCheckpoint } from "./checkpoint.repository.ts";
import { planBaseOf, planHyperparameters } from "./hyperparameter-plan.ts";
import { checkJobImages } from "./image-checks.ts";
import { claimJob, findJob, type JobRow, renewLease, transitionFrom, transitionJob, unfinishedJobs, updateJob } from "./job.repository.ts";
import type { CreateJobRequest, JobError, ResolvedHyperparameters } from "./job.schema.ts";
import { askedHyperparameters } from "./job.schema.ts";
import { addEvent, hasMessage, lastMetricsStep } from "./job-events.repository.ts";
import { checkpointModelName, checkpointStep, tunedModelName } from "./model-names.ts";
import { resultCsv } from "./result-csv.ts";
import { checkChatTemplate } from "./template-checks.ts";
import { findTrainingBase, openWeightDir, type TrainingBase } from "./training-base.ts";
import { checkTrainingFile, type TrainingMethod } from "./training-data.ts";

export interface SchedulerOptions {
  /** False in processes that must not train (jobs wait for a process that does). */
  runJobs: boolean;
  /** Jobs trained at once (default 1). */
  concurrency: number;
  /** Jobs waiting (validating or queued) before new ones get 429 (default 100). */
  maxQueued: number;
  /** Checkpoint every this many steps. */
  checkpointEvery: number;
  /** A training process renews its claim on a job every third of this; an older claim means the process died. */
  leaseSeconds: number;
  /** The memory `auto` plans for (default: this machine's or its container's, machine-memory.ts). */
  memoryBytes?: number | undefined;
}

/**
 * Runs fine-tuning jobs: validates files, queues, trains off the request thread and records every
 * transition in the database first, so a restarted process picks up where the last one stopped.
 */
/** A checkpoint just recorded: its job, its model id (`ft:…:ckpt-step-N`) and step. */
export type CheckpointListener = (checkpoint: { jobId: string; model: string; step: number }) => void;

export class JobScheduler {
  private readonly running = new Map<string, TrainingHandle>();
  /** Work in flight (validation, training follow-up), awaited on close so nothing writes to a closed database. */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private pumping = Promise.resolve();
  private closed = false;
  private checkpointListener: CheckpointListener | undefined;

  constructor(
    private readonly store: EngineStore,
    private readonly options: SchedulerOptions,
  ) {}

  /** Called after each checkpoint is recorded (its model id is then servable and resumable). */
  onCheckpoint(listener: CheckpointListener | undefined): void {
    this.checkpointListener = listener;
  }

  async waitingCount(): Promise<number> {
    const row = await this.store.db
      .selectFrom("jobs")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("status", "in", ["validating_files", "queued"])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Picks up unfinished jobs: re-validates those caught validating, and (through `pump`) trains queued jobs and
   * running jobs whose owner stopped renewing its lease (a killed process), from their last checkpoint.
   */
  async resume(): Promise<void> {
    if (!this.options.runJobs) return;
    for (const job of await unfinishedJobs(this.store)) {
      if (job.status === "validating_files") this.validate(job.id);
    }
    this.pump();
    this.timer = setInterval(() => {
      void this.heartbeat();
      this.pump();
    }, this.options.leaseSeconds * 333);
    this.timer.unref();
  }

  /**
   * Renews the claims on the jobs this process trains, and stops training any that another process sharing this
   * database cancelled meanwhile (an API server without a worker cancels in the database only).
   */
  private async heartbeat(): Promise<void> {
    for (const [id, handle] of this.running) {
      await renewLease(this.store, id, this.owner, this.options.leaseSeconds).catch(() => {});
      const job = await findJob(this.store, id).catch(() => undefined);
      if (job?.status === "cancelled") handle.cancel();
      else if (job?.status === "pausing") handle.pause();
    }
  }

  submit(jobId: string): void {
    if (this.options.runJobs) this.validate(jobId);
  }

  async cancel(jobId: string): Promise<boolean> {
    const cancelled = await transitionJob(this.store, jobId, "cancelled", { finished_at: nowSeconds() });
    if (cancelled) {
      this.running.get(jobId)?.cancel();
      await addEvent(this.store, jobId, { type: "message", message: "Fine-tuning job cancelled." });
    }
    return cancelled;
  }

  /**
   * Pauses a running job: `pausing` until its trainer reaches the next step boundary and writes a checkpoint there,
   * then `paused`, and the trainer takes the next job. The process training it may be another one (its heartbeat sees
   * `pausing`). False when the job was not running.
   */
  async pause(jobId: string): Promise<boolean> {
    const pausing = await transitionFrom(this.store, jobId, ["running"], "pausing");
    if (pausing) {
      await addEvent(this.store, jobId, { type: "message", message: "Pausing the fine-tuning job at its next step." });
      this.running.get(jobId)?.pause();
    }
    return pausing;
  }

  /** Queues a paused job again: it continues from the checkpoint written when it paused. False when it was not paused. */
  async resumeJob(jobId: string): Promise<boolean> {
    const queued = await transitionFrom(this.store, jobId, ["paused"], "queued");
    if (queued) {
      await addEvent(this.store, jobId, { type: "message", message: "Fine-tuning job resumed, moving job to queued state." });
      if (this.options.runJobs) this.pump();
    }
    return queued;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const handle of this.running.values()) handle.cancel();
    await this.pumping.catch(() => {});
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private track(work: Promise<unknown>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }

  private validate(jobId: string): void {
    if (this.closed) return;
    this.track(
      this.guard(jobId, async () => {
        const job = await findJob(this.store, jobId);
        if (job?.status !== "validating_files") return;
        await addEvent(this.store, jobId, { type: "message", message: `Validating training file: ${job.training_file}` });
        const request = JSON.parse(job.requested_json) as CreateJobRequest;
        const method = methodOf(request);
        const training = await checkTrainingFile(this.store, job.training_file, "training_file", method);
        if (!training.ok) return this.fail(jobId, training.error);
        let validationExamples: ChatExample[] | undefined;
        const validation = job.validation_file
          ? await checkTrainingFile(this.store, job.validation_file, "validation_file", method)
          : undefined;
        if (validation && !validation.ok) return this.fail(jobId, validation.error);
        if (validation?.ok) validationExamples = validation.examples;
        const asked = askedHyperparameters(request);
        const base = await this.baseOf(job.model);
        const openWeight = base?.openWeight ?? false;
        if (method === "supervised") {
          const refused = await checkJobImages({
            training: training.examples,
            trainingName: (await findFile(this.store, job.training_file))?.filename ?? job.training_file,
            validation: validationExamples,
            validationName: job.validation_file
              ? ((await findFile(this.store, job.validation_file))?.filename ?? job.validation_file)
              : undefined,
            continuedReadsImages:
              base && "modelDir" in base.from && !openWeight ? readsImages({ kind: "dir", dir: base.from.modelDir }) : undefined,
            openWeight,
            model: job.model,
          });
          if (refused) return this.fail(jobId, refused);
        }
        const tokenizerDir = base ? openWeightDir(base.found) : undefined;
        if (tokenizerDir) {
          const fileName = async (id: string) => (await findFile(this.store, id))?.filename ?? id;
          const refused = await checkChatTemplate(tokenizerDir, job.model, [
            { name: await fileName(job.training_file), param: "training_file", ...training },
            ...(validation?.ok && job.validation_file
              ? [{ name: await fileName(job.validation_file), param: "validation_file" as const, ...validation }]
              : []),
          ]);
          if (refused) return this.fail(jobId, refused);
        }
        // the rules `exp create --dry-run` shows too (hyperparameter-plan.ts)
        const plan = planHyperparameters({
          base: await planBaseOf(this.store, base?.found),
          method,
          count: method === "dpo" ? training.preferences.length : training.examples.length,
          training: training.examples,
          hasValidation: Boolean(job.validation_file),
          requested: asked,
          memoryBytes: this.options.memoryBytes,
        });
        if (await transitionJob(this.store, jobId, "queued", { hyperparameters_json: JSON.stringify(plan.hyperparameters) })) {
          for (const warning of plan.warnings) await addEvent(this.store, jobId, { type: "message", level: "warn", message: warning });
          await addEvent(this.store, jobId, { type: "message", message: "Files validated, moving job to queued state." });
        }
        this.pump();
      }),
    );
  }

  private pump(): void {
    if (this.closed) return;
    this.pumping = this.pumping.then(async () => {
      // a job whose trainer stopped (its process died) while it was pausing is paused at its last checkpoint
      await this.store.db
        .updateTable("jobs")
        .set({ status: "paused", lease_owner: null, lease_expires_at: null, estimated_finish: null })
        .where("status", "=", "pausing")
        .where((eb) => eb.or([eb("lease_expires_at", "is", null), eb("lease_expires_at", "<", Math.floor(Date.now() / 1000))]))
        .where("id", "not in", [...this.running.keys(), ""])
        .execute();
      while (!this.closed && this.running.size < this.options.concurrency) {
        const now = Math.floor(Date.now() / 1000);
        const next = await this.store.db
          .selectFrom("jobs")
          .selectAll()
          .where((eb) =>
            eb.or([
              eb("status", "=", "queued"),
              eb.and([eb("status", "=", "running"), eb.or([eb("lease_expires_at", "is", null), eb("lease_expires_at", "<", now)])]),
            ]),
          )
          .where("id", "not in", [...this.running.keys(), ""])
          .orderBy("created_at")
          .orderBy("id")
          .limit(1)
          .executeTakeFirst();
        if (!next) return;
        await this.start(next).catch((error: Error) =>
          this.fail(next.id, { code: "internal_error", message: `Internal error: ${error.message}`, param: null }),
        );
      }
    });
  }

  private async start(job: JobRow): Promise<void> {
    const method = methodOf(JSON.parse(job.requested_json) as CreateJobRequest);
    const training = await checkTrainingFile(this.store, job.training_file, "training_file", method);
    if (!training.ok) return this.fail(job.id, training.error);
    const validation = job.validation_file
      ? await checkTrainingFile(this.store, job.validation_file, "validation_file", method)
      : undefined;
    if (validation && !validation.ok) return this.fail(job.id, validation.error);

    const base = await this.baseOf(job.model);
    if (!base) return this.fail(job.id, { code: "model_not_available", message: `Model ${job.model} is not available.`, param: "model" });
    const hyper = JSON.parse(job.hyperparameters_json ?? "{}") as ResolvedHyperparameters;
    const tunedName = tunedModelName(base.baseName, job.suffix, job.id);
    const outputDir = join(this.store.modelsDir, job.id);
    const own = await latestCheckpoint(this.store, job.id);
    // a job created to continue another engine's checkpoint starts from it (until it has checkpoints of its own)
    const resumeFrom = (JSON.parse(job.requested_json) as CreateJobRequest).resume_from;
    const adopted = !own && resumeFrom ? await findModel(this.store, resumeFrom) : undefined;
    const checkpoint = own ?? (adopted ? { dir: adopted.dir, step: checkpointStep(adopted.id) } : undefined);
    const request: TrainRequest = {
      base: base.from,
      training: training.examples,
      ...(validation?.ok ? { validation: validation.examples } : {}),
      hyperparameters: toTrainerHyperparameters(hyper),
      ...(method === "dpo"
        ? {
            method: { type: "dpo" as const, beta: hyper.beta ?? 0.1 },
            preferences: { training: training.preferences, ...(validation?.ok ? { validation: validation.preferences } : {}) },
          }
        : {}),
      ...(base.openWeight && hyper.training_type === "full" ? { fullFineTune: true } : {}),
      ...(base.openWeight && hyper.training_type !== "full" && hyper.lora_rank !== undefined
        ? {
            lora: {
              rank: hyper.lora_rank,
              alpha: hyper.lora_alpha ?? hyper.lora_rank * 2,
              dropout: hyper.lora_dropout ?? 0,
              targets: hyper.lora_target_modules ?? [],
              ...(hyper.base_quantization && hyper.base_quantization !== "none" ? { baseWeights: hyper.base_quantization } : {}),
            },
          }
        : {}),
      seed: job.seed,
      outputDir,
      checkpointEvery: this.options.checkpointEvery,
      ...(checkpoint ? { resumeFrom: checkpoint.dir } : {}),
    };
    if (!(await claimJob(this.store, job.id, this.owner, this.options.leaseSeconds))) return;
    const restarted = job.status === "running";
    // a queued job with checkpoints of its own was paused: it continues from the checkpoint written then
    const unpaused = !restarted && own !== undefined;
    await addEvent(this.store, job.id, {
      type: "message",
      level: restarted ? "warn" : "info",
      message: unpaused
        ? `Fine-tuning job continues from the checkpoint at step ${own.step}, written when it paused.`
        : restarted
          ? checkpoint
            ? `The process training this job stopped; resuming from the checkpoint at step ${checkpoint.step}.`
            : "The process training this job stopped before its first checkpoint; training again from the start."
          : adopted
            ? `Fine-tuning job started from the checkpoint ${adopted.id} (step ${checkpoint?.step}), trained by another engine.`
            : "Fine-tuning job started.",
    });

    // Steps between the checkpoint and the crash are trained again (bit-identically): record them once.
    const recorded = restarted || unpaused ? await lastMetricsStep(this.store, job.id) : 0;
    const handle = startTraining(request);
    this.running.set(job.id, handle);
    const startedAt = Date.now();
    const writes: Promise<unknown>[] = [];
    const fromStep = checkpoint?.step ?? 0;
    handle.onStep((m) => writes.push(this.recordStep(job.id, m, { startedAt, fromStep }, m.step <= recorded)));
    // a job trained again from the start (its process stopped before the first checkpoint) says each notice once
    const addNotice = async (notice: TrainingNotice) => {
      if (restarted && (await hasMessage(this.store, job.id, notice.message))) return;
      await addEvent(this.store, job.id, { type: "message", level: notice.level, message: notice.message, data: notice.data });
    };
    handle.onNotice((notice) => writes.push(addNotice(notice)));
    handle.onCheckpoint((dir, step, metrics) => {
      const modelId = checkpointModelName(tunedName, step);
      writes.push(
        addCheckpoint(this.store, {
          job_id: job.id,
          step,
          model_id: modelId,
          dir,
          metrics_json: JSON.stringify(metricsObject(metrics)),
        })
          .then(() => insertModel(this.store, { id: modelId, base_model: base.baseName, job_id: job.id, dir }))
          .then(() => this.checkpointListener?.({ jobId: job.id, model: modelId, step })),
      );
    });
    this.track(this.finish(job, handle, tunedName, base.baseName, writes));
  }

  private async finish(
    job: JobRow,
    handle: TrainingHandle,
    tunedName: string,
    baseName: string,
    writes: Promise<unknown>[],
  ): Promise<void> {
    try {
      const result = await handle.result;
      await Promise.all(writes);
      if (result.earlyStop)
        await addEvent(this.store, job.id, {
          type: "message",
          message: result.earlyStop.reason,
          data: {
            early_stopping: {
              step: result.earlyStop.step,
              best_step: result.earlyStop.bestStep,
              best_valid_loss: result.earlyStop.bestValidLoss,
              best_valid_mean_token_accuracy: result.earlyStop.bestValidMeanTokenAccuracy,
              patience: result.earlyStop.patience,
              counted_from_step: result.earlyStop.countFrom,
            } satisfies EarlyStoppingEventData,
          },
        });
      const csv = await this.resultFile(job.id);
      await insertModel(this.store, { id: tunedName, base_model: baseName, job_id: job.id, dir: result.finalModelDir });
      const done = await transitionJob(this.store, job.id, "succeeded", {
        fine_tuned_model: tunedName,
        trained_tokens: result.trainedTokens,
        finished_at: nowSeconds(),
        estimated_finish: null,
        result_file: csv,
      });
      if (done)
        await addEvent(this.store, job.id, {
          type: "message",
          message: `New fine-tuned model created: ${tunedName}. The job has successfully completed.`,
        });
    } catch (error) {
      await Promise.allSettled(writes);
      if (error instanceof TrainingPausedError) {
        const paused = await transitionFrom(this.store, job.id, ["pausing"], "paused", {
          lease_owner: null,
          lease_expires_at: null,
          estimated_finish: null,
        });
        if (paused)
          await addEvent(this.store, job.id, {
            type: "message",
            message: `Fine-tuning job paused at step ${error.step}, with a checkpoint there; resume it to continue.`,
          });
        return;
      }
      const current = await findJob(this.store, job.id);
      if (current?.status === "running" && !this.closed) {
        const message = (error as Error).message;
        await this.fail(
          job.id,
          isTrainingDiverged(error)
            ? { code: "training_diverged", message, param: null }
            : { code: "training_failed", message: `Training failed: ${message}`, param: null },
        );
      }
    } finally {
      this.running.delete(job.id);
      this.pump();
    }
  }

  private async recordStep(
    jobId: string,
    m: StepMetrics,
    since: { startedAt: number; fromStep: number },
    alreadyRecorded: boolean,
  ): Promise<void> {
    const status = (await findJob(this.store, jobId))?.status;
    if (status !== "running" && status !== "pausing") return;
    if (!alreadyRecorded) {
      await addEvent(this.store, jobId, {
        type: "metrics",
        message: `Step ${m.step}/${m.totalSteps}: training loss=${m.trainLoss.toFixed(4)}`,
        data: metricsObject(m),
      });
    }
    // The pace of this process (a resumed job started at its checkpoint's step).
    const elapsed = (Date.now() - since.startedAt) / 1000;
    const done = m.step - since.fromStep;
    const remaining = done > 0 ? (elapsed / done) * (m.totalSteps - m.step) : 0;
    await updateJob(this.store, jobId, { trained_tokens: m.trainedTokens, estimated_finish: Math.round(Date.now() / 1000 + remaining) });
  }

  private async resultFile(jobId: string): Promise<string> {
    const rows = await this.store.db
      .selectFrom("job_events")
      .select("data_json")
      .where("job_id", "=", jobId)
      .where("type", "=", "metrics")
      .orderBy("seq")
      .execute();
    const byStep = new Map<number, Record<string, unknown>>();
    for (const row of rows) {
      const data = JSON.parse(row.data_json ?? "{}") as Record<string, unknown>;
      byStep.set(Number(data.step), data);
    }
    const file = await insertFile(this.store, {
      filename: "step_metrics.csv",
      purpose: "fine-tune-results",
      data: Buffer.from(resultCsv([...byStep.values()])),
    });
    return file.id;
  }

  /**
   * What a job's model trains from (`findTrainingBase`, kept as `found`); a registered base's files are checked unchanged
   * first.
   */
  private async baseOf(
    model: string,
  ): Promise<{ baseName: string; from: TrainRequest["base"]; openWeight: boolean; found: TrainingBase } | undefined> {
    const found = await findTrainingBase(this.store, model);
    if (!found) return undefined;
    const { baseName, openWeight } = found;
    if (found.kind === "size") return { baseName, from: { spec: found.spec }, openWeight, found };
    if (found.kind === "tuned") return { baseName, from: { modelDir: found.tuned.dir }, openWeight, found };
    const { registered } = found;
    await checkUnchanged(this.store, registered);
    return {
      baseName,
      from: {
        hf: {
          name: registered.id,
          dir: registered.dir,
          fingerprint: registered.fingerprint,
          source: registered.source,
          files: registeredFiles(registered).map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 })),
        },
      },
      openWeight,
      found,
    };
  }

  private async fail(jobId: string, error: JobError): Promise<void> {
    if (
      await transitionJob(this.store, jobId, "failed", {
        error_json: JSON.stringify(error),
        finished_at: nowSeconds(),
        estimated_finish: null,
      })
    ) {
      await addEvent(this.store, jobId, { type: "message", level: "error", message: error.message });
    }
  }

  /** Runs one job's work so a failure there fails the job, never the process. */
  private async guard(jobId: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      await this.fail(jobId, { code: "internal_error", message: `Internal error: ${(error as Error).message}`, param: null }).catch(
        () => {},
      );
    }
  }
}

function metricsObject(m: StepMetrics): Record<string, number> {
  const data: Record<string, number> = {
    step: m.step,
    total_steps: m.totalSteps,
    train_loss: m.trainLoss,
    train_mean_token_accuracy: m.trainMeanTokenAccuracy,
  };
  if (m.validLoss !== undefined) data.valid_loss = m.validLoss;
  if (m.validMeanTokenAccuracy !== undefined) data.valid_mean_token_accuracy = m.validMeanTokenAccuracy;
  return data;
}

function methodOf(request: CreateJobRequest): TrainingMethod {
  return request.method?.type === "dpo" ? "dpo" : "supervised";
}
