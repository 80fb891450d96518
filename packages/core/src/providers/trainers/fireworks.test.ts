// The Fireworks trainer adapter through the whole experiment flow (create → dataset upload → supervised fine-tuning
// job → tuned model → eval run → leaderboard) against a loopback replica of Fireworks' documented API that refuses
// malformed requests; inference through the real openai SDK at the replica's /inference/v1. It misbehaves on purpose:
// 429s with Retry-After, a failed job, a job cancelled on Fireworks, our process dying mid-create.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createExperiment } from "../../experiments/create-experiment.ts";
import { ExperimentRunner } from "../../experiments/experiment-runner.ts";
import { type ExperimentServices, runExperiment } from "../../experiments/run-experiment.ts";
import { leaderboard } from "../../leaderboard/leaderboard.ts";
import { type FakeFireworks, startFakeFireworks } from "../../test-support/fake-fireworks.ts";
import { providerTestWorkspace } from "../../test-support/provider-workspace.ts";
import { steppingClock } from "../../test-support/stepping-clock.ts";
import type { tempWorkspace } from "../../test-support/temp-workspace.ts";
import { priceOf, type TunelabConfig } from "../provider-config.ts";
import { Providers } from "../providers.ts";

const ACCOUNT = "acme";
const BASE = "accounts/fireworks/models/llama-v3p2-1b-instruct";
const BROKEN = "accounts/fireworks/models/broken-1b";
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let fake: FakeFireworks;
let services: ExperimentServices;
let config: TunelabConfig;

beforeAll(async () => {
  fake = await startFakeFireworks({
    apiKey: "fw-test",
    account: ACCOUNT,
    models: [BASE, BROKEN],
    failModel: BROKEN,
    answer: (_model, question, tuned) => (tuned && question.includes("sky") ? "Yes" : "No"),
  });
  process.env.FIREWORKS_TEST_KEY = "fw-test";
  config = { providers: { fireworks: { kind: "fireworks", baseURL: fake.baseURL, account: ACCOUNT, apiKeyEnv: "FIREWORKS_TEST_KEY" } } };
  ({ ws, services } = await providerTestWorkspace(config));
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.onCreate = undefined;
});
afterAll(async () => {
  await fake.close();
  await ws.dispose();
  delete process.env.FIREWORKS_TEST_KEY;
});

const creates = () =>
  fake.requests.filter((r) => r.method === "POST" && r.path.startsWith(`/v1/accounts/${ACCOUNT}/supervisedFineTuningJobs?`));
const run = async (input: Omit<Parameters<typeof createExperiment>[1], "project" | "provider">, signal = new AbortController().signal) => {
  const { experiment } = await createExperiment(ws, { project: "p", provider: "fireworks", ...input });
  return { experiment, done: await runExperiment(ws, services, experiment.id, signal) };
};

describe("an experiment on Fireworks", () => {
  it("uploads a dataset, creates a supervised job with Fireworks' field names, is scored on the tuned model and ranked", async () => {
    fake.rateLimit(`POST /v1/accounts/${ACCOUNT}/supervisedFineTuningJobs`, 1, 1);
    fake.rateLimit(`GET /v1/accounts/${ACCOUNT}/supervisedFineTuningJobs/`, 1, 1);
    const { experiment, done } = await run({
      dataset: "train@1",
      model: BASE,
      hyperparameters: { n_epochs: 2, learning_rate_multiplier: 2, lora_rank: 16, batch_size: 8 },
    });
    expect(fake.refused).toEqual([]);
    expect(done.status, done.error ?? "").toBe("completed");
    const jobId = `tl-${experiment.id.slice(4)}`;
    const sent = creates().filter((r) => r.body !== "(429)");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.path).toBe(`/v1/accounts/${ACCOUNT}/supervisedFineTuningJobs?supervisedFineTuningJobId=${jobId}`);
    expect(sent[0]?.body).toEqual({
      displayName: `tunelab ${experiment.id}`,
      dataset: `accounts/${ACCOUNT}/datasets/${done.providerFileId}`,
      baseModel: BASE,
      outputModel: `accounts/${ACCOUNT}/models/${jobId}`,
      epochs: 2,
      learningRate: 0.0002,
      loraRank: 16,
      batchSizeSamples: 8,
    });
    expect(done.tunedModel).toBe(`accounts/${ACCOUNT}/models/${jobId}`);
    expect(done.hyperparameters.resolved).toMatchObject({ n_epochs: 2, learning_rate_multiplier: 2, lora_rank: 16, batch_size: 8 });
    const chats = fake.requests.filter((r) => r.path === "/inference/v1/chat/completions");
    expect(chats.map((c) => (c.body as { model: string }).model)).toEqual([done.tunedModel, done.tunedModel]);
    const row = (await leaderboard(ws, { project: "p" }, priceOf(config))).rows.find((r) => r.experimentId === done.id);
    expect(row?.score).toBe(1);
    expect(row?.provider).toBe("fireworks");

    // the same data again reuses the dataset (named by content), no second upload
    fake.requests.length = 0;
    const again = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 1 } });
    expect(again.done.status, again.done.error ?? "").toBe("completed");
    expect(fake.requests.some((r) => r.path.endsWith(":upload"))).toBe(false);
  });

  it("uploads a dataset whose creation survived a crash but whose upload did not", async () => {
    const { createHash } = await import("node:crypto");
    const text = `${[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
      .map((i) =>
        JSON.stringify({
          messages: [
            { role: "user", content: `q${i}` },
            { role: "assistant", content: "a" },
          ],
        }),
      )
      .join("\n")}\n`;
    const id = `tl-${createHash("sha256").update(Buffer.from(text)).digest("hex").slice(0, 24)}`;
    fake.datasets.set(id, { state: "UPLOADING", text: "" }); // created, then the process died
    const trainer = new Providers({ config }).trainer("fireworks");
    expect(await trainer.uploadFile({ name: "t.jsonl", content: Buffer.from(text) }, new AbortController().signal)).toBe(id);
    expect(fake.datasets.get(id)?.state).toBe("READY");
    expect(fake.requests.some((r) => r.path.endsWith(`${id}:upload`))).toBe(true);
  });

  it("fails with Fireworks' status message when the job fails", async () => {
    const { done } = await run({ dataset: "train@1", model: BROKEN });
    expect(done.status).toBe("failed");
    expect(done.error).toContain("training diverged");
  });

  it("is cancelled when the job is cancelled on Fireworks", async () => {
    fake.onCreate = (job) => {
      job.state = "JOB_STATE_CANCELLED";
    };
    const { done } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 3 } });
    expect(done.status).toBe("cancelled");
  });

  it("finds its job again after the process died between create and storing the job id", async () => {
    const crash = new AbortController();
    fake.onCreate = () => crash.abort(new Error("process killed"));
    const { experiment, done: first } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 4 } }, crash.signal);
    expect(first.providerJobId).toBeNull();
    fake.onCreate = undefined;
    const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
    expect(done.status, done.error ?? "").toBe("completed");
    expect(creates()).toHaveLength(1);
    expect(done.providerJobId).toBe(`tl-${experiment.id.slice(4)}`);
  });

  it("refuses DPO before uploading anything (Fireworks' DPO jobs are not driven)", async () => {
    const { done } = await run({ dataset: "prefs@1", model: BASE, method: "dpo" });
    expect(done.status).toBe("failed");
    expect(done.error).toContain("cannot train method dpo");
    expect(fake.requests).toEqual([]);
  });

  it("tries a job creation whose connection was reset again without creating a second job", async () => {
    fake.resetNext(`POST /v1/accounts/${ACCOUNT}/supervisedFineTuningJobs`); // the job is created, its answer lost
    const { done } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 6 } });
    expect(done.status, done.error ?? "").toBe("completed");
    expect(creates()).toHaveLength(1); // found by its id before a second try
  });

  it("cancels the Fireworks job with its documented :cancel (the job is kept, not deleted) when the experiment is cancelled", async () => {
    fake.holdRunning = true;
    const runner = new ExperimentRunner(ws, services, 1, 15);
    const { experiment } = await createExperiment(ws, {
      project: "p",
      provider: "fireworks",
      dataset: "train@1",
      model: BASE,
      hyperparameters: { n_epochs: 7 },
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
    fake.holdRunning = false;
    expect(done.status).toBe("cancelled");
    const jobPath = `/v1/accounts/${ACCOUNT}/supervisedFineTuningJobs/${done.providerJobId}`;
    expect(fake.requests.some((r) => r.method === "POST" && r.path === `${jobPath}:cancel`)).toBe(true);
    expect(fake.requests.some((r) => r.method === "DELETE")).toBe(false);
    expect(["JOB_STATE_CANCELLING", "JOB_STATE_CANCELLED"]).toContain(fake.jobs.get(done.providerJobId ?? "")?.state);
  });

  it("fails on a documented end state it did not know before (JOB_STATE_EXPIRED) instead of polling it forever", async () => {
    fake.onCreate = (job) => {
      job.state = "JOB_STATE_EXPIRED";
    };
    const { done } = await run({ dataset: "train@1", model: BASE, hyperparameters: { n_epochs: 8 } });
    expect(done.status).toBe("failed");
    expect(done.error).toBe("training failed: the job ended JOB_STATE_EXPIRED");
  });

  it("says an unknown state once as a warning, and fails naming it after the bounded wait", async () => {
    fake.onCreate = (job) => {
      job.state = "JOB_STATE_SHINY_NEW";
    };
    const providers = new Providers({ config, now: steppingClock(3600_000) }); // an hour passes per look
    const { experiment } = await createExperiment(ws, {
      project: "p",
      provider: "fireworks",
      dataset: "train@1",
      model: BASE,
      hyperparameters: { n_epochs: 9 },
    });
    const done = await runExperiment(
      ws,
      { ...services, trainer: (name) => providers.trainer(name) },
      experiment.id,
      new AbortController().signal,
    );
    expect(done.status).toBe("failed");
    expect(done.error).toBe(
      `training failed: Fireworks reported the job in JOB_STATE_SHINY_NEW (a state tunelab does not know) for 24 hours: tunelab stopped following it; it may still be on Fireworks (firectl get supervised-fine-tuning-job ${done.providerJobId})`,
    );
    expect(done.warnings).toEqual([
      "Fireworks reports the job in JOB_STATE_SHINY_NEW, a state tunelab does not know: it is followed as waiting for up to 24 hours",
    ]);
  });
});
