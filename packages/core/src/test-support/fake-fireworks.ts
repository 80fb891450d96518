// A loopback replica of Fireworks AI's fine-tuning API, for tests. It follows the documented shapes
// (https://docs.fireworks.ai/api-reference/upload-dataset-files, /get-dataset, /create-supervised-fine-tuning-job,
// /get-supervised-fine-tuning-job, read 2026-12-02; cancel as `POST …/supervisedFineTuningJobs/{id}:cancel`, which
// firectl's cancel calls, and DELETE deleting the job) and REFUSES requests whose shape does not match (unknown or
// misspelt fields, a dataset that is not READY, a job id that exists), so a wrong field name fails the test. The
// OpenAI-compatible chat endpoint lives at /inference/v1 as Fireworks' does. It misbehaves on demand: a failed job,
// a connection reset after the work was done,
// 429s with Retry-After, a hook when a job is created (a hook that returns a promise holds the create response until it
// settles), jobs held RUNNING (`holdRunning`).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

/** `POST …/supervisedFineTuningJobs` as documented (the fields a client sets; output-only ones are refused). */
export const FireworksJobBody = z.strictObject({
  displayName: z.string().optional(),
  dataset: z.string().regex(/^accounts\/[a-z0-9-]+\/datasets\/[a-z0-9-]+$/),
  outputModel: z
    .string()
    .regex(/^accounts\/[a-z0-9-]+\/models\/[a-z0-9-]+$/)
    .optional(),
  baseModel: z.string().optional(),
  warmStartFrom: z.string().optional(),
  jinjaTemplate: z.string().optional(),
  earlyStop: z.boolean().optional(),
  epochs: z.number().int().positive().optional(),
  learningRate: z.number().positive().optional(),
  maxContextLength: z.number().int().optional(),
  loraRank: z.number().int().positive().optional(),
  wandbConfig: z.unknown().optional(),
  evaluationDataset: z.string().optional(),
  isTurbo: z.boolean().optional(),
  evalAutoCarveout: z.boolean().optional(),
  region: z.string().optional(),
  nodes: z.number().int().optional(),
  batchSize: z.number().int().optional(),
  batchSizeSamples: z.number().int().optional(),
  gradientAccumulationSteps: z.number().int().optional(),
  learningRateWarmupSteps: z.number().int().optional(),
  optimizerWeightDecay: z.number().optional(),
});
const CreateDataset = z.strictObject({
  datasetId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  dataset: z.strictObject({
    displayName: z.string().optional(),
    userUploaded: z.strictObject({}).optional(),
    exampleCount: z.string().optional(),
  }),
});

export interface FakeFireworksOptions {
  apiKey: string;
  account: string;
  models: string[];
  /** Polls a job stays RUNNING (default 2). */
  runningPolls?: number;
  failModel?: string;
  answer?: (model: string, lastUserText: string, tuned: boolean) => string;
}

interface Job {
  id: string;
  body: z.infer<typeof FireworksJobBody>;
  state: string;
  polls: number;
  createTime: string;
  completedTime?: string;
}

export interface FakeFireworks {
  /** The inference base URL (`…/inference/v1`), as `baseURL` in tunelab.config.json. */
  baseURL: string;
  requests: Array<{ method: string; path: string; body: unknown }>;
  refused: Array<{ path: string; reason: string }>;
  jobs: Map<string, Job>;
  datasets: Map<string, { state: string; text: string }>;
  rateLimit(route: string, count: number, seconds?: number): void;
  /**
   * The next `count` requests to a route (`METHOD /path` prefix) are carried out as usual, but the connection is reset
   * instead of answering (the client cannot tell whether the call took effect: a job created, a file stored).
   */
  resetNext(route: string, count?: number): void;
  /** Called after a job is stored, before its response is sent (a returned promise delays the response). */
  onCreate?: ((job: Job) => void | Promise<void>) | undefined;
  /** While true, a RUNNING job stays RUNNING on every poll until the test sets it false. */
  holdRunning: boolean;
  close(): Promise<void>;
}

export async function startFakeFireworks(options: FakeFireworksOptions): Promise<FakeFireworks> {
  const limits: Array<{ route: string; count: number; seconds: number }> = [];
  const resets: Array<{ route: string; count: number }> = [];
  const resetting = new WeakSet<ServerResponse>();
  const prefix = `/v1/accounts/${options.account}`;
  const fake: FakeFireworks = {
    baseURL: "",
    requests: [],
    refused: [],
    jobs: new Map(),
    datasets: new Map(),
    holdRunning: false,
    rateLimit(route, count, seconds = 1) {
      limits.push({ route, count, seconds });
    },
    resetNext(route, count = 1) {
      resets.push({ route, count });
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
    send(res, 400, { code: 3, message: reason });
  };
  const view = (job: Job) => ({
    name: `accounts/${options.account}/supervisedFineTuningJobs/${job.id}`,
    ...job.body,
    state: job.state,
    status:
      job.state === "JOB_STATE_FAILED"
        ? { code: "INTERNAL", message: "fake: training diverged (loss is NaN)" }
        : { code: "OK", message: "" },
    createTime: job.createTime,
    ...(job.completedTime ? { completedTime: job.completedTime } : {}),
  });
  const advance = (job: Job) => {
    if (job.state === "JOB_STATE_CANCELLING") {
      job.state = "JOB_STATE_CANCELLED";
      job.completedTime = new Date().toISOString();
      return;
    }
    if (fake.holdRunning && job.state === "JOB_STATE_RUNNING") return;
    job.polls++;
    const order = ["JOB_STATE_CREATING", "JOB_STATE_VALIDATING", "JOB_STATE_RUNNING"];
    const at = order.indexOf(job.state);
    if (at >= 0 && at < order.length - 1) job.state = order[at + 1] ?? job.state;
    else if (job.state === "JOB_STATE_RUNNING" && job.polls >= 2 + (options.runningPolls ?? 2)) {
      job.state = job.body.baseModel === options.failModel ? "JOB_STATE_FAILED" : "JOB_STATE_WRITING_RESULTS";
      if (job.state === "JOB_STATE_FAILED") job.completedTime = new Date().toISOString();
    } else if (job.state === "JOB_STATE_WRITING_RESULTS") {
      job.state = "JOB_STATE_COMPLETED";
      job.completedTime = new Date().toISOString();
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
    const limit = limits.find((l) => l.count > 0 && `${method} ${path}`.startsWith(l.route));
    if (limit) {
      limit.count--;
      res.setHeader("retry-after", String(limit.seconds));
      fake.requests.push({ method, path: path + url.search, body: "(429)" });
      return send(res, 429, { code: 8, message: "rate limited" });
    }
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return send(res, 401, { code: 16, message: "unauthenticated" });

    const upload = new RegExp(`^${prefix}/datasets/([a-z0-9-]+):upload$`).exec(path);
    if (method === "POST" && upload?.[1]) {
      const form = await new Request("http://fake/u", {
        method: "POST",
        headers: { "content-type": req.headers["content-type"] ?? "" },
        body: raw,
      })
        .formData()
        .catch(() => null);
      fake.requests.push({ method, path, body: form ? [...form.keys()] : "(not multipart)" });
      if (!form) return refuse(res, path, "expected multipart/form-data");
      if ([...form.keys()].some((k) => k !== "file")) return refuse(res, path, "only a file field is taken");
      const file = form.get("file");
      if (!file || typeof file === "string") return refuse(res, path, "file is required");
      const dataset = fake.datasets.get(upload[1]);
      if (!dataset) return send(res, 404, { code: 5, message: "dataset not found" });
      const text = await file.text();
      for (const [i, line] of text.split("\n").entries())
        if (line.trim() && !Array.isArray((JSON.parse(line) as { messages?: unknown }).messages))
          return refuse(res, path, `line ${i + 1}: expected {"messages": [...]}`);
      Object.assign(dataset, { state: "READY", text });
      return send(res, 200, {
        id: upload[1],
        object: "file",
        bytes: text.length,
        created_at: 0,
        filename: file.name,
        purpose: "fine-tune",
      });
    }

    const body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
    fake.requests.push({ method, path: path + url.search, body });

    if (method === "POST" && path === `${prefix}/datasets`) {
      const parsed = CreateDataset.safeParse(body);
      if (!parsed.success) return refuse(res, path, `${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
      if (fake.datasets.has(parsed.data.datasetId)) return send(res, 409, { code: 6, message: "dataset already exists" });
      fake.datasets.set(parsed.data.datasetId, { state: "UPLOADING", text: "" });
      return send(res, 200, { name: `accounts/${options.account}/datasets/${parsed.data.datasetId}`, state: "UPLOADING" });
    }
    const dataset = new RegExp(`^${prefix}/datasets/([a-z0-9-]+)$`).exec(path);
    if (method === "GET" && dataset?.[1]) {
      const found = fake.datasets.get(dataset[1]);
      if (!found) return send(res, 404, { code: 5, message: "dataset not found" });
      return send(res, 200, { name: `accounts/${options.account}/datasets/${dataset[1]}`, state: found.state, format: "CHAT" });
    }

    if (method === "POST" && path === `${prefix}/supervisedFineTuningJobs`) {
      const parsed = FireworksJobBody.safeParse(body);
      if (!parsed.success)
        return refuse(res, path, `${parsed.error.issues[0]?.path.join(".") || "body"}: ${parsed.error.issues[0]?.message}`);
      const id = url.searchParams.get("supervisedFineTuningJobId") ?? `job-${fake.jobs.size + 1}`;
      if (fake.jobs.has(id)) return send(res, 409, { code: 6, message: `job ${id} already exists` });
      const datasetId = parsed.data.dataset.split("/").pop() ?? "";
      if (fake.datasets.get(datasetId)?.state !== "READY") return refuse(res, path, `dataset ${parsed.data.dataset} is not READY`);
      if (!parsed.data.baseModel || !options.models.includes(parsed.data.baseModel))
        return refuse(res, path, `baseModel ${parsed.data.baseModel} cannot be tuned`);
      const job: Job = { id, body: parsed.data, state: "JOB_STATE_CREATING", polls: 0, createTime: new Date().toISOString() };
      fake.jobs.set(id, job);
      await fake.onCreate?.(job);
      return send(res, 200, view(job));
    }
    const cancel = new RegExp(`^${prefix}/supervisedFineTuningJobs/([a-z0-9-]+):cancel$`).exec(path);
    if (method === "POST" && cancel?.[1]) {
      // Gateway.CancelSupervisedFineTuningJob: the job stops (CANCELLING, then CANCELLED) and is kept
      const job = fake.jobs.get(cancel[1]);
      if (!job) return send(res, 404, { code: 5, message: "job not found" });
      if (["JOB_STATE_COMPLETED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED"].includes(job.state))
        return send(res, 400, { code: 9, message: `job is ${job.state}` });
      job.state = "JOB_STATE_CANCELLING";
      return send(res, 200, {});
    }
    const jobMatch = new RegExp(`^${prefix}/supervisedFineTuningJobs/([a-z0-9-]+)$`).exec(path);
    if (jobMatch?.[1]) {
      const job = fake.jobs.get(jobMatch[1]);
      if (!job) return send(res, 404, { code: 5, message: "job not found" });
      if (method === "GET") {
        advance(job);
        return send(res, 200, view(job));
      }
      if (method === "DELETE") {
        // Gateway.DeleteSupervisedFineTuningJob deletes the job: it is gone, not cancelled
        fake.jobs.delete(job.id);
        return send(res, 200, {});
      }
    }

    if (method === "POST" && path === "/inference/v1/chat/completions") {
      const chat = body as { model?: string; messages?: Array<{ role: string; content: unknown }> };
      if (typeof chat?.model !== "string" || !Array.isArray(chat.messages)) return refuse(res, path, "model and messages are required");
      const tuned = [...fake.jobs.values()].some((j) => j.state === "JOB_STATE_COMPLETED" && j.body.outputModel === chat.model);
      if (!tuned && !options.models.includes(chat.model)) return send(res, 404, { error: { message: `model ${chat.model} not found` } });
      const last = [...chat.messages].reverse().find((m) => m.role === "user");
      const text = typeof last?.content === "string" ? last.content : "";
      const content = options.answer ? options.answer(chat.model, text, tuned) : tuned ? "Yes" : "Maybe";
      return send(res, 200, {
        id: `chatcmpl-${fake.requests.length}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: chat.model,
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
        usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
      });
    }
    send(res, 404, { code: 5, message: `no route ${method} ${path}` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { code: 13, message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/inference/v1`;
  return fake;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
