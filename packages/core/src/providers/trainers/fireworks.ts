import { createHash } from "node:crypto";
import type { ResolvedHyperparameters } from "../../experiments/hyperparameters.ts";
import { type FetchLike, ProviderHttp, statusOf } from "./http.ts";
import { retryTransient } from "./retry-transient.ts";
import type { JobRequest, Trainer, TrainerJob, TrainerJobStatus } from "./trainer.ts";

/**
 * Fireworks AI's fine-tuning API (documented shapes, read 2026-12-02), all under `https://api.fireworks.ai/v1/accounts/{account}`:
 * - dataset: `POST /datasets` `{datasetId, dataset: {userUploaded: {}}}`, then `POST /datasets/{id}:upload` (multipart
 *   `file`, up to 150 MB) https://docs.fireworks.ai/api-reference/upload-dataset-files ; `GET /datasets/{id}`
 *   https://docs.fireworks.ai/api-reference/get-dataset (state `UPLOADING`, `READY`)
 * - create: `POST /supervisedFineTuningJobs?supervisedFineTuningJobId=ID` `{dataset, baseModel, outputModel, epochs,
 *   learningRate, loraRank, batchSizeSamples, evaluationDataset, displayName}`
 *   https://docs.fireworks.ai/api-reference/create-supervised-fine-tuning-job
 * - status: `GET /supervisedFineTuningJobs/{id}` https://docs.fireworks.ai/api-reference/get-supervised-fine-tuning-job
 *   (`state`: the gateway's JobState enum, every value mapped in JOB_STATES; `status.message`, `outputModel`,
 *   `createTime`, `completedTime`)
 * - cancel: `POST /supervisedFineTuningJobs/{id}:cancel` (Gateway.CancelSupervisedFineTuningJob, what
 *   `firectl supervised-fine-tuning-job cancel` calls: https://docs.fireworks.ai/tools-sdks/firectl/commands/supervised-fine-tuning-job-cancel);
 *   `DELETE` deletes the job and its record, so it is never used to cancel
 * A job paused (JOB_STATE_PAUSED) or in a state tunelab does not know is said once as a warning and followed as
 * waiting for up to FIREWORKS_UNSETTLED_STATE_MS, then fails naming the state: an unknown state is most likely a new
 * in-progress one (every documented end state is mapped), so failing at once would abandon a job that still trains and
 * bills, while following it forever would hang the experiment.
 * We choose the job id (`tl-<experiment>`), so a job is found again after a crash by asking for it (also before a job
 * creation that failed transiently is tried again: retryTransient). Datasets are named by content hash and reused, so
 * a retried upload is idempotent. Fireworks publishes no per-step metrics over the API (only a signed metrics-file URL),
 * so no loss series is recorded. Data: Fireworks takes OpenAI's chat JSONL (`messages`) unchanged.
 * Inference: the OpenAI-compatible `https://api.fireworks.ai/inference/v1` with the tuned model's full name
 * (`accounts/{account}/models/{id}`); a LoRA model must be deployed (serverless or on a deployment) before it answers.
 */
export interface FireworksOptions {
  provider: string;
  /** The control-plane base URL, `https://api.fireworks.ai/v1`. */
  apiBaseURL: string;
  account: string;
  apiKey: string;
  fetch?: FetchLike;
  /** The clock a paused or unknown state is timed by (tests set it). */
  now?: () => Date;
}

/** How long a job may stay paused or in a state tunelab does not know before the experiment fails: 24 hours. */
export const FIREWORKS_UNSETTLED_STATE_MS = 24 * 3600_000;

/**
 * Every documented job state (the gateway's JobState enum: Fireworks' OpenAPI `gatewayJobState`, its Python SDK's
 * `SupervisedFineTuningJob.state`, read 2026-12-04) in tunelab's vocabulary; JOB_STATE_PAUSED is left out on purpose
 * (see above). `EVALUATION`, `ROLLOUT` and `POLICY_UPDATE` are reinforcement jobs' phases; an archived job has no
 * model to evaluate any more.
 */
export const JOB_STATES: Readonly<Record<string, TrainerJobStatus>> = {
  JOB_STATE_UNSPECIFIED: "queued",
  JOB_STATE_CREATING: "queued",
  JOB_STATE_CREATING_INPUT_DATASET: "queued",
  JOB_STATE_VALIDATING: "queued",
  JOB_STATE_PENDING: "queued",
  JOB_STATE_RE_QUEUEING: "queued",
  JOB_STATE_IDLE: "queued",
  JOB_STATE_RUNNING: "running",
  JOB_STATE_WRITING_RESULTS: "running",
  JOB_STATE_EVALUATION: "running",
  JOB_STATE_ROLLOUT: "running",
  JOB_STATE_POLICY_UPDATE: "running",
  JOB_STATE_CANCELLING: "running",
  JOB_STATE_COMPLETED: "succeeded",
  JOB_STATE_EARLY_STOPPED: "succeeded",
  JOB_STATE_FAILED: "failed",
  JOB_STATE_EXPIRED: "failed",
  JOB_STATE_CANCELLED: "cancelled",
  JOB_STATE_DELETING: "cancelled",
  JOB_STATE_DELETING_CLEANING_UP: "cancelled",
  JOB_STATE_DELETED: "cancelled",
  JOB_STATE_ARCHIVED: "failed",
};

/** The learning rate `learning_rate_multiplier` 1 stands for: firectl's default (the API reference gives none). */
export const FIREWORKS_BASE_LEARNING_RATE = 0.0001;

interface FireworksJob {
  name: string;
  state?: string;
  status?: { code?: string; message?: string };
  outputModel?: string;
  createTime?: string;
  completedTime?: string;
  epochs?: number;
  learningRate?: number;
  loraRank?: number;
  batchSizeSamples?: number;
}

/** The job id tunelab gives an experiment's job (lowercase letters, digits, hyphens). */
export function fireworksJobId(experimentId: string): string {
  return `tl-${experimentId.replace(/^exp_/, "").toLowerCase()}`;
}

/** The body of `POST …/supervisedFineTuningJobs`: tunelab's names mapped to Fireworks', only what was set. */
export function fireworksJobBody(request: JobRequest, account: string): Record<string, unknown> {
  const h = request.hyperparameters;
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const id = fireworksJobId(request.experimentId);
  const suffix = request.suffix?.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  const multiplier = num(h.learning_rate_multiplier);
  return {
    displayName: `tunelab ${request.experimentId}`,
    dataset: `accounts/${account}/datasets/${request.trainingFile}`,
    baseModel: request.baseModel,
    outputModel: `accounts/${account}/models/${suffix ? `${suffix}-${id}` : id}`,
    ...(request.validationFile ? { evaluationDataset: `accounts/${account}/datasets/${request.validationFile}` } : {}),
    ...(num(h.n_epochs) !== undefined ? { epochs: h.n_epochs } : {}),
    ...(multiplier !== undefined ? { learningRate: Number((multiplier * FIREWORKS_BASE_LEARNING_RATE).toPrecision(6)) } : {}),
    ...(num(h.lora_rank) !== undefined ? { loraRank: h.lora_rank } : {}),
    ...(num(h.batch_size) !== undefined ? { batchSizeSamples: h.batch_size } : {}),
  };
}

export function fireworksTrainer(options: FireworksOptions): Trainer {
  const http = new ProviderHttp({
    provider: options.provider,
    baseURL: `${options.apiBaseURL.replace(/\/$/, "")}/accounts/${encodeURIComponent(options.account)}`,
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const jobPath = (id: string) => `/supervisedFineTuningJobs/${encodeURIComponent(id)}`;
  const now = options.now ?? (() => new Date());
  /** Jobs seen paused or in an unknown state: which, and since when (ms). */
  const unsettled = new Map<string, { state: string; since: number }>();
  const findJob = async (experimentId: string, signal: AbortSignal) => {
    const id = fireworksJobId(experimentId);
    try {
      await http.json("GET", jobPath(id), { signal });
      return id;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };
  const upload = async (file: { name: string; content: Buffer }, signal: AbortSignal) => {
    const datasetId = `tl-${createHash("sha256").update(file.content).digest("hex").slice(0, 24)}`;
    try {
      await http.json("POST", "/datasets", { body: { datasetId, dataset: { userUploaded: {} } }, signal });
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
      // the same content was uploaded before: reuse it, unless a crash came between creating it and the upload
      const existing = await http.json<{ state?: string }>("GET", `/datasets/${datasetId}`, { signal });
      if (existing.state === "READY") return datasetId;
    }
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(file.content)], { type: "application/jsonl" }), file.name);
    await http.json("POST", `/datasets/${datasetId}:upload`, { body: form, signal });
    return datasetId;
  };
  return {
    kind: "fireworks",
    async uploadFile(file, signal) {
      // the dataset is named by content: a try after a lost answer finds it (409, READY) or uploads into it again
      return retryTransient(() => upload(file, signal), { provider: options.provider, call: "POST /datasets (upload)", signal });
    },
    async fileExists(id, signal) {
      try {
        const dataset = await http.json<{ state?: string }>("GET", `/datasets/${encodeURIComponent(id)}`, { signal });
        return dataset.state === "READY";
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw error;
      }
    },
    async createJob(request, signal) {
      const id = fireworksJobId(request.experimentId);
      const create = async () => {
        await http.json("POST", "/supervisedFineTuningJobs", {
          query: { supervisedFineTuningJobId: id },
          body: fireworksJobBody(request, options.account),
          signal,
        });
        return id;
      };
      return retryTransient(create, {
        provider: options.provider,
        call: "POST /supervisedFineTuningJobs",
        signal,
        alreadyDone: () => findJob(request.experimentId, signal),
      });
    },
    findJob,
    async getJob(id, signal) {
      const job = await http.json<FireworksJob>("GET", jobPath(id), { signal });
      const state = job.state ?? "JOB_STATE_UNSPECIFIED";
      const seconds = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) : null);
      let status = JOB_STATES[state];
      let error: string | null = null;
      if (status === undefined) {
        // paused, or a state we do not know: waiting, said once (newEvents), and for a bounded time
        const noticed = unsettled.get(id);
        const since = noticed?.state === state ? noticed.since : now().getTime();
        unsettled.set(id, { state, since });
        status = now().getTime() - since < FIREWORKS_UNSETTLED_STATE_MS ? "queued" : "failed";
        if (status === "failed")
          error = `Fireworks reported the job in ${state} (${unsettledMeaning(state)}) for ${FIREWORKS_UNSETTLED_STATE_MS / 3600_000} hours: tunelab stopped following it; it may still be on Fireworks (firectl get supervised-fine-tuning-job ${id})`;
      } else unsettled.delete(id);
      if (status === "failed" && error === null) error = job.status?.message || `the job ended ${state}`;
      return {
        id,
        status,
        providerStatus: state,
        tunedModel: status === "succeeded" ? (job.outputModel ?? null) : null,
        trainedTokens: null,
        createdAt: seconds(job.createTime),
        finishedAt: status === "running" || status === "queued" ? null : seconds(job.completedTime),
        error,
        resolved: resolved(job),
      } satisfies TrainerJob;
    },
    async newEvents(id, seen) {
      const noticed = unsettled.get(id);
      if (!noticed || seen.has(`state:${noticed.state}`)) return { metrics: [], warnings: [] };
      seen.add(`state:${noticed.state}`);
      const hours = FIREWORKS_UNSETTLED_STATE_MS / 3600_000;
      const warning =
        noticed.state === "JOB_STATE_PAUSED"
          ? `Fireworks paused the job (JOB_STATE_PAUSED, ${unsettledMeaning(noticed.state)}): resume it on Fireworks or cancel the experiment; it is followed for up to ${hours} hours`
          : `Fireworks reports the job in ${noticed.state}, a state tunelab does not know: it is followed as waiting for up to ${hours} hours`;
      return { metrics: [], warnings: [warning] };
    },
    async cancelJob(id) {
      // POST …:cancel stops the job and keeps it; DELETE would delete the job and its record
      await http.json("POST", `${jobPath(id)}:cancel`, { body: {} });
    },
  };
}

function unsettledMeaning(state: string): string {
  return state === "JOB_STATE_PAUSED" ? "typically an account suspension or manual intervention" : "a state tunelab does not know";
}

function resolved(job: FireworksJob): ResolvedHyperparameters | null {
  const out: ResolvedHyperparameters = {};
  if (typeof job.epochs === "number") out.n_epochs = job.epochs;
  if (typeof job.batchSizeSamples === "number") out.batch_size = job.batchSizeSamples;
  if (typeof job.learningRate === "number") {
    out.learning_rate = job.learningRate;
    out.learning_rate_multiplier = Number((job.learningRate / FIREWORKS_BASE_LEARNING_RATE).toPrecision(6));
  }
  if (typeof job.loraRank === "number") {
    out.training_type = "lora";
    out.lora_rank = job.loraRank;
  }
  return Object.keys(out).length ? out : null;
}
