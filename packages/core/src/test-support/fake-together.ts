// A loopback replica of Together AI's fine-tuning API, for tests. It follows the documented request and response
// shapes (https://docs.together.ai/reference/upload-file, /post-fine-tunes, /get-fine-tunes-id, /get-fine-tunes,
// /get-fine-tunes-id-events, /get-fine-tunes-id-metrics, /post-fine-tunes-id-cancel, read 2026-12-02) and REFUSES a
// request whose shape does not match (unknown or misspelt fields, wrong types), as the real API's validation does, so
// an adapter that sends a wrong field name fails its test. Chat completions are OpenAI-compatible and deterministic.
// It misbehaves on demand: a job that fails, 429s with Retry-After, 5xx answers, a connection reset after the work was done, a hook when a job is created (to kill the client;
// a hook that returns a promise holds the create response until it settles), jobs held `running` (`holdRunning`).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

const Lora = z.strictObject({
  type: z.literal("Lora"),
  lora_r: z.number().int().positive(),
  lora_alpha: z.number().positive(),
  lora_dropout: z.number().min(0).max(1).optional(),
  lora_trainable_modules: z.string().optional(),
});
const Full = z.strictObject({ type: z.literal("Full") });
const Sft = z.strictObject({ method: z.literal("sft"), train_on_inputs: z.union([z.boolean(), z.literal("auto")]) });
const Dpo = z.strictObject({
  method: z.literal("dpo"),
  dpo_beta: z.number().optional(),
  dpo_normalize_logratios_by_length: z.boolean().optional(),
  dpo_reference_free: z.boolean().optional(),
  rpo_alpha: z.number().optional(),
  simpo_gamma: z.number().optional(),
});

/** `POST /v1/fine-tunes` as documented: every field the API takes, nothing else. */
export const TogetherCreateBody = z.strictObject({
  training_file: z.string(),
  model: z.string(),
  validation_file: z.string().optional(),
  packing: z.boolean().optional(),
  max_seq_length: z.number().int().optional(),
  n_epochs: z.number().int().min(1).optional(),
  n_checkpoints: z.number().int().optional(),
  n_evals: z.number().int().optional(),
  batch_size: z.union([z.number().int().positive(), z.literal("max")]).optional(),
  learning_rate: z.number().positive().optional(),
  lr_scheduler: z.unknown().optional(),
  warmup_ratio: z.number().optional(),
  max_grad_norm: z.number().optional(),
  weight_decay: z.number().optional(),
  suffix: z.string().max(64).optional(),
  random_seed: z.number().int().nullable().optional(),
  wandb_api_key: z.string().optional(),
  wandb_base_url: z.string().optional(),
  wandb_project_name: z.string().optional(),
  wandb_name: z.string().optional(),
  wandb_entity: z.string().optional(),
  train_on_inputs: z.union([z.boolean(), z.literal("auto")]).optional(),
  training_method: z.union([Sft, Dpo]).optional(),
  training_type: z.union([Full, Lora]).nullable().optional(),
  from_checkpoint: z.string().optional(),
  from_hf_model: z.string().optional(),
  hf_model_revision: z.string().optional(),
  hf_api_token: z.string().optional(),
  hf_output_repo_name: z.string().optional(),
  multimodal_params: z.strictObject({ train_vision: z.boolean().optional() }).optional(),
  gradient_accumulation_steps: z.number().int().optional(),
  early_stopping_enabled: z.boolean().optional(),
});
export type TogetherCreateBody = z.infer<typeof TogetherCreateBody>;

const ChatBody = z.object({
  model: z.string(),
  messages: z.array(z.object({ role: z.string(), content: z.unknown() })).min(1),
});

export interface FakeTogetherOptions {
  apiKey: string;
  /** Base models the fake can tune and serve. */
  models: string[];
  /** Training steps a job reports (one per poll while running; default 3). */
  steps?: number;
  /** A job on this base model fails at step 1 with a job_error event. */
  failModel?: string;
  /** The assistant's answer (deterministic). Default: "Yes" for a tuned model, "Maybe" for a base model. */
  answer?: (model: string, lastUserText: string, tuned: boolean) => string;
}

interface Job {
  id: string;
  body: TogetherCreateBody;
  status: string;
  polls: number;
  step: number;
  created_at: string;
  updated_at: string;
  events: Array<Record<string, unknown>>;
  metrics: Array<Record<string, number>>;
}

export interface FakeTogether {
  baseURL: string;
  /** Every request as received: method, path (with query) and the parsed body (JSON or form fields). */
  requests: Array<{ method: string; path: string; body: unknown }>;
  /** Requests refused as malformed (status 400), with the reason. */
  refused: Array<{ path: string; reason: string }>;
  jobs: Map<string, Job>;
  files: Map<string, { name: string; bytes: number; text: string }>;
  /** The next `count` requests to `METHOD /path-prefix` answer 429 with `Retry-After: seconds`. */
  rateLimit(route: string, count: number, seconds?: number): void;
  /**
   * The next `count` requests to a route (`METHOD /path` prefix) are carried out as usual, but the connection is reset
   * instead of answering (the client cannot tell whether the call took effect: a job created, a file stored).
   */
  resetNext(route: string, count?: number): void;
  /** The next `count` requests to a route (`METHOD /path` prefix) answer `status` before doing anything. */
  failNext(route: string, status: number, count?: number): void;
  /** Called after a job is stored, before its response is sent (a returned promise delays the response). */
  onCreate?: ((job: Job) => void | Promise<void>) | undefined;
  /** While true, a running job stays `running` on every poll (no step, no metrics) until the test sets it false. */
  holdRunning: boolean;
  /**
   * Stores a job as if created earlier (an account's history, for `GET /v1/fine-tunes`): `body` as `POST /v1/fine-tunes`
   * takes it (checked), in `status` (default `completed`), created at `created_at` (default now).
   */
  addJob(job: { body: TogetherCreateBody; status?: string; created_at?: string }): Job;
  close(): Promise<void>;
}

const now = () => new Date().toISOString();

export async function startFakeTogether(options: FakeTogetherOptions): Promise<FakeTogether> {
  const totalSteps = options.steps ?? 3;
  const limits: Array<{ route: string; count: number; seconds: number }> = [];
  const resets: Array<{ route: string; count: number }> = [];
  const resetting = new WeakSet<ServerResponse>();
  const failing: Array<{ route: string; status: number; count: number }> = [];
  let nextId = 1;
  const fake: FakeTogether = {
    baseURL: "",
    requests: [],
    refused: [],
    jobs: new Map(),
    files: new Map(),
    holdRunning: false,
    rateLimit(route, count, seconds = 1) {
      limits.push({ route, count, seconds });
    },
    resetNext(route, count = 1) {
      resets.push({ route, count });
    },
    failNext(route, status, count = 1) {
      failing.push({ route, status, count });
    },
    addJob({ body, status = "completed", created_at = now() }) {
      const job: Job = {
        id: `ft-${String(nextId++).padStart(8, "0")}-fake`,
        body: TogetherCreateBody.parse(body),
        status,
        polls: 0,
        step: 0,
        created_at,
        updated_at: created_at,
        events: [],
        metrics: [],
      };
      fake.jobs.set(job.id, job);
      return job;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const send = (res: ServerResponse, status: number, value: unknown) => {
    if (resetting.has(res)) return res.socket?.destroy();
    res.statusCode = status;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(value));
  };
  const refuse = (res: ServerResponse, path: string, reason: string) => {
    fake.refused.push({ path, reason });
    send(res, 400, { error: { message: reason, type: "invalid_request_error" } });
  };
  const truncated = (job: Job) => ({
    id: job.id,
    status: job.status,
    created_at: job.created_at,
    updated_at: job.updated_at,
    user_id: "user-fake",
    model: job.body.model,
    model_output_name: `fake-org/${job.body.model.split("/").pop()}-${job.body.suffix ?? job.id}`,
    suffix: job.body.suffix,
    training_file: job.body.training_file,
    ...(job.body.validation_file ? { validation_file: job.body.validation_file } : {}),
    n_epochs: job.body.n_epochs ?? 1,
    batch_size: job.body.batch_size ?? "max",
    learning_rate: job.body.learning_rate ?? 0.00001,
    training_method: job.body.training_method ?? { method: "sft", train_on_inputs: "auto" },
    training_type: job.body.training_type ?? {
      type: "Lora",
      lora_r: 8,
      lora_alpha: 16,
      lora_dropout: 0,
      lora_trainable_modules: "all-linear",
    },
    random_seed: job.body.random_seed ?? 42,
    token_count: job.status === "completed" ? 1234 : 0,
  });
  const event = (job: Job, type: string, message: string, extra: Record<string, unknown> = {}) =>
    job.events.push({
      object: "fine-tune-event",
      created_at: now(),
      level: type === "job_error" ? "error" : "info",
      message,
      type,
      ...extra,
    });

  /** One poll moves a job one documented step: pending → queued → running (a step per poll) → compressing → uploading → completed. */
  const advance = (job: Job) => {
    job.polls++;
    const to = (status: string) => {
      job.status = status;
      job.updated_at = now();
    };
    switch (job.status) {
      case "pending":
        return to("queued");
      case "queued":
        event(job, "job_start", "job started");
        return to("running");
      case "running":
        if (fake.holdRunning) return;
        job.step++;
        job.metrics.push({
          "train/loss": Number((2 / (job.step + 1)).toFixed(4)),
          "train/learning_rate": 0.00001,
          "train/global_step": job.step,
        });
        event(job, "checkpoint_save", `step ${job.step}`, { step: job.step, total_steps: totalSteps });
        if (job.body.model === options.failModel) {
          event(job, "job_error", "fake: CUDA out of memory at step 1");
          return to("error");
        }
        if (job.step >= totalSteps) return to("compressing");
        return;
      case "compressing":
        return to("uploading");
      case "uploading":
        event(job, "job_complete", "job complete");
        return to("completed");
      case "cancel_requested":
        return to("cancelled");
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const raw = await readBody(req);
    const reset = resets.find((r) => r.count > 0 && `${method} ${path}`.startsWith(r.route));
    if (reset) {
      reset.count--;
      resetting.add(res);
    }
    const failure = failing.find((f) => f.count > 0 && `${method} ${path}`.startsWith(f.route));
    if (failure) {
      failure.count--;
      fake.requests.push({ method, path: path + url.search, body: `(${failure.status})` });
      return send(res, failure.status, { error: { message: "Internal server error", type: "server_error" } });
    }
    const limit = limits.find((l) => l.count > 0 && `${method} ${path}`.startsWith(l.route));
    if (limit) {
      limit.count--;
      res.setHeader("retry-after", String(limit.seconds));
      fake.requests.push({ method, path: path + url.search, body: "(429)" });
      return send(res, 429, { error: { message: "rate limit exceeded", type: "rate_limit" } });
    }
    if (req.headers.authorization !== `Bearer ${options.apiKey}`)
      return send(res, 401, { error: { message: "invalid api key", type: "invalid_api_key" } });

    if (method === "POST" && path === "/v1/files/upload") {
      const form = await new Request("http://fake/upload", {
        method: "POST",
        headers: { "content-type": req.headers["content-type"] ?? "" },
        body: raw,
      })
        .formData()
        .catch(() => null);
      if (!form) return refuse(res, path, "expected multipart/form-data");
      const fields = Object.fromEntries([...form.keys()].map((k) => [k, typeof form.get(k) === "string" ? form.get(k) : "(file)"]));
      fake.requests.push({ method, path, body: fields });
      const allowed = new Set(["purpose", "file_name", "file", "file_type"]);
      const unknown = [...form.keys()].find((k) => !allowed.has(k));
      if (unknown) return refuse(res, path, `unknown field ${unknown}`);
      const purpose = form.get("purpose");
      if (typeof purpose !== "string" || !["fine-tune", "eval", "batch-api"].includes(purpose))
        return refuse(res, path, "purpose is required");
      const fileName = form.get("file_name");
      if (typeof fileName !== "string" || !fileName) return refuse(res, path, "file_name is required");
      const fileType = form.get("file_type");
      if (fileType !== null && !["csv", "jsonl", "parquet"].includes(String(fileType)))
        return refuse(res, path, "file_type must be csv, jsonl or parquet");
      const file = form.get("file");
      if (!file || typeof file === "string") return refuse(res, path, "file is required");
      const text = await file.text();
      for (const [i, line] of text.split("\n").entries()) {
        if (!line.trim()) continue;
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (!Array.isArray(parsed.messages) && !parsed.preferred_output)
            return refuse(res, path, `line ${i + 1}: neither messages nor preference`);
        } catch {
          return refuse(res, path, `line ${i + 1} is not JSON`);
        }
      }
      const id = `file-${String(nextId++).padStart(8, "0")}`;
      fake.files.set(id, { name: fileName, bytes: text.length, text });
      return send(res, 200, {
        id,
        object: "file",
        created_at: Math.floor(Date.now() / 1000),
        filename: fileName,
        bytes: text.length,
        purpose,
        Processed: true,
        FileType: "jsonl",
        LineCount: text.split("\n").filter((l) => l.trim()).length,
      });
    }

    const body = raw.length ? safeJson(raw.toString("utf8")) : undefined;
    fake.requests.push({ method, path: path + url.search, body });

    const fileMatch = /^\/v1\/files\/([\w-]+)$/.exec(path);
    if (method === "GET" && fileMatch?.[1]) {
      const file = fake.files.get(fileMatch[1]);
      if (!file) return send(res, 404, { error: { message: "file not found" } });
      return send(res, 200, { id: fileMatch[1], object: "file", filename: file.name, bytes: file.bytes, purpose: "fine-tune" });
    }

    if (method === "POST" && path === "/v1/fine-tunes") {
      const parsed = TogetherCreateBody.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return refuse(res, path, `${issue?.path.join(".") || "body"}: ${issue?.message}`);
      }
      if (!fake.files.has(parsed.data.training_file)) return refuse(res, path, `training_file ${parsed.data.training_file} does not exist`);
      if (parsed.data.validation_file && !fake.files.has(parsed.data.validation_file))
        return refuse(res, path, `validation_file ${parsed.data.validation_file} does not exist`);
      if (!options.models.includes(parsed.data.model))
        return refuse(res, path, `model ${parsed.data.model} is not available for fine-tuning`);
      const job: Job = {
        id: `ft-${String(nextId++).padStart(8, "0")}-fake`,
        body: parsed.data,
        status: "pending",
        polls: 0,
        step: 0,
        created_at: now(),
        updated_at: now(),
        events: [],
        metrics: [],
      };
      event(job, "job_pending", "job pending");
      fake.jobs.set(job.id, job);
      await fake.onCreate?.(job);
      return send(res, 200, truncated(job));
    }
    if (method === "GET" && path === "/v1/fine-tunes") {
      // documented without parameters: every job of the account in one answer, unpaged (no limit, after or has_more)
      if (url.search) return refuse(res, path, `GET /v1/fine-tunes takes no parameters, got ${url.search}`);
      return send(res, 200, { data: [...fake.jobs.values()].map(truncated) });
    }

    const jobMatch = /^\/v1\/fine-tunes\/([\w-]+)(\/events|\/metrics|\/cancel)?$/.exec(path);
    const job = jobMatch?.[1] ? fake.jobs.get(jobMatch[1]) : undefined;
    if (jobMatch && !job) return send(res, 404, { error: { message: `fine-tune ${jobMatch[1]} not found` } });
    if (job && method === "GET" && !jobMatch?.[2]) {
      advance(job);
      return send(res, 200, { ...truncated(job), events: job.events });
    }
    if (job && method === "GET" && jobMatch?.[2] === "/events") return send(res, 200, { data: job.events });
    if (job && method === "GET" && jobMatch?.[2] === "/metrics") {
      const from = Number(url.searchParams.get("global_step_from") ?? 0);
      return send(res, 200, { metrics: job.metrics.filter((m) => (m["train/global_step"] ?? 0) >= from) });
    }
    if (job && method === "POST" && jobMatch?.[2] === "/cancel") {
      if (["completed", "error", "cancelled"].includes(job.status)) return send(res, 400, { error: { message: `job is ${job.status}` } });
      job.status = "cancel_requested";
      event(job, "cancel_requested", "cancel requested");
      return send(res, 200, truncated(job));
    }

    if (method === "POST" && path === "/v1/chat/completions") {
      const parsed = ChatBody.safeParse(body);
      if (!parsed.success) return refuse(res, path, "model and messages are required");
      const tunedJob = [...fake.jobs.values()].find(
        (j) => j.status === "completed" && truncated(j).model_output_name === parsed.data.model,
      );
      if (!tunedJob && !options.models.includes(parsed.data.model))
        return send(res, 404, { error: { message: `model ${parsed.data.model} not found` } });
      const last = [...parsed.data.messages].reverse().find((m) => m.role === "user");
      const text = typeof last?.content === "string" ? last.content : "";
      const content = options.answer ? options.answer(parsed.data.model, text, Boolean(tunedJob)) : tunedJob ? "Yes" : "Maybe";
      return send(res, 200, {
        id: `chatcmpl-${nextId++}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: parsed.data.model,
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
        usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
      });
    }
    send(res, 404, { error: { message: `no route ${method} ${path}` } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: { message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return fake;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
