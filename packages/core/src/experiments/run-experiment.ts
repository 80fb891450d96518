import type { RunnerGrader } from "@tunelab/evals";
import type OpenAI from "openai";
import { toFile } from "openai";
import { findVersionById } from "../datasets/dataset.repository.ts";
import { readVersionText } from "../datasets/version-content.ts";
import { TunelabError } from "../errors.ts";
import { insertEvalRun } from "../eval-runs/eval-run.repository.ts";
import { executeEvalRun } from "../eval-runs/execute-eval-run.ts";
import { testItems } from "../eval-runs/test-items.ts";
import type { Workspace } from "../storage/workspace.ts";
import { getExperiment, transitionExperiment, updateExperiment } from "./experiment.repository.ts";
import type { Experiment, ExperimentStatus } from "./experiment.schema.ts";
import type { ExperimentListener } from "./experiment-events.ts";
import { followJob } from "./follow-job.ts";
import type { ResolvedHyperparameters } from "./hyperparameters.ts";
import { withRequestSignal } from "./request-signal.ts";

/** The project's current evaluation setup: test split version and grader set, ready to grade. */
export interface EvaluationSetup {
  testSplitVersionId: string;
  graderSetId: string;
  primaryMetric: string;
  graders: RunnerGrader[];
}

export interface ExperimentServices {
  client(provider: string): OpenAI;
  /** The project's current test split and grader set (errors when either is missing). */
  evaluationSetup(projectId: string): Promise<EvaluationSetup>;
  /** Sampling for eval runs (default temperature 0, a fixed seed). */
  samplingParams?: Record<string, unknown>;
  pollMs?: number;
  evalConcurrency?: number;
}

export const DEFAULT_SAMPLING = { temperature: 0, seed: 0, max_tokens: 256 } as const;

/**
 * Drives an experiment to its end from whatever state it is in: upload → fine-tuning job → follow → eval run.
 * Every step's result is written before the next begins, so a killed process resumes without a second upload of
 * the same job or a second sample of an item (jobs carry the experiment id in their metadata to be found again).
 */
export async function runExperiment(
  ws: Workspace,
  services: ExperimentServices,
  id: string,
  signal: AbortSignal,
  onEvent?: ExperimentListener,
): Promise<Experiment> {
  const say = (status: ExperimentStatus, message: string) => onEvent?.({ type: "status", experimentId: id, status, message });
  try {
    let experiment = await getExperiment(ws.db, id);
    if (experiment.kind === "tuned" && !experiment.tunedModel) {
      const client = services.client(experiment.provider);
      experiment = await ensureUploaded(ws, client, experiment, say);
      experiment = await ensureJob(ws, client, experiment, signal, say);
      const job = await followJob(ws.db, client, id, experiment.providerJobId ?? "", {
        pollMs: services.pollMs ?? 1000,
        signal,
        ...(onEvent ? { onEvent } : {}),
      });
      const resolved = { requested: experiment.hyperparameters.requested, resolved: resolvedHyperparameters(job) };
      if (job.status === "cancelled") {
        await transitionExperiment(ws.db, id, "cancelled", { error: "the provider's job was cancelled" });
        say("cancelled", "the fine-tuning job was cancelled");
        return getExperiment(ws.db, id);
      }
      if (job.status !== "succeeded" || !job.fine_tuned_model) {
        const reason = job.error?.message ?? `job ended ${job.status}`;
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
      const span = job.finished_at && job.created_at ? job.finished_at - job.created_at : null;
      await updateExperiment(ws.db, id, {
        tuned_model: job.fine_tuned_model,
        trained_tokens: job.trained_tokens ?? null,
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
  client: OpenAI,
  experiment: Experiment,
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
    const reused = await reusableFile(ws, client, experiment.provider, version.contentHash);
    if (reused) return reused;
    const file = await client.files.create({
      file: await toFile(Buffer.from(readVersionText(ws, version)), `${version.name}-${version.number}.jsonl`),
      purpose: "fine-tune",
    });
    return file.id;
  };
  const fileId = await upload(experiment.datasetVersionId);
  const validationId = await upload(experiment.validationVersionId);
  await updateExperiment(ws.db, experiment.id, { provider_file_id: fileId, provider_validation_file_id: validationId });
  return getExperiment(ws.db, experiment.id);
}

/** A file this provider already has with the same content (uploaded by another experiment), if it still exists. */
async function reusableFile(ws: Workspace, client: OpenAI, provider: string, contentHash: string): Promise<string | null> {
  const rows = await ws.db
    .selectFrom("experiments")
    .innerJoin("dataset_versions", "dataset_versions.id", "experiments.dataset_version_id")
    .select("experiments.provider_file_id")
    .where("experiments.provider", "=", provider)
    .where("dataset_versions.content_hash", "=", contentHash)
    .where("experiments.provider_file_id", "is not", null)
    .execute();
  for (const row of rows) {
    if (!row.provider_file_id) continue;
    try {
      await client.files.retrieve(row.provider_file_id);
      return row.provider_file_id;
    } catch {
      // deleted on the provider: try the next one
    }
  }
  return null;
}

async function ensureJob(
  ws: Workspace,
  client: OpenAI,
  experiment: Experiment,
  signal: AbortSignal,
  say: (s: ExperimentStatus, m: string) => void,
): Promise<Experiment> {
  if (!experiment.providerJobId) {
    const existing = await findJobByMetadata(client, experiment.id);
    const body = {
      model: experiment.baseModel,
      training_file: experiment.providerFileId ?? "",
      ...(experiment.suffix ? { suffix: experiment.suffix } : {}),
      seed: experiment.seed,
      metadata: { tunelab_experiment: experiment.id },
      method: jobMethod(experiment),
      ...(await validationFile(ws, experiment)),
    };
    const jobId = existing ?? (await withRequestSignal(signal, (s) => client.fineTuning.jobs.create(body, { signal: s }))).id;
    await updateExperiment(ws.db, experiment.id, { provider_job_id: jobId });
  }
  await transitionExperiment(ws.db, experiment.id, "training");
  say("training", "training");
  return getExperiment(ws.db, experiment.id);
}

async function validationFile(ws: Workspace, experiment: Experiment): Promise<{ validation_file?: string }> {
  const row = await ws.db
    .selectFrom("experiments")
    .select("provider_validation_file_id")
    .where("id", "=", experiment.id)
    .executeTakeFirst();
  return row?.provider_validation_file_id ? { validation_file: row.provider_validation_file_id } : {};
}

/** A job created for this experiment before the process died (its id never reached the database). */
async function findJobByMetadata(client: OpenAI, experimentId: string): Promise<string | undefined> {
  try {
    const page = await client.fineTuning.jobs.list({ limit: 100, metadata: { tunelab_experiment: experimentId } });
    return page.data.find((job) => job.metadata?.tunelab_experiment === experimentId)?.id;
  } catch {
    return undefined;
  }
}

async function evaluate(
  ws: Workspace,
  services: ExperimentServices,
  experiment: Experiment,
  signal: AbortSignal,
  onEvent: ExperimentListener | undefined,
  say: (s: ExperimentStatus, m: string) => void,
): Promise<Experiment> {
  const setup = await services.evaluationSetup(experiment.projectId);
  let runId = experiment.evalRunId;
  if (!runId) {
    const items = await testItems(ws, setup.testSplitVersionId);
    const run = await insertEvalRun(ws.db, {
      projectId: experiment.projectId,
      experimentId: experiment.id,
      model: experiment.tunedModel ?? experiment.baseModel,
      provider: experiment.provider,
      testSplitVersionId: setup.testSplitVersionId,
      graderSetId: setup.graderSetId,
      samplingParams: services.samplingParams ?? { ...DEFAULT_SAMPLING },
      total: items.length,
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

/**
 * The job's `method` as OpenAI's API takes it (`{type: "dpo", dpo: {hyperparameters}}`). The request carries only the
 * keys the experiment set: `auto` for OpenAI's three, the extensions (LoRA, prompt loss weight, beta) only when given,
 * since hosted providers refuse keys they do not know.
 */
export function jobMethod(experiment: Pick<Experiment, "method" | "hyperparameters">) {
  // the SDK's types know OpenAI's keys only; the stored request (JSON, so no undefined values) may add the extensions
  const hyperparameters = experiment.hyperparameters.requested;
  if (experiment.method === "dpo")
    return { type: "dpo" as const, dpo: { hyperparameters: hyperparameters as OpenAI.FineTuning.DpoHyperparameters } };
  if (experiment.method === "supervised")
    return {
      type: "supervised" as const,
      supervised: { hyperparameters: hyperparameters as OpenAI.FineTuning.SupervisedHyperparameters },
    };
  throw new TunelabError("invalid_argument", `method ${experiment.method} does not train`);
}

/** The values the provider trained with: numbers, the training type, the LoRA target modules as a list. */
function resolvedHyperparameters(job: {
  hyperparameters?: unknown;
  method?: { type?: string; supervised?: { hyperparameters?: unknown }; dpo?: { hyperparameters?: unknown } } | null;
}): ResolvedHyperparameters | null {
  const out: ResolvedHyperparameters = {};
  const byMethod = job.method?.type === "dpo" ? job.method.dpo?.hyperparameters : job.method?.supervised?.hyperparameters;
  for (const source of [job.hyperparameters, byMethod]) {
    if (!source || typeof source !== "object") continue;
    for (const [k, v] of Object.entries(source)) {
      if (typeof v === "number" || (typeof v === "string" && v !== "auto")) out[k] = v;
      else if (Array.isArray(v) && v.every((x) => typeof x === "string")) out[k] = v as string[];
    }
  }
  return Object.keys(out).length ? out : null;
}
