import { existsSync } from "node:fs";
import { join } from "node:path";
import { modelKindProblem } from "@tunelab/contracts";
import { Hono } from "hono";
import { findFile } from "../files/file.repository.ts";
import { isFullDir } from "../hf/full/full-dir.ts";
import { isImageTextArchitecture } from "../hf/image-text.ts";
import { isLoraDir } from "../hf/lora/lora-dir.ts";
import { badRequest, notFound, OpenAIHttpError } from "../http/openai-error.ts";
import { jsonBody, queryInt, unknownCursor } from "../http/validate.ts";

/** Largest open-weight model offered full fine-tuning (AdamW in float32 needs about 16 bytes a parameter). */
export const MAX_FULL_PARAMETERS = 1e9;

import { findRegisteredBase } from "../models/base-model.repository.ts";
import type { TunedModels } from "../models/missing-models.ts";
import { findBaseModel } from "../models/model.repository.ts";
import type { EngineStore } from "../storage/store.ts";
import { listCheckpoints } from "./checkpoint.repository.ts";
import { findJob, insertJob, listJobs, toJobObject } from "./job.repository.ts";
import { askedHyperparameters, CreateJobRequest, FINISHED, type JobStatus } from "./job.schema.ts";
import { addEvent, lastMetricsStep, listEvents } from "./job-events.repository.ts";
import type { JobScheduler } from "./scheduler.ts";
import { checkTrainingFile } from "./training-data.ts";

export function jobRoutes(store: EngineStore, scheduler: JobScheduler, maxQueued: number, tunedModels: TunedModels): Hono {
  const app = new Hono();

  app.post("/", async (c) => {
    const request = await jsonBody(c, CreateJobRequest);
    const method = request.method?.type ?? "supervised";
    if (method === "reinforcement") {
      throw badRequest(
        `The local engine does not support the ${method} method yet; use method.type "supervised" or "dpo".`,
        "method.type",
        "unsupported_method",
      );
    }
    if (request.integrations?.length)
      throw badRequest(
        "The local engine reports to no Weights & Biases project; remove 'integrations' (a job's metrics are in its events, checkpoints and result file).",
        "integrations",
        "unsupported_integration",
      );
    const registered = await findRegisteredBase(store, request.model);
    const tuned = registered ? undefined : await tunedModels.find(request.model);
    if (!findBaseModel(request.model) && !registered && !tuned) {
      throw new OpenAIHttpError(
        404,
        `Model ${request.model} is not available for fine-tuning.`,
        "invalid_request_error",
        "model",
        "model_not_available",
      );
    }
    const openWeight = registered !== undefined || (tuned !== undefined && (isLoraDir(tuned.dir) || isFullDir(tuned.dir)));
    const asked = askedHyperparameters(request);

    const full = asked.training_type === "full" || (tuned !== undefined && isFullDir(tuned.dir));
    if (full && method === "dpo")
      throw badRequest(
        "DPO trains LoRA adapters; training_type full is not supported with DPO.",
        "hyperparameters.training_type",
        "invalid_hyperparameter",
      );
    if (asked.training_type === "full" && registered && registered.parameters > MAX_FULL_PARAMETERS)
      throw badRequest(
        `${request.model} has ${(registered.parameters / 1e9).toFixed(2)}B parameters; full fine-tuning on the CPU is offered up to ${MAX_FULL_PARAMETERS / 1e9}B (it needs about 16 bytes a parameter). Use LoRA (the default).`,
        "hyperparameters.training_type",
        "invalid_hyperparameter",
      );
    if (asked.training_type === "full" && registered && isImageTextArchitecture(registered.architecture))
      throw badRequest(
        `${request.model} is an image-text checkpoint (${registered.architecture}); its language model trains with LoRA (the default), which leaves the vision tower as it is. Full fine-tuning is not offered for it.`,
        "hyperparameters.training_type",
        "invalid_hyperparameter",
      );
    if (full && tuned && isLoraDir(tuned.dir) === false && asked.lora_rank !== undefined && asked.lora_rank !== "auto")
      throw badRequest(
        `${request.model} was fully fine-tuned; lora_rank does not apply.`,
        "hyperparameters.lora_rank",
        "invalid_hyperparameter",
      );
    const kindProblem = modelKindProblem(request.model, openWeight ? "open-weight" : "from-scratch", asked);
    if (kindProblem) throw badRequest(kindProblem.message, kindProblem.param, "invalid_hyperparameter");
    if (tuned && isLoraDir(tuned.dir))
      for (const key of ["lora_rank", "lora_alpha", "lora_target_modules"] as const)
        if (asked[key] !== undefined && asked[key] !== "auto")
          throw badRequest(
            `${request.model} is a LoRA adapter; fine-tuning it continues that adapter, so ${key} cannot change.`,
            `hyperparameters.${key}`,
            "invalid_hyperparameter",
          );
    for (const param of ["training_file", "validation_file"] as const) {
      const id = request[param];
      if (!id) continue;
      const file = await findFile(store, id);
      if (!file) throw badRequest(`Invalid file id '${id}': no such file.`, param, "invalid_file");
      if (file.purpose !== "fine-tune")
        throw badRequest(`File ${id} has purpose '${file.purpose}'; fine-tuning needs purpose 'fine-tune'.`, param, "invalid_file_purpose");
      const check = await checkTrainingFile(store, id, param, method);
      if (!check.ok && check.atCreation) throw badRequest(check.error.message, check.error.param, check.error.code);
    }
    if (request.resume_from) await checkResumable(tunedModels, request.resume_from, request.model);
    if ((await scheduler.waitingCount()) >= maxQueued) {
      throw new OpenAIHttpError(
        429,
        `Too many fine-tuning jobs are waiting (${maxQueued}); retry when some have started.`,
        "rate_limit_error",
        null,
        "queue_full",
      );
    }
    const seed = request.seed ?? Math.floor(Math.random() * 2_147_483_647);
    const job = await insertJob(store, request, seed);
    await addEvent(store, job.id, { type: "message", message: `Created fine-tuning job: ${job.id}` });
    scheduler.submit(job.id);
    return c.json(toJobObject(job));
  });

  app.get("/", async (c) => {
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(c.req.queries())) {
      const match = /^metadata\[(.+)\]$/.exec(key);
      if (match?.[1] && value[0] !== undefined) metadata[match[1]] = value[0];
    }
    const after = c.req.query("after");
    const page = await listJobs(store, {
      limit: queryInt(c.req.query("limit"), "limit", 20),
      metadata,
      ...(after ? { after } : {}),
    });
    if (!page) throw unknownCursor(after ?? "", "a fine-tuning job");
    const { rows, hasMore } = page;
    return c.json({ object: "list", data: rows.map(toJobObject), has_more: hasMore });
  });

  app.get("/:id", async (c) => c.json(toJobObject(await jobOr404(store, c.req.param("id")))));

  app.post("/:id/cancel", async (c) => {
    const job = await jobOr404(store, c.req.param("id"));
    if (FINISHED.has(job.status as JobStatus)) {
      throw new OpenAIHttpError(
        409,
        `Job ${job.id} has already ${job.status === "succeeded" ? "completed" : job.status === "cancelled" ? "been cancelled" : job.status} and cannot be cancelled.`,
        "invalid_request_error",
        null,
        "job_finished",
      );
    }
    await scheduler.cancel(job.id);
    return c.json(toJobObject(await jobOr404(store, job.id)));
  });

  // OpenAI's pause: a running job that has trained at least one step stops at its next step boundary, with a checkpoint
  app.post("/:id/pause", async (c) => {
    const job = await jobOr404(store, c.req.param("id"));
    if (job.status === "running" && (await lastMetricsStep(store, job.id)) === 0)
      throw conflict(`Job ${job.id} has not trained a step yet; pause it once it has (its events show each step).`, "job_not_pausable");
    if (job.status !== "running" || !(await scheduler.pause(job.id)))
      throw conflict(`Job ${job.id} is ${(await jobOr404(store, job.id)).status}; only a running job can be paused.`, "job_not_pausable");
    return c.json(toJobObject(await jobOr404(store, job.id)));
  });

  app.post("/:id/resume", async (c) => {
    const job = await jobOr404(store, c.req.param("id"));
    if (!(await scheduler.resumeJob(job.id))) {
      const status = (await jobOr404(store, job.id)).status;
      throw conflict(
        status === "pausing"
          ? `Job ${job.id} is still pausing; resume it once its status is paused.`
          : `Job ${job.id} is ${status}; only a paused job can be resumed.`,
        "job_not_resumable",
      );
    }
    return c.json(toJobObject(await jobOr404(store, job.id)));
  });

  app.get("/:id/events", async (c) => {
    const job = await jobOr404(store, c.req.param("id"));
    const after = c.req.query("after");
    const page = await listEvents(store, job.id, {
      limit: queryInt(c.req.query("limit"), "limit", 20, 10_000),
      ...(after ? { after } : {}),
    });
    if (!page) throw unknownCursor(after ?? "", `an event of ${job.id}`);
    return c.json(page);
  });

  app.get("/:id/checkpoints", async (c) => {
    const job = await jobOr404(store, c.req.param("id"));
    const after = c.req.query("after");
    const page = await listCheckpoints(store, job.id, { limit: queryInt(c.req.query("limit"), "limit", 10), ...(after ? { after } : {}) });
    if (!page) throw unknownCursor(after ?? "", `a checkpoint of ${job.id}`);
    return c.json(page);
  });

  return app;
}

/** A checkpoint to resume from: one this engine has (or adopts now), of a job on the same base, with its training state. */
async function checkResumable(tunedModels: TunedModels, id: string, model: string): Promise<void> {
  const row = await tunedModels.find(id);
  if (!row)
    throw new OpenAIHttpError(404, `The checkpoint ${id} does not exist.`, "invalid_request_error", "resume_from", "model_not_found");
  if (!existsSync(join(row.dir, "state.json")) || !existsSync(join(row.dir, "optimizer.bin")))
    throw badRequest(`${id} is a model, not a checkpoint with a training state to resume from.`, "resume_from", "invalid_checkpoint");
  if (row.base_model !== model)
    throw badRequest(`${id} was trained from ${row.base_model}, not ${model}.`, "resume_from", "invalid_checkpoint");
}

const conflict = (message: string, code: string) => new OpenAIHttpError(409, message, "invalid_request_error", null, code);

async function jobOr404(store: EngineStore, id: string) {
  const job = await findJob(store, id);
  if (!job) throw notFound("fine-tuning job", id, "fine_tuning_job_id");
  return job;
}
