import type { LocalAnswer } from "@tunelab/contracts";
import { DEFAULT_LEASE_SECONDS } from "@tunelab/storage";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { chatRoutes } from "./chat/chat.routes.ts";
import { chatCompletionAnswer } from "./chat/chat-completion.ts";
import { embeddingRoutes } from "./embeddings/embeddings.routes.ts";
import { fileRoutes } from "./files/file.routes.ts";
import { errorResponse, OpenAIHttpError } from "./http/openai-error.ts";
import { jobRoutes } from "./jobs/job.routes.ts";
import { type CheckpointListener, JobScheduler } from "./jobs/scheduler.ts";
import { TunedModels } from "./models/missing-models.ts";
import { modelRoutes } from "./models/model.routes.ts";
import { RunnableModels } from "./models/runnable-models.ts";
import { type EngineStore, openEngineStore } from "./storage/store.ts";

export interface EngineOptions {
  /** Directory for the engine's database, files and models (e.g. `.tunelab/engine`). */
  root: string;
  /** Jobs trained at once (default 1). */
  concurrency?: number;
  /** Waiting jobs before creation answers 429 (default 100). */
  maxQueued?: number;
  /** Steps between checkpoints (default 100). */
  checkpointEvery?: number;
  /** Seconds before a job whose training process stopped renewing its claim is resumed elsewhere (default 15). */
  leaseSeconds?: number;
  /**
   * Whether this process trains jobs (default true). A process that only needs inference or the REST surface (a
   * short CLI command) passes false: it never claims jobs, so it never leaves one half-trained when it exits.
   */
  runJobs?: boolean;
  /** Largest accepted request body in bytes (default 512 MB, OpenAI's file limit). */
  maxBodyBytes?: number;
  /**
   * The memory `auto` plans a job for (default: this machine's, or its container's limit): above half of it, an
   * open-weight base is held in 8 bits (base_quantization q8_0, hf/lora/base-memory.ts).
   */
  memoryBytes?: number;
}

export interface Engine {
  /** The OpenAI-compatible REST API; its routes start with `/v1`. */
  app: Hono;
  store: EngineStore;
  /** Its tuned models, with the source asked for those it does not have (`setSource`). */
  tunedModels: TunedModels;
  /**
   * A non-streaming chat completion answered in-process, without HTTP: the status and JSON body POST
   * /v1/chat/completions would answer (`body` is validated as the route validates it).
   */
  chatCompletion(body: unknown): Promise<LocalAnswer>;
  /** Sets (or removes) the listener told of each checkpoint as it is recorded. */
  onCheckpoint(listener: CheckpointListener | undefined): void;
  /** Stops training workers (jobs stay resumable) and closes the database. */
  close(): Promise<void>;
}

/** Opens the engine's store, resumes unfinished jobs and returns the Hono app (callable in-process with `app.fetch`). */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const store = await openEngineStore(options.root);
  const maxQueued = options.maxQueued ?? 100;
  const scheduler = new JobScheduler(store, {
    runJobs: options.runJobs ?? true,
    concurrency: options.concurrency ?? 1,
    maxQueued,
    checkpointEvery: options.checkpointEvery ?? 100,
    leaseSeconds: options.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
    ...(options.memoryBytes !== undefined ? { memoryBytes: options.memoryBytes } : {}),
  });
  const tunedModels = new TunedModels(store);
  const models = new RunnableModels(store, tunedModels);

  const v1 = new Hono();
  v1.use(
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 512 * 1024 * 1024,
      onError: () => {
        throw new OpenAIHttpError(413, "Request body too large.", "invalid_request_error", null, "request_too_large");
      },
    }),
  );
  v1.route("/files", fileRoutes(store));
  v1.route("/fine_tuning/jobs", jobRoutes(store, scheduler, maxQueued, tunedModels));
  v1.route("/models", modelRoutes(store, tunedModels));
  v1.route("/chat", chatRoutes(models));
  v1.route("/embeddings", embeddingRoutes(models));
  v1.notFound(() => {
    throw new OpenAIHttpError(404, "Unknown request URL. Please check the URL for typos.", "invalid_request_error", null, "unknown_url");
  });

  const app = new Hono();
  app.route("/v1", v1);
  app.onError((error, c) => errorResponse(c, error));
  app.notFound((c) =>
    errorResponse(
      c,
      new OpenAIHttpError(404, `Unknown request URL: ${c.req.method} ${c.req.path}.`, "invalid_request_error", null, "unknown_url"),
    ),
  );

  await scheduler.resume();
  return {
    app,
    store,
    tunedModels,
    chatCompletion: (body) => chatCompletionAnswer(models, body),
    onCheckpoint: (listener) => scheduler.onCheckpoint(listener),
    close: async () => {
      await scheduler.close();
      await models.close();
      await store.db.destroy();
    },
  };
}
