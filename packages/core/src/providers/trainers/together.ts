import { TunelabError } from "@tunelab/base";
import type { ResolvedHyperparameters } from "../../experiments/hyperparameters.ts";
import { type FetchLike, ProviderHttp, statusOf } from "./http.ts";
import { retryTransient } from "./retry-transient.ts";
import type { JobRequest, Trainer, TrainerJob, TrainerJobStatus, TrainerMetrics } from "./trainer.ts";

/**
 * Together AI's fine-tuning API (documented shapes, read 2026-12-02):
 * - upload: `POST /v1/files/upload`, multipart `purpose`, `file_name`, `file`, `file_type`
 *   https://docs.together.ai/reference/upload-file ; `GET /v1/files/{id}`
 * - create: `POST /v1/fine-tunes` https://docs.together.ai/reference/post-fine-tunes (`training_type`
 *   `{type:"Lora", lora_r, lora_alpha, lora_dropout, lora_trainable_modules}` or `{type:"Full"}`; `training_method`
 *   `{method:"sft", train_on_inputs}` or `{method:"dpo", dpo_beta}`; `random_seed`; `suffix` up to 64 characters)
 * - status: `GET /v1/fine-tunes/{id}` https://docs.together.ai/reference/get-fine-tunes-id (status `pending, queued,
 *   running, compressing, uploading, cancel_requested, cancelled, error, completed`; `model_output_name` is the model
 *   to call for inference; `token_count`)
 * - list: `GET /v1/fine-tunes` https://docs.together.ai/reference/get-fine-tunes (`{data: [...]}`): not paged. It
 *   documents no parameters (no limit, cursor or has_more) and answers every job of the account at once
 *   (`FinetuneTruncatedList`, jobs without their events; togethercomputer/openapi openapi.yaml, read 2026-12-05)
 * - events: `GET /v1/fine-tunes/{id}/events` https://docs.together.ai/reference/get-fine-tunes-id-events
 * - metrics: `GET /v1/fine-tunes/{id}/metrics?global_step_from=N` (`{metrics: [{"train/loss", "train/global_step"}]}`)
 *   https://docs.together.ai/reference/get-fine-tunes-id-metrics
 * - cancel: `POST /v1/fine-tunes/{id}/cancel` https://docs.together.ai/reference/post-fine-tunes-id-cancel
 * Jobs have no metadata: the suffix carries `tl-<experiment>` so a job is found again after a crash, and before a job
 * creation that failed transiently (5xx, no answer) is tried again (retryTransient), so it never makes two jobs.
 * Data: Together takes OpenAI's chat JSONL (`messages`, per-message `weight`) and OpenAI's preference JSONL
 * (`input`, `preferred_output`, `non_preferred_output`) as they are, so files are uploaded unchanged.
 */
export interface TogetherOptions {
  provider: string;
  baseURL: string;
  apiKey: string;
  fetch?: FetchLike;
}

/** Together's documented default learning rate (1e-5): `learning_rate_multiplier` scales it. */
export const TOGETHER_BASE_LEARNING_RATE = 0.00001;
/** The LoRA values sent when a LoRA setting is given but not every one (tunelab's documented `auto`s). */
const LORA_AUTO = { lora_r: 16, lora_alpha: 32 } as const;

interface TogetherJob {
  id: string;
  status: string;
  created_at?: string;
  updated_at?: string;
  model_output_name?: string;
  suffix?: string;
  token_count?: number;
  n_epochs?: number;
  batch_size?: number | "max";
  learning_rate?: number;
  training_type?:
    | { type: "Full" }
    | { type: "Lora"; lora_r: number; lora_alpha: number; lora_dropout?: number; lora_trainable_modules?: string };
  training_method?: { method: "sft"; train_on_inputs?: boolean | "auto" } | { method: "dpo"; dpo_beta?: number };
  random_seed?: number | null;
  events?: Array<{ type: string; message: string; level?: string | null; step?: number; total_steps?: number }>;
}

/** The suffix that names an experiment's job: the user's suffix (if any), then `tl-<experiment id>` (≤ 64). */
export function togetherSuffix(experimentId: string, suffix: string | null): string {
  const tag = `tl-${experimentId.replace(/^exp_/, "")}`;
  return suffix ? `${suffix.slice(0, 63 - tag.length)}-${tag}` : tag;
}

/** The body of `POST /v1/fine-tunes` for a request: tunelab's names mapped to Together's, only what was set. */
export function togetherJobBody(request: JobRequest): Record<string, unknown> {
  const h = request.hyperparameters;
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const body: Record<string, unknown> = {
    training_file: request.trainingFile,
    model: request.baseModel,
    ...(request.validationFile ? { validation_file: request.validationFile } : {}),
    suffix: togetherSuffix(request.experimentId, request.suffix),
    random_seed: request.seed,
  };
  if (num(h.n_epochs) !== undefined) body.n_epochs = h.n_epochs;
  if (num(h.batch_size) !== undefined) body.batch_size = h.batch_size;
  const multiplier = num(h.learning_rate_multiplier);
  if (multiplier !== undefined) body.learning_rate = Number((multiplier * TOGETHER_BASE_LEARNING_RATE).toPrecision(6));
  if (request.method === "dpo") body.training_method = { method: "dpo", ...(num(h.beta) !== undefined ? { dpo_beta: h.beta } : {}) };
  else {
    const plw = num(h.prompt_loss_weight);
    body.training_method = { method: "sft", train_on_inputs: plw === undefined ? "auto" : plw > 0 };
  }
  if (h.training_type === "full") body.training_type = { type: "Full" };
  else {
    const loraSet = [h.lora_rank, h.lora_alpha, h.lora_dropout, h.lora_target_modules].some((v) => v !== undefined && v !== "auto");
    if (loraSet || h.training_type === "lora") {
      const r = num(h.lora_rank) ?? LORA_AUTO.lora_r;
      const targets = h.lora_target_modules;
      body.training_type = {
        type: "Lora",
        lora_r: r,
        lora_alpha: num(h.lora_alpha) ?? LORA_AUTO.lora_alpha,
        ...(num(h.lora_dropout) !== undefined ? { lora_dropout: h.lora_dropout } : {}),
        ...(targets && targets !== "auto" ? { lora_trainable_modules: Array.isArray(targets) ? targets.join(",") : targets } : {}),
      };
    }
  }
  return body;
}

export function togetherTrainer(options: TogetherOptions): Trainer {
  const http = new ProviderHttp({
    provider: options.provider,
    baseURL: options.baseURL,
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  /**
   * The job of an experiment, known by the `tl-<experiment>` tag of its suffix (or its output model's name). Together's
   * list is not paged (see above), so there is no page to follow: an account with thousands of jobs is one answer of a
   * few MB (0.6 KB a job in the replica's documented shape: 10,000 jobs, 6 MB, found in about 0.1 s over loopback), read
   * in one request (within PROVIDER_REQUEST_TIMEOUT_MS) and looked through in one pass without copies. When several
   * jobs carry the tag, the newest is the experiment's (the list's order is not documented).
   */
  const findJob = async (experimentId: string, signal: AbortSignal) => {
    const tag = togetherSuffix(experimentId, null);
    const list = await http.json<{ data?: TogetherJob[] } | null>("GET", "/fine-tunes", { signal });
    const jobs = list?.data;
    if (!Array.isArray(jobs)) {
      throw new TunelabError("io_error", `provider ${options.provider}: GET /fine-tunes answered without a list of jobs (data)`, {
        details: { provider: options.provider, status: undefined },
      });
    }
    let found: TogetherJob | undefined;
    let foundAt = Number.NEGATIVE_INFINITY;
    for (const job of jobs) {
      if (!job.suffix?.endsWith(tag) && !job.model_output_name?.includes(tag)) continue;
      const createdAt = job.created_at ? Date.parse(job.created_at) : Number.NaN;
      const at = Number.isNaN(createdAt) ? Number.NEGATIVE_INFINITY : createdAt;
      if (!found || at > foundAt) {
        found = job;
        foundAt = at;
      }
    }
    return found?.id;
  };
  return {
    kind: "together",
    async uploadFile(file, signal) {
      const form = new FormData();
      form.set("purpose", "fine-tune");
      form.set("file_name", file.name);
      form.set("file_type", "jsonl");
      form.set("file", new Blob([new Uint8Array(file.content)], { type: "application/jsonl" }), file.name);
      // a retry after a lost answer may leave an unused copy of the file on Together (not trained on, not billed)
      return retryTransient(async () => (await http.json<{ id: string }>("POST", "/files/upload", { body: form, signal })).id, {
        provider: options.provider,
        call: "POST /files/upload",
        signal,
      });
    },
    async fileExists(id, signal) {
      try {
        await http.json("GET", `/files/${encodeURIComponent(id)}`, { signal });
        return true;
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw error;
      }
    },
    async createJob(request, signal) {
      return retryTransient(
        async () => (await http.json<{ id: string }>("POST", "/fine-tunes", { body: togetherJobBody(request), signal })).id,
        {
          provider: options.provider,
          call: "POST /fine-tunes",
          signal,
          alreadyDone: () => findJob(request.experimentId, signal),
        },
      );
    },
    findJob,
    async getJob(id, signal) {
      const job = await http.json<TogetherJob>("GET", `/fine-tunes/${encodeURIComponent(id)}`, { signal });
      const status = normalStatus(job.status);
      const seconds = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) : null);
      const failure = [...(job.events ?? [])].reverse().find((e) => e.type === "job_error" || e.level === "error");
      return {
        id: job.id,
        status,
        providerStatus: job.status,
        tunedModel: status === "succeeded" ? (job.model_output_name ?? null) : null,
        trainedTokens: job.token_count ?? null,
        createdAt: seconds(job.created_at),
        finishedAt: status === "succeeded" || status === "failed" || status === "cancelled" ? seconds(job.updated_at) : null,
        error: status === "failed" ? (failure?.message ?? "the job ended in error") : null,
        resolved: resolved(job),
      } satisfies TrainerJob;
    },
    async newEvents(id, seen, signal) {
      const steps = [...seen].map(Number).filter(Number.isFinite);
      const from = steps.length ? Math.max(...steps) + 1 : 0;
      const [metrics, events] = await Promise.all([
        http.json<{ metrics?: Array<Record<string, number>> }>("GET", `/fine-tunes/${encodeURIComponent(id)}/metrics`, {
          query: { global_step_from: from },
          signal,
        }),
        http.json<{ data: Array<{ total_steps?: number; level?: string | null; message?: string; created_at?: string }> }>(
          "GET",
          `/fine-tunes/${encodeURIComponent(id)}/events`,
          { signal },
        ),
      ]);
      const total = events.data.map((e) => e.total_steps).find((t): t is number => typeof t === "number");
      const fresh: TrainerMetrics[] = [];
      for (const row of metrics.metrics ?? []) {
        const step = row["train/global_step"];
        if (typeof step !== "number" || seen.has(String(step))) continue;
        seen.add(String(step));
        fresh.push({
          step,
          ...(total !== undefined ? { total_steps: total } : {}),
          ...(typeof row["train/loss"] === "number" ? { train_loss: row["train/loss"] } : {}),
          ...(typeof row["eval/loss"] === "number" ? { valid_loss: row["eval/loss"] } : {}),
        });
      }
      // Together's events have no id: a warning is known by its time and text
      const warnings: string[] = [];
      for (const event of events.data) {
        if (event.level !== "warning" || typeof event.message !== "string") continue;
        const key = `warning:${event.created_at ?? ""}:${event.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        warnings.push(event.message);
      }
      return { metrics: fresh, warnings };
    },
    async cancelJob(id) {
      await http.json("POST", `/fine-tunes/${encodeURIComponent(id)}/cancel`);
    },
  };
}

function normalStatus(status: string): TrainerJobStatus {
  switch (status) {
    case "completed":
      return "succeeded";
    case "error":
      return "failed";
    case "cancelled":
      return "cancelled";
    case "running":
    case "compressing":
    case "uploading":
    case "cancel_requested":
      return "running";
    default:
      return "queued"; // pending, queued
  }
}

/** What Together trained with, in tunelab's names. */
function resolved(job: TogetherJob): ResolvedHyperparameters | null {
  const out: ResolvedHyperparameters = {};
  if (typeof job.n_epochs === "number") out.n_epochs = job.n_epochs;
  if (job.batch_size !== undefined) out.batch_size = job.batch_size;
  if (typeof job.learning_rate === "number") {
    out.learning_rate = job.learning_rate;
    out.learning_rate_multiplier = Number((job.learning_rate / TOGETHER_BASE_LEARNING_RATE).toPrecision(6));
  }
  const type = job.training_type;
  if (type?.type === "Full") out.training_type = "full";
  if (type?.type === "Lora") {
    out.training_type = "lora";
    out.lora_rank = type.lora_r;
    out.lora_alpha = type.lora_alpha;
    if (typeof type.lora_dropout === "number") out.lora_dropout = type.lora_dropout;
    if (type.lora_trainable_modules) out.lora_target_modules = type.lora_trainable_modules.split(",");
  }
  if (job.training_method?.method === "dpo" && typeof job.training_method.dpo_beta === "number") out.beta = job.training_method.dpo_beta;
  return Object.keys(out).length ? out : null;
}
