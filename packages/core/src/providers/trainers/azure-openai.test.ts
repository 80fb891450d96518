// Azure OpenAI through the whole experiment flow (create → upload, waiting for the file to be processed → job →
// metrics → tuned model → eval run through its deployment → leaderboard) against a loopback replica of Azure's v1
// fine-tuning API: the key only in the api-key header, chat requests naming a deployment, malformed requests refused.
// It misbehaves on purpose: 429s with Retry-After, a failed job, a cancelled one, our process dying mid-create.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createExperiment } from "../../experiments/create-experiment.ts";
import { experimentMetrics } from "../../experiments/experiment.repository.ts";
import { type ExperimentServices, runExperiment } from "../../experiments/run-experiment.ts";
import { leaderboard } from "../../leaderboard/leaderboard.ts";
import { type FakeAzure, startFakeAzure } from "../../test-support/fake-azure-openai.ts";
import { providerTestWorkspace } from "../../test-support/provider-workspace.ts";
import type { tempWorkspace } from "../../test-support/temp-workspace.ts";
import { priceOf, type TunelabConfig } from "../provider-config.ts";

const BASE = "gpt-4o-mini-2024-07-18";
const BROKEN = "gpt-35-turbo-0125";
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let fake: FakeAzure;
let services: ExperimentServices;
let config: TunelabConfig;

beforeAll(async () => {
  fake = await startFakeAzure({
    apiKey: "az-test",
    models: [BASE, BROKEN],
    deployments: {},
    failModel: BROKEN,
    answer: (_model, question, tuned) => (tuned && question.includes("sky") ? "Yes" : "No"),
  });
  process.env.AZURE_TEST_KEY = "az-test";
  config = {
    providers: {
      azure: {
        kind: "azure-openai",
        baseURL: fake.baseURL,
        apiKeyEnv: "AZURE_TEST_KEY",
        apiVersion: "preview",
        deployments: { [`${BASE}.ft-*`]: "tickets-ft" },
        pricing: { [BASE]: { training: 3, input: 0.3, output: 1.2 } },
      },
    },
  };
  ({ ws, services } = await providerTestWorkspace(config));
});
beforeEach(() => {
  fake.requests.length = 0;
  // the user deploys each tuned model as `tickets-ft` (what Azure needs before a tuned model answers)
  fake.onCreate = (job) => {
    fake.deployments["tickets-ft"] = fake.tunedName(job);
  };
});
afterAll(async () => {
  await fake.close();
  await ws.dispose();
  delete process.env.AZURE_TEST_KEY;
});

const creates = () => fake.requests.filter((r) => r.method === "POST" && r.path.startsWith("/openai/v1/fine_tuning/jobs?"));
const run = async (input: Omit<Parameters<typeof createExperiment>[1], "project" | "provider">, signal = new AbortController().signal) => {
  const { experiment } = await createExperiment(ws, { project: "p", provider: "azure", ...input });
  return { experiment, done: await runExperiment(ws, services, experiment.id, signal) };
};

describe("an experiment on Azure OpenAI", () => {
  it("waits for the file, creates the job in OpenAI's shape with our metadata, and scores the tuned model through its deployment", async () => {
    fake.rateLimit("POST /openai/v1/fine_tuning/jobs", 1, 1); // waited out (Retry-After), then sent once more
    fake.rateLimit("GET /openai/v1/fine_tuning/jobs/", 1, 1);
    const { experiment, done } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 2 }, suffix: "tickets" });
    expect(fake.refused).toEqual([]);
    expect(done.status, done.error ?? "").toBe("completed");
    const sent = creates().filter((r) => r.body !== "(429)");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.path).toBe("/openai/v1/fine_tuning/jobs?api-version=preview");
    expect(sent[0]?.body).toEqual({
      model: BASE,
      training_file: done.providerFileId,
      suffix: "tickets",
      seed: 42,
      metadata: { tunelab_experiment: experiment.id },
      method: {
        type: "supervised",
        supervised: { hyperparameters: { n_epochs: 2, batch_size: "auto", learning_rate_multiplier: "auto" } },
      },
    });
    expect(done.tunedModel).toMatch(new RegExp(`^${BASE}\\.ft-\\d+-tickets$`));
    expect((await experimentMetrics(ws.db, done.id)).map((m) => m.step)).toEqual([1, 2]);
    const chats = fake.requests.filter((r) => r.path.startsWith("/openai/v1/chat/completions"));
    expect(chats.map((c) => (c.body as { model: string }).model)).toEqual(["tickets-ft", "tickets-ft"]);
    const row = (await leaderboard(ws, { project: "p" }, priceOf(config))).rows.find((r) => r.experimentId === done.id);
    expect(row?.score).toBe(1);
    expect(row?.costUsd).toBeCloseTo((2048 * 3 + 20 * 0.3 + 2 * 1.2) / 1e6, 12);
  });

  it("fails with Azure's error message when the job fails", async () => {
    const { done } = await run({ dataset: "train@1", model: BROKEN });
    expect(done.status).toBe("failed");
    expect(done.error).toContain("loss of NaN");
  });

  it("is cancelled when the job is cancelled on Azure", async () => {
    fake.onCreate = (job) => {
      job.status = "cancelled";
    };
    const { done } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 3 } });
    expect(done.status).toBe("cancelled");
  });

  it("finds its job again by metadata after the process died between create and storing the job id", async () => {
    const crash = new AbortController();
    fake.onCreate = (job) => {
      fake.deployments["tickets-ft"] = fake.tunedName(job);
      crash.abort(new Error("process killed"));
    };
    const { experiment, done: first } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 4 } }, crash.signal);
    expect(first.providerJobId).toBeNull();
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status, done.error ?? "").toBe("completed");
    expect(creates()).toHaveLength(1);
  });

  it("refuses LoRA settings before uploading anything (Azure trains its own way)", async () => {
    const { done } = await run({ dataset: "train@1", model: BASE, hyperparameters: { lora_rank: 8 } });
    expect(done.status).toBe("failed");
    expect(done.error).toContain("hyperparameters.lora_rank: provider azure (kind azure-openai) has no such setting");
    expect(fake.requests).toEqual([]);
  });
});
