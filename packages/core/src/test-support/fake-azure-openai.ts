// A loopback replica of Azure OpenAI's v1 fine-tuning API, for tests: OpenAI's shapes under /openai/v1
// (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/fine-tuning, the v1 reference's POST /fine_tuning/jobs
// with `metadata` and `user_provided_suffix`, read 2026-12-02), authenticated by the `api-key` header (a key sent as a
// bearer token is refused), files that are `pending` until imported, and chat completions that take a DEPLOYMENT name
// as `model` (a model id is refused, as Azure answers DeploymentNotFound). Malformed job requests are refused.
// It misbehaves on demand: a failed job, 429s with Retry-After, 5xx answers, a connection reset after the work was
// done, a hook when a job is created (a hook that returns a
// promise holds the create response until it settles), jobs held `running` (`holdRunning`).
// With `flavour: "openai"` it is OpenAI's own API instead (https://platform.openai.com/docs/api-reference/fine-tuning,
// read 2026-12-02): the same job, file and event shapes under /v1, the key as a bearer token, files usable at once,
// tuned models named `ft:BASE:ORG:SUFFIX:ID`, and chat completions that take the model id itself.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

const Hyper = z.record(z.string(), z.union([z.literal("auto"), z.number()]));
export const AzureJobBody = z.strictObject({
  model: z.string(),
  training_file: z.string(),
  validation_file: z.string().nullable().optional(),
  suffix: z.string().max(64).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  metadata: z.record(z.string(), z.string().max(512)).nullable().optional(),
  hyperparameters: Hyper.optional(),
  integrations: z.array(z.unknown()).nullable().optional(),
  method: z
    .union([
      z.strictObject({
        type: z.literal("supervised"),
        supervised: z.strictObject({
          hyperparameters: z.strictObject({
            n_epochs: z.union([z.literal("auto"), z.number().int()]).optional(),
            batch_size: z.union([z.literal("auto"), z.number().int()]).optional(),
            learning_rate_multiplier: z.union([z.literal("auto"), z.number()]).optional(),
          }),
        }),
      }),
      z.strictObject({
        type: z.literal("dpo"),
        dpo: z.strictObject({
          hyperparameters: z.strictObject({
            n_epochs: z.union([z.literal("auto"), z.number().int()]).optional(),
            batch_size: z.union([z.literal("auto"), z.number().int()]).optional(),
            learning_rate_multiplier: z.union([z.literal("auto"), z.number()]).optional(),
            beta: z.union([z.literal("auto"), z.number()]).optional(),
          }),
        }),
      }),
    ])
    .optional(),
});

export interface FakeAzureOptions {
  /** `azure` (default): Azure OpenAI's v1 API; `openai`: OpenAI's own. */
  flavour?: "azure" | "openai";
  apiKey: string;
  models: string[];
  /** Deployment name → the model it serves (Azure only). */
  deployments: Record<string, string>;
  failModel?: string;
  steps?: number;
  /** The first number of its ids (default 1): replicas standing for different machines' engines share no job id. */
  firstId?: number;
  answer?: (model: string, lastUserText: string, tuned: boolean) => string;
  /**
   * Models that answer chat completions as OpenAI's reasoning models do: `max_tokens` is a 400 `unsupported_parameter`,
   * a temperature other than 1 a 400 `unsupported_value` (their documented messages, param and code). When given,
   * every other model refuses `reasoning_effort` as a model that does not reason does: OpenAI's 400 "Unrecognized
   * request argument supplied: reasoning_effort" (param and code null), Azure's "Unknown parameter" (`unknown_parameter`).
   */
  reasoningModels?: string[];
}

interface Job {
  id: string;
  body: z.infer<typeof AzureJobBody>;
  status: string;
  step: number;
  created_at: number;
  finished_at: number | null;
  events: Array<Record<string, unknown>>;
  /** Why validating the training file fails the job (OpenAI validates after the create answered). */
  invalid: string | null;
  /** Polls left, once succeeded, with `fine_tuned_model: null`. */
  unnamedPolls: number;
}

export interface FakeAzure {
  /** `…/openai/v1`, as `baseURL` in tunelab.config.json. */
  baseURL: string;
  requests: Array<{ method: string; path: string; body: unknown }>;
  refused: Array<{ path: string; reason: string }>;
  jobs: Map<string, Job>;
  deployments: Record<string, string>;
  /** The model id a job's tuned model gets (`BASE.ft-N[-suffix]`). */
  tunedName(job: Job): string;
  rateLimit(route: string, count: number, seconds?: number): void;
  /**
   * The next `count` requests to a route (`METHOD /path` prefix) are carried out as usual, but the connection is reset
   * instead of answering (the client cannot tell whether the call took effect: a job created, a file stored).
   */
  resetNext(route: string, count?: number): void;
  /** The next `count` requests to a route (`METHOD /path?query` prefix) answer `status` in OpenAI's error envelope. */
  failNext(route: string, status: number, count?: number, message?: string): void;
  /** Called after a job is stored, before its response is sent (a returned promise delays the response). */
  onCreate?: ((job: Job) => void | Promise<void>) | undefined;
  /** While true, a running job stays `running` on every poll (no step) until the test sets it false. */
  holdRunning: boolean;
  /**
   * Polls a job answers `succeeded` with `fine_tuned_model: null` before it names its tuned model (as OpenAI can while
   * the model is still being published); Infinity never names it. Taken by each job when it is created (default 0).
   */
  unnamedPolls: number;
  close(): Promise<void>;
}

export async function startFakeAzure(options: FakeAzureOptions): Promise<FakeAzure> {
  const openai = options.flavour === "openai";
  const prefix = openai ? "/v1" : "/openai/v1";
  const limits: Array<{ route: string; count: number; seconds: number }> = [];
  const resets: Array<{ route: string; count: number }> = [];
  const resetting = new WeakSet<ServerResponse>();
  const failures: Array<{ route: string; status: number; count: number; message: string }> = [];
  const files = new Map<string, { status: string; polls: number; filename: string; problem: string | null }>();
  let nextId = options.firstId ?? 1;
  const totalSteps = options.steps ?? 2;
  const fake: FakeAzure = {
    baseURL: "",
    requests: [],
    refused: [],
    jobs: new Map(),
    deployments: options.deployments,
    holdRunning: false,
    unnamedPolls: 0,
    tunedName: (job) => tunedName(job),
    rateLimit(route, count, seconds = 1) {
      limits.push({ route, count, seconds });
    },
    resetNext(route, count = 1) {
      resets.push({ route, count });
    },
    failNext(route, status, count = 1, message = "The server had an error while processing your request.") {
      failures.push({ route, status, count, message });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const send = (res: ServerResponse, status: number, value: unknown) => {
    if (resetting.has(res)) return res.socket?.destroy();
    res.statusCode = status;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(value));
  };
  const refuse = (res: ServerResponse, path: string, reason: string, code = "invalid_request_error") => {
    fake.refused.push({ path, reason });
    send(res, 400, { error: { code, message: reason } });
  };
  const tunedName = (job: Job) =>
    openai
      ? `ft:${job.body.model}:tunelab-org:${job.body.suffix ?? ""}:${job.id.replace(/^ftjob-/, "")}`
      : `${job.body.model}.ft-${job.id.replace(/^ftjob-/, "")}${job.body.suffix ? `-${job.body.suffix}` : ""}`;
  const view = (job: Job) => ({
    id: job.id,
    object: "fine_tuning.job",
    created_at: job.created_at,
    finished_at: job.finished_at,
    model: job.body.model,
    fine_tuned_model: job.status === "succeeded" && job.unnamedPolls <= 0 ? tunedName(job) : null,
    organization_id: "",
    result_files: [],
    status: job.status,
    training_file: job.body.training_file,
    validation_file: job.body.validation_file ?? null,
    trained_tokens: job.status === "succeeded" ? 2048 : null,
    seed: job.body.seed ?? 0,
    metadata: job.body.metadata ?? {},
    user_provided_suffix: job.body.suffix ?? null,
    hyperparameters: { n_epochs: 3, batch_size: 1, learning_rate_multiplier: 1 },
    method: job.body.method ?? { type: "supervised", supervised: { hyperparameters: {} } },
    error:
      job.status !== "failed"
        ? null
        : job.invalid
          ? { code: "invalid_training_file", message: job.invalid, param: "training_file" }
          : { code: "internal_error", message: "fake: the training data produced a loss of NaN", param: null },
  });
  const advance = (job: Job) => {
    const now = Math.floor(Date.now() / 1000);
    if (job.status === "pending" && job.invalid) {
      job.status = "failed";
      job.finished_at = now;
    } else if (job.status === "pending") job.status = "running";
    else if (job.status === "running") {
      if (fake.holdRunning) return;
      job.step++;
      job.events.unshift({
        id: `ftevent-${nextId++}`,
        object: "fine_tuning.job.event",
        created_at: now,
        level: "info",
        message: `Step ${job.step}/${totalSteps}`,
        type: "metrics",
        data: { step: job.step, total_steps: totalSteps, train_loss: 1 / job.step, train_mean_token_accuracy: 0.5 },
      });
      if (job.body.model === options.failModel) {
        job.status = "failed";
        job.finished_at = now;
      } else if (job.step >= totalSteps) {
        job.status = "succeeded";
        job.finished_at = now;
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const raw = await readBody(req);
    const reset = resets.find((r) => r.count > 0 && `${method} ${path}${url.search}`.startsWith(r.route));
    if (reset) {
      reset.count--;
      resetting.add(res);
    }
    const limit = limits.find((l) => l.count > 0 && `${method} ${path}${url.search}`.startsWith(l.route));
    if (limit) {
      limit.count--;
      res.setHeader("retry-after", String(limit.seconds));
      fake.requests.push({ method, path: path + url.search, body: "(429)" });
      return send(res, 429, { error: { code: "429", message: "Requests have exceeded the rate limit" } });
    }
    const failure = failures.find((f) => f.count > 0 && `${method} ${path}${url.search}`.startsWith(f.route));
    if (failure) {
      failure.count--;
      fake.requests.push({ method, path: path + url.search, body: `(${failure.status})` });
      return send(res, failure.status, {
        error: {
          type: failure.status >= 500 ? "server_error" : "invalid_request_error",
          code: null,
          param: null,
          message: failure.message,
        },
      });
    }
    if (openai) {
      if (req.headers.authorization !== `Bearer ${options.apiKey}`)
        // OpenAI masks the key it quotes (sk-ab***yz); this replica quotes it whole, to catch a message that prints it
        return send(res, 401, {
          error: {
            code: "invalid_api_key",
            message: `Incorrect API key provided: ${String(req.headers.authorization).replace(/^Bearer /, "")}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          },
        });
    } else {
      if (req.headers.authorization)
        return send(res, 401, { error: { code: "401", message: "a key sent as a bearer token is not an Entra ID token" } });
      if (req.headers["api-key"] !== options.apiKey)
        return send(res, 401, { error: { code: "401", message: "Access denied due to invalid subscription key" } });
      const version = url.searchParams.get("api-version");
      if (version !== null && version !== "v1" && version !== "preview")
        return refuse(res, path, `api-version ${version} is not supported by the v1 API`);
    }

    if (method === "POST" && path === `${prefix}/files`) {
      const form = await new Request("http://fake/f", {
        method: "POST",
        headers: { "content-type": req.headers["content-type"] ?? "" },
        body: raw,
      })
        .formData()
        .catch(() => null);
      fake.requests.push({
        method,
        path,
        body: form ? Object.fromEntries([...form.keys()].map((k) => [k, typeof form.get(k) === "string" ? form.get(k) : "(file)"])) : null,
      });
      if (!form) return refuse(res, path, "expected multipart/form-data");
      if (form.get("purpose") !== "fine-tune") return refuse(res, path, "purpose must be fine-tune");
      const file = form.get("file");
      if (!file || typeof file === "string") return refuse(res, path, "file is required");
      const id = `file-${String(nextId++).padStart(6, "0")}`;
      const status = openai ? "processed" : "pending";
      files.set(id, { status, polls: 0, filename: file.name, problem: trainingFileProblem(await file.text()) });
      return send(res, 200, {
        id,
        object: "file",
        bytes: file.size,
        created_at: 0,
        filename: file.name,
        purpose: "fine-tune",
        status,
      });
    }
    const body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
    fake.requests.push({ method, path: path + url.search, body });
    const fileMatch = new RegExp(`^${prefix}/files/([\\w-]+)$`).exec(path);
    if (method === "GET" && fileMatch?.[1]) {
      const file = files.get(fileMatch[1]);
      if (!file) return send(res, 404, { error: { code: "404", message: "file not found" } });
      if (++file.polls >= 2) file.status = "processed";
      return send(res, 200, {
        id: fileMatch[1],
        object: "file",
        bytes: 1,
        created_at: 0,
        filename: file.filename,
        purpose: "fine-tune",
        status: file.status,
      });
    }
    if (method === "POST" && path === `${prefix}/fine_tuning/jobs`) {
      const parsed = AzureJobBody.safeParse(body);
      if (!parsed.success)
        return refuse(res, path, `${parsed.error.issues[0]?.path.join(".") || "body"}: ${parsed.error.issues[0]?.message}`);
      const file = files.get(parsed.data.training_file);
      if (!file) return refuse(res, path, `training_file ${parsed.data.training_file} not found`);
      if (file.status !== "processed") return refuse(res, path, "The training file is not ready (status pending)", "fileNotProcessed");
      if (!options.models.includes(parsed.data.model)) return refuse(res, path, `model ${parsed.data.model} cannot be fine-tuned`);
      const job: Job = {
        id: `ftjob-${nextId++}`,
        body: parsed.data,
        status: "pending",
        step: 0,
        created_at: Math.floor(Date.now() / 1000),
        finished_at: null,
        events: [],
        invalid: file.problem,
        unnamedPolls: fake.unnamedPolls,
      };
      fake.jobs.set(job.id, job);
      await fake.onCreate?.(job);
      return send(res, 201, view(job));
    }
    if (method === "GET" && path === `${prefix}/fine_tuning/jobs`)
      return send(res, 200, { object: "list", data: [...fake.jobs.values()].reverse().map(view), has_more: false });
    const jobMatch = new RegExp(`^${prefix}/fine_tuning/jobs/([\\w-]+)(/events|/cancel)?$`).exec(path);
    if (jobMatch?.[1]) {
      const job = fake.jobs.get(jobMatch[1]);
      if (!job) return send(res, 404, { error: { code: "404", message: "job not found" } });
      if (method === "GET" && !jobMatch[2]) {
        if (job.status === "succeeded") job.unnamedPolls--;
        advance(job);
        return send(res, 200, view(job));
      }
      if (method === "GET" && jobMatch[2] === "/events") return send(res, 200, { object: "list", data: job.events, has_more: false });
      if (method === "POST" && jobMatch[2] === "/cancel") {
        job.status = "cancelled";
        job.finished_at = Math.floor(Date.now() / 1000);
        return send(res, 200, view(job));
      }
    }
    if (method === "POST" && path === `${prefix}/chat/completions`) {
      const chat = body as { model?: string; messages?: Array<{ role: string; content: unknown }> };
      const known = (model: string) =>
        options.models.includes(model) || [...fake.jobs.values()].some((j) => j.status === "succeeded" && tunedName(j) === model);
      const served = !chat?.model ? undefined : openai ? (known(chat.model) ? chat.model : undefined) : fake.deployments[chat.model];
      if (!served && openai)
        return send(res, 404, { error: { code: "model_not_found", message: `The model \`${chat?.model}\` does not exist` } });
      if (!served)
        return send(res, 404, { error: { code: "DeploymentNotFound", message: `The API deployment ${chat?.model} does not exist` } });
      const sampling = body as { max_tokens?: unknown; temperature?: unknown; reasoning_effort?: unknown };
      if (options.reasoningModels && !options.reasoningModels.includes(served) && sampling.reasoning_effort !== undefined)
        return send(res, 400, {
          error: openai
            ? {
                message: "Unrecognized request argument supplied: reasoning_effort",
                type: "invalid_request_error",
                param: null,
                code: null,
              }
            : {
                message: "Unknown parameter: 'reasoning_effort'.",
                type: "invalid_request_error",
                param: "reasoning_effort",
                code: "unknown_parameter",
              },
        });
      if (options.reasoningModels?.includes(served) && sampling.max_tokens !== undefined)
        return send(res, 400, {
          error: {
            message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
            type: "invalid_request_error",
            param: "max_tokens",
            code: "unsupported_parameter",
          },
        });
      if (options.reasoningModels?.includes(served) && sampling.temperature !== undefined && sampling.temperature !== 1)
        return send(res, 400, {
          error: {
            message: `Unsupported value: 'temperature' does not support ${String(sampling.temperature)} with this model. Only the default (1) value is supported.`,
            type: "invalid_request_error",
            param: "temperature",
            code: "unsupported_value",
          },
        });
      const tuned = [...fake.jobs.values()].some((j) => j.status === "succeeded" && tunedName(j) === served);
      const last = [...(chat.messages ?? [])].reverse().find((m) => m.role === "user");
      const text = typeof last?.content === "string" ? last.content : "";
      const content = options.answer ? options.answer(served, text, tuned) : tuned ? "Yes" : "Maybe";
      return send(res, 200, {
        id: `chatcmpl-${nextId++}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: served,
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
        usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
      });
    }
    send(res, 404, { error: { code: "404", message: `no route ${method} ${path}` } });
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: { code: "500", message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
  return fake;
}

/** The keys OpenAI's supervised and preference lines may have (its reinforcement lines may have any). */
const SUPERVISED_KEYS = ["messages", "tools", "parallel_tool_calls", "functions"];
const PREFERENCE_KEYS = ["input", "preferred_output", "non_preferred_output"];

/** OpenAI's file validation of a training file: a line with a key its format does not document fails the job. */
function trainingFileProblem(text: string): string | null {
  const lines = text.split("\n").filter((line) => line.trim());
  for (const [i, line] of lines.entries()) {
    const example = JSON.parse(line) as Record<string, unknown>;
    const allowed = "messages" in example ? SUPERVISED_KEYS : PREFERENCE_KEYS;
    const extra = Object.keys(example).find((key) => !allowed.includes(key));
    if (extra) return `The job failed due to an invalid training file. Invalid file format. Example ${i + 1} contains an extra "${extra}".`;
  }
  return null;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
