import { TunelabError } from "@tunelab/base";
import type { ModelGraderSettingsInput, RunnerGrader, SamplingParams } from "@tunelab/evals";
import type OpenAI from "openai";
import { findVersionById } from "../datasets/dataset.repository.ts";
import { inlineVersionImages } from "../datasets/images/inline-images.ts";
import { loadVersionText } from "../datasets/version-content.ts";
import { getEvalRun, insertEvalRun, updateEvalRun } from "../eval-runs/eval-run.repository.ts";
import { evalSampling, graderDeadline, modelGraderSettings } from "../eval-runs/eval-settings.ts";
import { executeEvalRun } from "../eval-runs/execute-eval-run.ts";
import { testItemCount } from "../eval-runs/test-items.ts";
import { assertCapable } from "../providers/capabilities.ts";
import type { KnownModelCheck } from "../providers/known-model.ts";
import { LOCAL_PROVIDER } from "../providers/providers.ts";
import type { Trainer } from "../providers/trainers/trainer.ts";
import { trainerFor } from "../providers/trainers/trainer-for.ts";
import type { Workspace } from "../storage/workspace.ts";
import { checkpointBlobOf, getExperiment, recordTunedModel, transitionExperiment, updateExperiment } from "./experiment.repository.ts";
import type { Experiment, ExperimentStatus } from "./experiment.schema.ts";
import type { ExperimentListener } from "./experiment-events.ts";
import { followJob } from "./follow-job.ts";
import type { TrainingMethod } from "./hyperparameters.ts";
import { forgetJobOfAnotherEngine, jobToTakeUp } from "./local-takeover.ts";

/** The project's current evaluation setup: test split version and grader set, ready to grade. */
export interface EvaluationSetup {
  testSplitVersionId: string;
  graderSetId: string;
  primaryMetric: string;
  graders: RunnerGrader[];
}

/** How an eval run's graders are bound: its model graders' request deadline and attempts. */
export interface EvaluationGrading {
  modelGrader?: ModelGraderSettingsInput;
}

export interface ExperimentServices {
  /** Inference (eval runs): the `openai` SDK for every provider. */
  client(provider: string): OpenAI;
  /** Training: the provider's trainer adapter (default: OpenAI's job API through `client`). */
  trainer?(provider: string): Trainer;
  /**
   * The project's current test split and grader set (errors when either is missing), its model graders bound with
   * `grading.modelGrader` (the run's request deadline and attempts; default 60 s and 3).
   */
  evaluationSetup(projectId: string, grading?: EvaluationGrading): Promise<EvaluationSetup>;
  /** Sampling for eval runs (default temperature 0, a fixed seed). */
  samplingParams?: Record<string, unknown>;
  pollMs?: number;
  evalConcurrency?: number;
  /**
   * Publishes a tuned model of the embedded engine to the blob store for other machines (shared-tuned-models.ts):
   * the manifest's hash, or undefined when the engine does not have it. Absent without an embedded engine.
   */
  publishTunedModel?(model: string): Promise<string | undefined>;
  /** Brings a published checkpoint (its manifest's hash) into the embedded engine; its model id. */
  adoptCheckpoint?(manifest: string): Promise<string>;
  /**
   * Refuses, before an eval run or experiment is stored, a provider tunelab does not know and a model the embedded
   * engine does not have (`knownModelCheck`). Absent: nothing is checked up front.
   */
  assertKnownModel?: KnownModelCheck;
}

export const DEFAULT_SAMPLING = { temperature: 0, seed: 0, max_tokens: 256 } as const;

/** The provider's job a run follows (reported as soon as it is known, before it is recorded with the experiment). */
export interface ProviderJob {
  provider: string;
  jobId: string;
}

/** The trainer of a provider: its adapter when the services know one, else OpenAI's job API through its client. */
export function trainerOf(services: ExperimentServices, provider: string): Trainer {
  return services.trainer?.(provider) ?? trainerFor(provider, { kind: "openai", client: services.client(provider) });
}

/**
 * Drives an experiment to its end from whatever state it is in: upload → fine-tuning job → follow → eval run.
 * Every step's result is written before the next begins, so a killed process resumes without a second upload of
 * the same job or a second sample of an item (jobs carry the experiment id in their metadata to be found again).
 * `onJob` hears which provider job it follows (see ExperimentRunner: a local job left behind after a takeover).
 */
export async function runExperiment(
  ws: Workspace,
  services: ExperimentServices,
  id: string,
  signal: AbortSignal,
  onEvent?: ExperimentListener,
  onJob?: (job: ProviderJob) => void,
): Promise<Experiment> {
  const say = (status: ExperimentStatus, message: string) => onEvent?.({ type: "status", experimentId: id, status, message });
  try {
    let experiment = await getExperiment(ws.db, id);
    if (experiment.kind === "tuned" && !experiment.tunedModel) {
      const trainer = trainerOf(services, experiment.provider);
      // what the provider cannot train is refused before anything is uploaded
      assertCapable(experiment.provider, trainer.kind, experiment.method as TrainingMethod, experiment.hyperparameters.requested);
      const takeover = await forgetJobOfAnotherEngine(ws, trainer, experiment, signal);
      experiment = takeover.experiment;
      if (takeover.forgotten) say("uploading", "the job was on another machine's engine, whose worker stopped: training again here");
      experiment = await ensureUploaded(ws, trainer, experiment, signal, say);
      experiment = await ensureJob(ws, services, trainer, experiment, signal, say, onJob);
      const job = await followJob(ws.db, trainer, id, experiment.providerJobId ?? "", {
        pollMs: services.pollMs ?? 1000,
        signal,
        ...(onEvent ? { onEvent } : {}),
      });
      const resolved = { requested: experiment.hyperparameters.requested, resolved: job.resolved };
      if (job.status === "cancelled") {
        await transitionExperiment(ws.db, id, "cancelled", { error: "the provider's job was cancelled" });
        say("cancelled", "the fine-tuning job was cancelled");
        return getExperiment(ws.db, id);
      }
      if (job.status !== "succeeded" || !job.tunedModel) {
        const reason = job.error ?? `job ended ${job.providerStatus}`;
        await transitionExperiment(ws.db, id, "failed", {
          error: `training failed: ${reason}`,
          hyperparameters_json: JSON.stringify(resolved),
        });
        say("failed", reason);
        return getExperiment(ws.db, id);
      }
      // training_seconds was added up while following (training time only, downtime excluded); a job that ran
      // while nobody followed it has only its own span to go by
      const followed = (await getExperiment(ws.db, id)).trainingSeconds;
      const span = job.finishedAt && job.createdAt ? job.finishedAt - job.createdAt : null;
      // published (in a team) before the tuned model's id is recorded: a worker killed in between trains again (takeover)
      if (experiment.provider === LOCAL_PROVIDER) await services.publishTunedModel?.(job.tunedModel);
      await recordTunedModel(ws.db, id, job.tunedModel, {
        trained_tokens: job.trainedTokens,
        ...(followed === null ? { training_seconds: span } : {}),
        hyperparameters_json: JSON.stringify(resolved),
      });
      experiment = await getExperiment(ws.db, id);
    }
    return await evaluate(ws, services, experiment, signal, onEvent, say);
  } catch (error) {
    if (signal.aborted) return getExperiment(ws.db, id);
    const message = error instanceof Error ? error.message : String(error);
    await transitionExperiment(ws.db, id, "failed", { error: message });
    say("failed", message);
    return getExperiment(ws.db, id);
  }
}

async function ensureUploaded(
  ws: Workspace,
  trainer: Trainer,
  experiment: Experiment,
  signal: AbortSignal,
  say: (s: ExperimentStatus, m: string) => void,
): Promise<Experiment> {
  if (experiment.providerFileId) return experiment;
  if (!(await transitionExperiment(ws.db, experiment.id, "uploading")))
    throw new TunelabError("conflict", `experiment ${experiment.id} is ${experiment.status}`);
  say("uploading", "uploading the training file");
  const upload = async (versionId: string | null) => {
    if (!versionId) return null;
    const version = await findVersionById(ws.db, versionId);
    if (!version) throw new TunelabError("not_found", `dataset version ${versionId} is missing`);
    const reused = await reusableFile(ws, trainer, experiment.provider, version.contentHash, signal);
    if (reused) return reused;
    // the local engine reads images from data: URLs only: it gets the bytes fetched at import; hosted providers
    // fetch http(s) images themselves and get the file as it is
    const text = await loadVersionText(ws, version);
    const content = experiment.provider === LOCAL_PROVIDER ? await inlineVersionImages(ws, version.id, text) : text;
    return trainer.uploadFile({ name: `${version.name}-${version.number}.jsonl`, content: Buffer.from(content) }, signal);
  };
  const fileId = await upload(experiment.datasetVersionId);
  const validationId = await upload(experiment.validationVersionId);
  await updateExperiment(ws.db, experiment.id, { provider_file_id: fileId, provider_validation_file_id: validationId });
  return getExperiment(ws.db, experiment.id);
}

/** A file this provider already has with the same content (uploaded by another experiment), if it still exists. */
async function reusableFile(
  ws: Workspace,
  trainer: Trainer,
  provider: string,
  contentHash: string,
  signal: AbortSignal,
): Promise<string | null> {
  const rows = await ws.db
    .selectFrom("experiments")
    .innerJoin("dataset_versions", "dataset_versions.id", "experiments.dataset_version_id")
    .select("experiments.provider_file_id")
    .where("experiments.provider", "=", provider)
    .where("dataset_versions.content_hash", "=", contentHash)
    .where("experiments.provider_file_id", "is not", null)
    .execute();
  for (const row of rows) {
    // deleted on the provider: try the next one
    if (row.provider_file_id && (await trainer.fileExists(row.provider_file_id, signal))) return row.provider_file_id;
  }
  return null;
}

/**
 * The checkpoint to continue from when an experiment on the embedded engine has no job here: the latest one the worker
 * that trained it before published (a takeover), brought into this engine. Undefined trains from the start (none was
 * published, or it cannot be fetched).
 */
async function publishedCheckpoint(
  ws: Workspace,
  services: ExperimentServices,
  experiment: Experiment,
  say: (s: ExperimentStatus, m: string) => void,
): Promise<string | undefined> {
  if (experiment.provider !== LOCAL_PROVIDER || !services.adoptCheckpoint) return undefined;
  const manifest = await checkpointBlobOf(ws.db, experiment.id);
  if (!manifest) return undefined;
  try {
    return await services.adoptCheckpoint(manifest);
  } catch (error) {
    say(
      "uploading",
      `the published checkpoint could not be fetched (${error instanceof Error ? error.message : String(error)}): training from the start`,
    );
    return undefined;
  }
}

async function ensureJob(
  ws: Workspace,
  services: ExperimentServices,
  trainer: Trainer,
  experiment: Experiment,
  signal: AbortSignal,
  say: (s: ExperimentStatus, m: string) => void,
  onJob?: (job: ProviderJob) => void,
): Promise<Experiment> {
  if (experiment.providerJobId) onJob?.({ provider: experiment.provider, jobId: experiment.providerJobId });
  else {
    const existing = await jobToTakeUp(trainer, experiment, await trainer.findJob(experiment.id, signal), signal);
    const resumeFrom = existing ? undefined : await publishedCheckpoint(ws, services, experiment, say);
    if (resumeFrom) say("uploading", `continuing from ${resumeFrom}, published by the machine that trained it before`);
    const jobId =
      existing ??
      (await trainer.createJob(
        {
          experimentId: experiment.id,
          baseModel: experiment.baseModel,
          trainingFile: experiment.providerFileId ?? "",
          validationFile: await validationFile(ws, experiment),
          suffix: experiment.suffix,
          seed: experiment.seed,
          method: experiment.method as TrainingMethod,
          hyperparameters: experiment.hyperparameters.requested,
          ...(resumeFrom ? { resumeFrom } : {}),
        },
        signal,
      ));
    onJob?.({ provider: experiment.provider, jobId });
    await updateExperiment(ws.db, experiment.id, { provider_job_id: jobId });
  }
  await transitionExperiment(ws.db, experiment.id, "training");
  say("training", "training");
  return getExperiment(ws.db, experiment.id);
}

async function validationFile(ws: Workspace, experiment: Experiment): Promise<string | null> {
  const row = await ws.db
    .selectFrom("experiments")
    .select("provider_validation_file_id")
    .where("id", "=", experiment.id)
    .executeTakeFirst();
  return row?.provider_validation_file_id ?? null;
}

async function evaluate(
  ws: Workspace,
  services: ExperimentServices,
  experiment: Experiment,
  signal: AbortSignal,
  onEvent: ExperimentListener | undefined,
  say: (s: ExperimentStatus, m: string) => void,
): Promise<Experiment> {
  let runId = experiment.evalRunId;
  const existing = runId ? await getEvalRun(ws.db, runId) : undefined;
  // the model graders wait as the run was started (a resumed run keeps its deadline), else as the experiment asks
  const deadline = existing ?? graderDeadline(experiment.evaluation);
  const setup = await services.evaluationSetup(experiment.projectId, { modelGrader: modelGraderSettings(deadline) });
  // A process stopped while scoring used to store its run as cancelled though the experiment was not (it stayed
  // `evaluating` for good): such a run resumes, as a stopped one does.
  if (runId && experiment.status !== "cancelled" && existing?.status === "cancelled") {
    await updateEvalRun(ws.db, runId, { status: "running", finished_at: null });
  }
  if (!runId) {
    const items = await testItemCount(ws, setup.testSplitVersionId);
    const run = await insertEvalRun(ws.db, {
      projectId: experiment.projectId,
      experimentId: experiment.id,
      model: experiment.tunedModel ?? experiment.baseModel,
      provider: experiment.provider,
      testSplitVersionId: setup.testSplitVersionId,
      graderSetId: setup.graderSetId,
      samplingParams: evalSampling((services.samplingParams ?? { ...DEFAULT_SAMPLING }) as SamplingParams, experiment.evaluation),
      trials: experiment.evaluation.trials,
      graderDeadline: graderDeadline(deadline),
      total: items * experiment.evaluation.trials,
    });
    runId = run.id;
    await updateExperiment(ws.db, experiment.id, {
      eval_run_id: run.id,
      test_split_version_id: setup.testSplitVersionId,
      grader_set_id: setup.graderSetId,
    });
  }
  await transitionExperiment(ws.db, experiment.id, "evaluating");
  say("evaluating", `scoring the ${experiment.kind === "baseline" ? "base" : "tuned"} model on the test split`);
  const currentRunId = runId;
  const run = await executeEvalRun(ws, currentRunId, {
    client: services.client(experiment.provider),
    graders: setup.graders,
    primaryMetric: setup.primaryMetric,
    concurrency: services.evalConcurrency ?? 8,
    signal,
    ...(onEvent ? { onProgress: (progress) => onEvent({ type: "eval", experimentId: experiment.id, runId: currentRunId, progress }) } : {}),
  });
  if (run.status === "completed") {
    await transitionExperiment(ws.db, experiment.id, "completed");
    say("completed", `scored ${run.primary.score?.toFixed(3) ?? "n/a"} on ${setup.primaryMetric}`);
  }
  return getExperiment(ws.db, experiment.id);
}
