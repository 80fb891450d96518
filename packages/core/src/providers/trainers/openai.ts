import { TunelabError } from "@tunelab/base";
import { EarlyStoppingEventData } from "@tunelab/contracts";
import type OpenAI from "openai";
import { toFile } from "openai";
import type { EarlyStop } from "../../experiments/early-stop.schema.ts";
import type { RequestedHyperparameters, ResolvedHyperparameters, TrainingMethod } from "../../experiments/hyperparameters.ts";
import { withRequestSignal } from "../../experiments/request-signal.ts";
import { honouringRetryAfter, statusOf } from "./http.ts";
import { CANNOT_TELL, retryTransient } from "./retry-transient.ts";
import type { Trainer, TrainerJob, TrainerJobStatus, TrainerMetrics } from "./trainer.ts";

/**
 * OpenAI's fine-tuning API through the `openai` SDK: `POST /v1/files`, `POST/GET /v1/fine_tuning/jobs`,
 * `GET …/{id}/events`, `POST …/{id}/cancel` (https://platform.openai.com/docs/api-reference/fine-tuning). Also the
 * embedded engine, Nebius Token Factory and any exact copy. Jobs carry `metadata.tunelab_experiment` to be found again.
 * Uploads and job creations that fail transiently (5xx, no answer) are tried again (retryTransient); a job creation
 * only after looking, by that metadata, for the job an earlier try may have created before its answer was lost.
 */
export function openAITrainer(client: OpenAI, kind: "openai" | "azure-openai" = "openai", provider: string = kind): Trainer {
  /** The job created for an experiment, or CANNOT_TELL when the host cannot list jobs by metadata. */
  const lookup = async (experimentId: string, signal: AbortSignal): Promise<string | undefined | typeof CANNOT_TELL> => {
    try {
      const page = await honouringRetryAfter(
        () =>
          withRequestSignal(signal, (s) =>
            client.fineTuning.jobs.list({ limit: 100, metadata: { tunelab_experiment: experimentId } }, { signal: s }),
          ),
        signal,
      );
      return page.data.find((job) => job.metadata?.tunelab_experiment === experimentId)?.id;
    } catch (error) {
      // a host that cannot list jobs by metadata has none to find; any other failure (429 beyond its waits, 5xx, no
      // answer) may hide the job created before a crash, and creating another would train and bill twice
      if (cannotList(statusOf(error))) return CANNOT_TELL;
      throw error;
    }
  };
  return {
    kind,
    async uploadFile(file, signal) {
      // a retried upload whose first answer was lost leaves an unused copy of the file on the host (files have no
      // metadata to find it by); it is not trained on or billed
      const created = await retryTransient(
        () =>
          honouringRetryAfter(
            () =>
              withRequestSignal(signal, async (s) =>
                client.files.create({ file: await toFile(file.content, file.name), purpose: "fine-tune" }, { signal: s }),
              ),
            signal,
          ),
        { provider, call: "POST /files", signal },
      );
      // Azure imports a file before a job may use it (status pending → processed)
      // https://learn.microsoft.com/azure/ai-foundry/openai/how-to/fine-tuning ; OpenAI's files are usable at once
      let current: { status?: string; status_details?: string | null } = created;
      for (let wait = 50; kind === "azure-openai" && current.status !== "processed"; wait = Math.min(wait * 2, 5_000)) {
        if (current.status === "error")
          throw new TunelabError("validation_failed", `the provider refused ${file.name}: ${current.status_details ?? "file error"}`);
        await new Promise((resolve) => setTimeout(resolve, wait));
        current = await withRequestSignal(signal, (s) => client.files.retrieve(created.id, { signal: s }));
      }
      return created.id;
    },
    async fileExists(id, signal) {
      try {
        await withRequestSignal(signal, (s) => client.files.retrieve(id, { signal: s }));
        return true;
      } catch {
        return false;
      }
    },
    async createJob(request, signal) {
      const body = {
        model: request.baseModel,
        training_file: request.trainingFile,
        ...(request.suffix ? { suffix: request.suffix } : {}),
        seed: request.seed,
        metadata: { tunelab_experiment: request.experimentId },
        method: jobMethod(request),
        ...(request.validationFile ? { validation_file: request.validationFile } : {}),
        // tunelab's extension, which only the embedded engine is asked for
        ...(request.resumeFrom ? { resume_from: request.resumeFrom } : {}),
      };
      return retryTransient(
        async () =>
          (await honouringRetryAfter(() => withRequestSignal(signal, (s) => client.fineTuning.jobs.create(body, { signal: s })), signal))
            .id,
        { provider, call: "POST /fine_tuning/jobs", signal, alreadyDone: () => lookup(request.experimentId, signal) },
      );
    },
    async findJob(experimentId, signal) {
      const found = await lookup(experimentId, signal);
      return found === CANNOT_TELL ? undefined : found;
    },
    async getJob(id, signal) {
      const job = await honouringRetryAfter(
        () => withRequestSignal(signal, (s) => client.fineTuning.jobs.retrieve(id, { signal: s })),
        signal,
      );
      return {
        id: job.id,
        status: normalStatus(job.status),
        providerStatus: job.status,
        tunedModel: job.fine_tuned_model ?? null,
        trainedTokens: job.trained_tokens ?? null,
        createdAt: job.created_at ?? null,
        finishedAt: job.finished_at ?? null,
        error: job.error?.message ?? null,
        resolved: resolvedHyperparameters(job),
      } satisfies TrainerJob;
    },
    async newEvents(id, seen, signal) {
      const fresh: TrainerMetrics[] = [];
      const warnings: string[] = [];
      let earlyStop: EarlyStop | undefined;
      // events come newest first: page until an event already seen
      let after: string | undefined;
      pages: for (;;) {
        const page = await withRequestSignal(signal, (s) =>
          client.fineTuning.jobs.listEvents(id, { limit: 500, ...(after ? { after } : {}) }, { signal: s }),
        );
        for (const event of page.data) {
          if (seen.has(event.id)) break pages;
          seen.add(event.id);
          if (event.type === "metrics" && event.data && typeof (event.data as TrainerMetrics).step === "number")
            fresh.push(event.data as TrainerMetrics);
          else if (event.type === "message" && event.level === "warn") warnings.push(event.message);
          else if (event.type === "message") earlyStop ??= earlyStopOf(event);
        }
        if (!page.has_more || page.data.length === 0) break;
        after = page.data[page.data.length - 1]?.id;
      }
      // events come newest first: warnings are returned in the order they were said
      return { metrics: fresh, warnings: warnings.reverse(), ...(earlyStop ? { earlyStop } : {}) };
    },
    async cancelJob(id) {
      await client.fineTuning.jobs.cancel(id);
    },
  };
}

/** The answers of a host without `GET /fine_tuning/jobs?metadata[…]` (not found, not allowed, not implemented, refused). */
function cannotList(status: number | undefined): boolean {
  return status === 400 || status === 404 || status === 405 || status === 501;
}

function normalStatus(status: string): TrainerJobStatus {
  if (status === "running" || status === "succeeded" || status === "failed" || status === "cancelled") return status;
  return "queued"; // validating_files, queued
}

/**
 * The job's `method` as OpenAI's API takes it (`{type: "dpo", dpo: {hyperparameters}}`). The request carries only the
 * keys the experiment set: `auto` for OpenAI's three, the extensions (LoRA, prompt loss weight, beta) only when given,
 * since hosted providers refuse keys they do not know.
 */
export function jobMethod(experiment: { method: TrainingMethod; hyperparameters: RequestedHyperparameters }) {
  // the SDK's types know OpenAI's keys only; the stored request (JSON, so no undefined values) may add the extensions
  const { hyperparameters } = experiment;
  if (experiment.method === "dpo")
    return { type: "dpo" as const, dpo: { hyperparameters: hyperparameters as OpenAI.FineTuning.DpoHyperparameters } };
  if (experiment.method === "supervised")
    return {
      type: "supervised" as const,
      supervised: { hyperparameters: hyperparameters as OpenAI.FineTuning.SupervisedHyperparameters },
    };
  throw new TunelabError("invalid_argument", `method ${String(experiment.method)} does not train`);
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

/** The embedded engine's early-stopping event (`data.early_stopping`, tunelab's extension); undefined for any other. */
function earlyStopOf(event: { message: string; data?: unknown }): EarlyStop | undefined {
  const data = event.data as { early_stopping?: unknown } | null | undefined;
  const parsed = EarlyStoppingEventData.safeParse(data?.early_stopping);
  if (!parsed.success) return undefined;
  return { step: parsed.data.step, bestStep: parsed.data.best_step, bestValidLoss: parsed.data.best_valid_loss, message: event.message };
}
