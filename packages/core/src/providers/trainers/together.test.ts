// The Together trainer adapter through the whole experiment flow (create → upload → job → metrics → tuned model →
// eval run → leaderboard) against a loopback replica of Together's documented API that refuses malformed requests,
// on a real SQLite workspace; inference goes through the real openai SDK to the replica's chat endpoint. The replica
// misbehaves on purpose: 429s with Retry-After, a job that fails, a cancelled job, our process dying mid-create.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getEvalRun } from "../../eval-runs/eval-run.repository.ts";
import { createExperiment } from "../../experiments/create-experiment.ts";
import { experimentMetrics, getExperiment } from "../../experiments/experiment.repository.ts";
import { ExperimentRunner } from "../../experiments/experiment-runner.ts";
import { type ExperimentServices, runExperiment } from "../../experiments/run-experiment.ts";
import { leaderboard } from "../../leaderboard/leaderboard.ts";
import { type FakeTogether, startFakeTogether } from "../../test-support/fake-together.ts";
import { providerTestWorkspace } from "../../test-support/provider-workspace.ts";
import type { tempWorkspace } from "../../test-support/temp-workspace.ts";
import { priceOf, type TunelabConfig } from "../provider-config.ts";

const BASE = "meta-llama/Llama-3.2-1B-Instruct";
const BROKEN = "broken/Model-1B";
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let fake: FakeTogether;
let services: ExperimentServices;
let config: TunelabConfig;

beforeAll(async () => {
  fake = await startFakeTogether({
    apiKey: "tk-test",
    models: [BASE, BROKEN],
    failModel: BROKEN,
    answer: (_model, question, tuned) => (tuned && question.includes("sky") ? "Yes" : "No"),
  });
  process.env.TOGETHER_TEST_KEY = "tk-test";
  config = { providers: { together: { kind: "together", baseURL: fake.baseURL, apiKeyEnv: "TOGETHER_TEST_KEY" } } };
  ({ ws, services } = await providerTestWorkspace(config));
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.onCreate = undefined;
});
afterAll(async () => {
  await fake.close();
  await ws.dispose();
  delete process.env.TOGETHER_TEST_KEY;
});

const creates = () => fake.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes");

describe("an experiment on Together", () => {
  it("uploads, creates a LoRA job with Together's field names, stores metrics and the tuned model, is scored and ranked", async () => {
    fake.rateLimit("POST /v1/fine-tunes", 1, 1); // the create waits out a 429 and is sent once more, not twice
    fake.rateLimit("GET /v1/fine-tunes/", 2, 1); // polling too
    const { experiment } = await createExperiment(ws, {
      project: "p",
      dataset: "train@1",
      model: BASE,
      provider: "together",
      hyperparameters: {
        n_epochs: 2,
        learning_rate_multiplier: 2,
        lora_rank: 8,
        lora_alpha: 16,
        lora_target_modules: ["q_proj", "v_proj"],
      },
      suffix: "tickets",
    });
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(fake.refused).toEqual([]);
    expect(done.status, done.error ?? "").toBe("completed");

    const upload = fake.requests.find((r) => r.path === "/v1/files/upload");
    expect(upload?.body).toEqual({ purpose: "fine-tune", file_name: "train-1.jsonl", file_type: "jsonl", file: "(file)" });
    const sent = creates().filter((r) => r.body !== "(429)");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toEqual({
      training_file: done.providerFileId,
      model: BASE,
      suffix: `tickets-tl-${experiment.id.slice(4)}`,
      random_seed: 42,
      n_epochs: 2,
      learning_rate: 0.00002,
      training_method: { method: "sft", train_on_inputs: "auto" },
      training_type: { type: "Lora", lora_r: 8, lora_alpha: 16, lora_trainable_modules: "q_proj,v_proj" },
    });
    expect(fake.jobs.size).toBeGreaterThanOrEqual(1);

    const metrics = await experimentMetrics(ws.db, done.id);
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3]);
    expect(metrics[0]?.train_loss).toBe(1);
    expect(metrics[2]?.total_steps).toBe(3);
    expect(done.tunedModel).toBe(`fake-org/Llama-3.2-1B-Instruct-tickets-tl-${experiment.id.slice(4)}`);
    expect(done.trainedTokens).toBe(1234);
    expect(done.hyperparameters.resolved).toMatchObject({
      n_epochs: 2,
      learning_rate_multiplier: 2,
      training_type: "lora",
      lora_rank: 8,
      lora_alpha: 16,
      lora_target_modules: ["q_proj", "v_proj"],
    });

    // the eval run called the tuned model through the OpenAI-compatible chat endpoint
    const run = await getEvalRun(ws.db, done.evalRunId ?? "");
    expect(run.model).toBe(done.tunedModel);
    const chats = fake.requests.filter((r) => r.path === "/v1/chat/completions");
    expect(chats.map((c) => (c.body as { model: string }).model)).toEqual([done.tunedModel, done.tunedModel]);
    const board = await leaderboard(ws, { project: "p" }, priceOf(config));
    const row = board.rows.find((r) => r.experimentId === done.id);
    expect(row?.score).toBe(1);
    expect(row?.provider).toBe("together");
    // the dated default price table of kind together: training tokens × $0.48/M (≤16B, LoRA) + chat tokens × $0.20/M
    expect(row?.costUsd).toBeCloseTo((1234 * 0.48 + 2 * 10 * 0.2 + 2 * 1 * 0.2) / 1e6, 12);
  });

  it("sends DPO as training_method dpo with dpo_beta", async () => {
    const { experiment } = await createExperiment(ws, {
      project: "p",
      dataset: "prefs@1",
      model: BASE,
      provider: "together",
      method: "dpo",
      hyperparameters: { beta: 0.2 },
    });
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(fake.refused).toEqual([]);
    expect(done.status, done.error ?? "").toBe("completed");
    expect(creates()[0]?.body).toMatchObject({ training_method: { method: "dpo", dpo_beta: 0.2 } });
    expect(creates()[0]?.body).not.toHaveProperty("training_type"); // LoRA by Together's default
    expect(done.hyperparameters.resolved).toMatchObject({ beta: 0.2 });
  });

  it("fails with the provider's reason when the job errors", async () => {
    const { experiment } = await createExperiment(ws, { project: "p", dataset: "train@1", model: BROKEN, provider: "together" });
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status).toBe("failed");
    expect(done.error).toContain("CUDA out of memory");
    expect(done.tunedModel).toBeNull();
  });

  it("is cancelled when the job is cancelled on Together", async () => {
    fake.onCreate = (job) => {
      job.status = "cancel_requested"; // someone pressed cancel in Together's console
    };
    const { experiment } = await createExperiment(ws, {
      project: "p",
      dataset: "train@1",
      model: BASE,
      provider: "together",
      hyperparameters: { n_epochs: 3 },
    });
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status).toBe("cancelled");
    expect(fake.jobs.get(done.providerJobId ?? "")?.status).toBe("cancelled");
  });

  it("cancels the Together job when the experiment is cancelled", async () => {
    const runner = new ExperimentRunner(ws, services, 1, 15);
    const { experiment } = await createExperiment(ws, {
      project: "p",
      dataset: "train@1",
      model: BASE,
      provider: "together",
      hyperparameters: { n_epochs: 4 },
    });
    const cancelled = new Promise<void>((resolve) => {
      runner.subscribe((event) => {
        if (event.type === "status" && event.status === "training") void runner.cancel(experiment.id).then(() => resolve());
      });
    });
    const finished = runner.run(experiment.id);
    await cancelled;
    const done = await finished;
    await runner.close();
    expect(done.status).toBe("cancelled");
    expect(fake.requests.some((r) => r.method === "POST" && r.path === `/v1/fine-tunes/${done.providerJobId}/cancel`)).toBe(true);
    expect(["cancel_requested", "cancelled"]).toContain(fake.jobs.get(done.providerJobId ?? "")?.status);
  });

  it("refuses what Together cannot train before uploading anything", async () => {
    const { experiment } = await createExperiment(ws, {
      project: "p",
      dataset: "train@1",
      model: BASE,
      provider: "together",
      hyperparameters: { prompt_loss_weight: 0.5 },
    });
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status).toBe("failed");
    expect(done.error).toContain("prompt_loss_weight must be 0 (mask) or 1 (train)");
    expect(fake.requests).toEqual([]);
  });

  it("finds its job again after the process died between create and storing the job id, instead of starting a second", async () => {
    const { experiment } = await createExperiment(ws, {
      project: "p",
      dataset: "train@1",
      model: BASE,
      provider: "together",
      hyperparameters: { n_epochs: 5 },
    });
    const crash = new AbortController();
    fake.onCreate = () => crash.abort(new Error("process killed")); // the job exists; its id never reaches our DB
    const first = await runExperiment(ws, services, experiment.id, crash.signal);
    expect(first.providerJobId).toBeNull();
    expect(creates()).toHaveLength(1);

    fake.onCreate = undefined;
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status, done.error ?? "").toBe("completed");
    expect(creates()).toHaveLength(1); // found by its suffix, not created again
    expect(fake.jobs.get(done.providerJobId ?? "")?.body.suffix).toBe(`tl-${experiment.id.slice(4)}`);
    expect((await getExperiment(ws.db, experiment.id)).tunedModel).toBe(done.tunedModel);
  });

  it("tries an upload after a 5xx and a job creation after a reset connection again, without creating a second job", async () => {
    fake.failNext("POST /v1/files/upload", 502);
    fake.resetNext("POST /v1/fine-tunes"); // the job is created, its answer lost
    const { experiment } = await createExperiment(ws, {
      project: "p",
      dataset: "train@1",
      model: BASE,
      provider: "together",
      hyperparameters: { n_epochs: 6 },
    });
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status, done.error ?? "").toBe("completed");
    expect(creates()).toHaveLength(1); // found by its suffix before a second try
  });

  it("fails naming the provider, the call and the tries when job creation keeps answering 5xx", async () => {
    fake.failNext("POST /v1/fine-tunes", 503, 4);
    const { experiment } = await createExperiment(ws, {
      project: "p",
      dataset: "train@1",
      model: BASE,
      provider: "together",
      hyperparameters: { n_epochs: 7 },
    });
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status).toBe("failed");
    expect(done.error).toBe("provider together: POST /fine-tunes answered 503: Internal server error (tried 4 times)");
  });
});
