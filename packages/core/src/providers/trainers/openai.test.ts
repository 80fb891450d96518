// OpenAI's own fine-tuning API (kind `openai`: OpenAI, and hosts that copy it exactly) through the whole experiment flow
// (create → upload → job → metrics → tuned model → eval run → leaderboard) against a loopback replica of its documented
// shapes (the Azure replica in its `openai` flavour: /v1, the key as a bearer token, `ft:` model names, malformed
// requests refused). It misbehaves on purpose: 429s with Retry-After, a failed job, a cancelled one, our process dying
// mid-create (the job is found again by its metadata, never created twice).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { importDataset } from "../../datasets/import-dataset.ts";
import { loadVersionText } from "../../datasets/version-content.ts";
import { getEvalRun, runSamples } from "../../eval-runs/eval-run.repository.ts";
import { createExperiment } from "../../experiments/create-experiment.ts";
import { experimentMetrics } from "../../experiments/experiment.repository.ts";
import { type ExperimentServices, runExperiment } from "../../experiments/run-experiment.ts";
import { leaderboard } from "../../leaderboard/leaderboard.ts";
import { type FakeAzure, startFakeAzure } from "../../test-support/fake-azure-openai.ts";
import { providerTestWorkspace } from "../../test-support/provider-workspace.ts";
import { steppingClock } from "../../test-support/stepping-clock.ts";
import { chat, jsonl, type tempWorkspace } from "../../test-support/temp-workspace.ts";
import { priceOf, type TunelabConfig } from "../provider-config.ts";
import { Providers } from "../providers.ts";

const BASE = "gpt-4.1-nano-2025-04-14";
const BROKEN = "gpt-4o-mini-2024-07-18";
const REASONING = "gpt-5-mini-2025-08-07";
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let fake: FakeAzure;
let services: ExperimentServices;
let config: TunelabConfig;

beforeAll(async () => {
  fake = await startFakeAzure({
    flavour: "openai",
    apiKey: "sk-test",
    models: [BASE, BROKEN, REASONING],
    deployments: {},
    failModel: BROKEN,
    reasoningModels: [REASONING],
    answer: (_model, question, tuned) => (tuned && question.includes("sky") ? "Yes" : "No"),
  });
  process.env.OPENAI_REPLICA_KEY = "sk-test";
  process.env.OPENAI_REPLICA_WRONG_KEY = "sk-wrong-0123456789";
  config = {
    providers: {
      hosted: {
        kind: "openai",
        baseURL: fake.baseURL,
        apiKeyEnv: "OPENAI_REPLICA_KEY",
        pricing: { [BASE]: { training: 1.5, input: 0.2, output: 0.8 } },
      },
      wrongkey: { kind: "openai", baseURL: fake.baseURL, apiKeyEnv: "OPENAI_REPLICA_WRONG_KEY" },
    },
  };
  ({ ws, services } = await providerTestWorkspace(config));
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.onCreate = undefined;
  fake.unnamedPolls = 0;
});
afterAll(async () => {
  await fake.close();
  await ws.dispose();
  delete process.env.OPENAI_REPLICA_KEY;
  delete process.env.OPENAI_REPLICA_WRONG_KEY;
});

const creates = () => fake.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine_tuning/jobs");
const run = async (input: Omit<Parameters<typeof createExperiment>[1], "project" | "provider">, signal = new AbortController().signal) => {
  const { experiment } = await createExperiment(ws, { project: "p", provider: "hosted", ...input });
  return { experiment, done: await runExperiment(ws, services, experiment.id, signal) };
};

describe("an experiment on OpenAI's fine-tuning API", () => {
  it("creates the job in OpenAI's shape with our metadata, waits out 429s, and scores the tuned model by its ft: name", async () => {
    fake.rateLimit("POST /v1/fine_tuning/jobs", 1, 1); // waited out (Retry-After), then sent once more
    fake.rateLimit("GET /v1/fine_tuning/jobs/", 1, 1);
    const { experiment, done } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 2 }, suffix: "tickets" });
    expect(fake.refused).toEqual([]);
    expect(done.status, done.error ?? "").toBe("completed");
    const sent = creates().filter((r) => r.body !== "(429)");
    expect(sent).toHaveLength(1);
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
    expect(done.tunedModel).toMatch(new RegExp(`^ft:${BASE}:tunelab-org:tickets:\\d+$`));
    expect((await experimentMetrics(ws.db, done.id)).map((m) => m.step)).toEqual([1, 2]);
    const chats = fake.requests.filter((r) => r.path === "/v1/chat/completions");
    expect(chats.map((c) => (c.body as { model: string }).model)).toEqual([done.tunedModel, done.tunedModel]);
    const row = (await leaderboard(ws, { project: "p" }, priceOf(config))).rows.find((r) => r.experimentId === done.id);
    expect(row?.score).toBe(1);
    expect(row?.costUsd).toBeCloseTo((2048 * 1.5 + 20 * 0.2 + 2 * 0.8) / 1e6, 12);
  });

  it("uploads lines with extra keys (metadata, tags) with OpenAI's keys only, and keeps them in the dataset version", async () => {
    const lines = Array.from({ length: 12 }, (_, i) => {
      const line = JSON.parse(chat(`refund ${i}?`, "billing")) as Record<string, unknown>;
      return JSON.stringify({ ...line, metadata: { source: "crm", row: i }, tags: ["refund"] });
    });
    const imported = await importDataset(ws, { project: "p", dataset: "tagged", text: jsonl(lines), fileName: "tagged.jsonl" });
    if (imported.status === "invalid") throw new Error(JSON.stringify(imported.report));
    const { done } = await run({ dataset: "tagged@1", model: BASE });
    // OpenAI fails the job on a key its format does not document ("Example 1 contains an extra …")
    expect(done.status, done.error ?? "").toBe("completed");
    expect(await loadVersionText(ws, imported.version)).toContain('"tags":["refund"]');
  });

  it("fails on a wrong API key naming the variable to set, never the key", async () => {
    const { experiment } = await createExperiment(ws, { project: "p", provider: "wrongkey", dataset: "train@1", model: BASE });
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status).toBe("failed");
    expect(done.error).toContain("provider wrongkey refused the API key (401)");
    expect(done.error).toContain("check OPENAI_REPLICA_WRONG_KEY in the environment (providers.wrongkey.apiKeyEnv in tunelab.config.json)");
    expect(done.error?.split("refused the API key")).toHaveLength(2); // said once, though client and trainer both say it
    expect(done.error).not.toContain("sk-wrong-0123456789");
  });

  it("says where the key comes from, never the key, in an eval run's samples that a wrong API key failed", async () => {
    // a baseline: no training, the base model is scored, so only the eval runner's chat completions meet the 401
    const { experiment } = await createExperiment(ws, { project: "p", provider: "wrongkey", model: BASE, method: "none" });
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    const samples = await runSamples(ws.db, done.evalRunId ?? "");
    expect(samples).toHaveLength(2);
    for (const sample of samples) {
      const error = JSON.parse(sample.error ?? "{}") as { type?: string; status?: number; message?: string };
      expect(error).toMatchObject({ type: "http_error", status: 401 });
      expect(error.message).toContain("provider wrongkey refused the API key (401): Incorrect API key provided: ***.");
      expect(error.message).toContain(
        "check OPENAI_REPLICA_WRONG_KEY in the environment (providers.wrongkey.apiKeyEnv in tunelab.config.json)",
      );
      expect(error.message).not.toContain("sk-wrong-0123456789");
    }
  });

  it("scores a baseline of a reasoning model, which refuses max_tokens and temperature 0, and says what it left out", async () => {
    const { experiment } = await createExperiment(ws, { project: "p", provider: "hosted", model: REASONING, method: "none" });
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status, done.error ?? "").toBe("completed");
    const run = await getEvalRun(ws.db, done.evalRunId ?? "");
    expect(run.resultCounts).toMatchObject({ total: 2, errored: 0 });
    // the run keeps the sampling it asked for, and says how it sampled
    expect(run.samplingParams).toEqual({ temperature: 0, seed: 0, max_tokens: 256 });
    expect(run.samplingNotes).toEqual([
      expect.stringContaining(`${REASONING} does not accept max_tokens`),
      expect.stringContaining(`${REASONING} accepts only its default temperature`),
    ]);
    const chats = fake.requests.filter((r) => r.path.endsWith("/chat/completions")).map((r) => r.body as Record<string, unknown>);
    expect(chats.at(-1)).not.toHaveProperty("max_tokens");
    expect(chats.at(-1)).not.toHaveProperty("temperature");
  });

  it("sends DPO with beta on preference pairs", async () => {
    const { done } = await run({ dataset: "prefs@1", model: BASE, method: "dpo", hyperparameters: { beta: 0.2 } });
    expect(done.status, done.error ?? "").toBe("completed");
    expect((creates()[0]?.body as { method: unknown } | undefined)?.method).toEqual({
      type: "dpo",
      dpo: { hyperparameters: { n_epochs: "auto", batch_size: "auto", learning_rate_multiplier: "auto", beta: 0.2 } },
    });
  });

  it("fails with OpenAI's error message when the job fails", async () => {
    const { done } = await run({ dataset: "train@1", model: BROKEN });
    expect(done.status).toBe("failed");
    expect(done.error).toContain("loss of NaN");
  });

  it("is cancelled when the job is cancelled on OpenAI", async () => {
    fake.onCreate = (job) => {
      job.status = "cancelled";
    };
    const { done } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 3 } });
    expect(done.status).toBe("cancelled");
  });

  it("finds its job again by metadata after the process died between create and storing the job id", async () => {
    const crash = new AbortController();
    fake.onCreate = () => crash.abort(new Error("process killed"));
    const { experiment, done: first } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 4 } }, crash.signal);
    expect(first.providerJobId).toBeNull();
    fake.onCreate = undefined;
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status, done.error ?? "").toBe("completed");
    expect(creates()).toHaveLength(1);
  });

  it("never creates a second job when looking for the first one is rate-limited or fails after a crash", async () => {
    for (const [status, expected] of [
      [429, "completed"],
      [500, "failed"],
    ] as const) {
      fake.requests.length = 0;
      const crash = new AbortController();
      fake.onCreate = () => crash.abort(new Error("process killed"));
      const { experiment } = await run(
        { dataset: "train@1", model: BASE, hyperparameters: { n_epochs: status === 429 ? 6 : 7 } },
        crash.signal,
      );
      fake.onCreate = undefined;
      // the list that finds the job again answers 429 (waited out, as its Retry-After says) or 500
      if (status === 429) fake.rateLimit("GET /v1/fine_tuning/jobs?", 1, 1);
      else fake.failNext("GET /v1/fine_tuning/jobs?", 500);
      const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
      expect(done.status, done.error ?? "").toBe(expected);
      expect(creates()).toHaveLength(1);
    }
  });

  it("tries an upload after a 5xx and a job creation after a reset connection again, without creating a second job", async () => {
    fake.failNext("POST /v1/files", 500);
    fake.resetNext("POST /v1/fine_tuning/jobs"); // the job is created, its answer lost
    const { experiment, done } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 8 } });
    expect(done.status, done.error ?? "").toBe("completed");
    expect(creates()).toHaveLength(1); // found by its metadata before a second try
    expect([...fake.jobs.values()].filter((j) => j.body.metadata?.tunelab_experiment === experiment.id)).toHaveLength(1);
  });

  it("fails naming the provider and the call when the connection keeps failing", async () => {
    const lines = Array.from({ length: 10 }, (_, i) => chat(`reset ${i}?`, "billing"));
    const imported = await importDataset(ws, { project: "p", dataset: "resets", text: jsonl(lines), fileName: "resets.jsonl" });
    if (imported.status === "invalid") throw new Error(JSON.stringify(imported.report));
    fake.resetNext("POST /v1/files", 4); // a file never uploaded before (one already there would be reused)
    const { done } = await run({ dataset: "resets@1", model: BASE });
    expect(done.status).toBe("failed");
    expect(done.error).toBe("provider hosted: POST /files failed: Connection error. (tried 4 times)");
    expect(creates()).toHaveLength(0);
  });

  it("waits for the tuned model's name when the job says succeeded before naming it", async () => {
    fake.unnamedPolls = 3; // succeeded, fine_tuned_model null, for three polls
    const { done } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 10 } });
    expect(done.status, done.error ?? "").toBe("completed");
    expect(done.tunedModel).toMatch(new RegExp(`^ft:${BASE}:tunelab-org::\\d+$`));
  });

  it("fails saying so when a succeeded job names no tuned model within the wait", async () => {
    fake.unnamedPolls = Number.POSITIVE_INFINITY;
    const providers = new Providers({ config, now: steppingClock(60_000) }); // a minute passes per look
    const { experiment } = await createExperiment(ws, {
      project: "p",
      provider: "hosted",
      dataset: "train@1",
      model: BASE,
      hyperparameters: { n_epochs: 11 },
    });
    const done = await runExperiment(
      ws,
      { ...services, trainer: (name) => providers.trainer(name) },
      experiment.id,
      new AbortController().signal,
    );
    expect(done.status).toBe("failed");
    expect(done.error).toBe(
      `training failed: the job ${done.providerJobId} reported succeeded but named no tuned model (fine_tuned_model) for 10 minutes, so there is no model to evaluate; check the job on the provider`,
    );
  });
});
