// OpenAI winds down self-serve fine-tuning (no new jobs after 2027-01-06): the trainer of provider `openai` (here
// OPENAI_BASE_URL points at the loopback replica of OpenAI's API) warns with each experiment until then, and from the
// next day on a refused job creation says that OpenAI takes no new jobs and where to train instead. Copies of OpenAI's
// API elsewhere are not concerned. The clock is the Providers' `now`, never the wall clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAzure, startFakeAzure } from "../../test-support/fake-azure-openai.ts";
import { chat, jsonl } from "../../test-support/temp-workspace.ts";
import { Providers } from "../providers.ts";
import { OPENAI_WIND_DOWN_WARNING } from "./openai-wind-down.ts";
import type { JobRequest } from "./trainer.ts";

const BASE = "gpt-4.1-nano-2025-04-14";
let fake: FakeAzure;
const signal = new AbortController().signal;
const file = { name: "train-1.jsonl", content: Buffer.from(jsonl([chat("Hi", "Hello")])) };
const request = (trainingFile: string): JobRequest => ({
  experimentId: "exp_wind",
  baseModel: BASE,
  trainingFile,
  validationFile: null,
  suffix: null,
  seed: 1,
  method: "supervised",
  hyperparameters: { n_epochs: "auto", batch_size: "auto", learning_rate_multiplier: "auto" },
});
const providers = (day: string) =>
  new Providers({
    config: { providers: { copy: { kind: "openai", baseURL: fake.baseURL, apiKeyEnv: "OPENAI_API_KEY" } } },
    now: () => new Date(`${day}T12:00:00Z`),
  });

beforeAll(async () => {
  fake = await startFakeAzure({ flavour: "openai", apiKey: "sk-wind", models: [BASE], deployments: {} });
  process.env.OPENAI_API_KEY = "sk-wind";
  process.env.OPENAI_BASE_URL = fake.baseURL;
});
afterAll(async () => {
  await fake.close();
  delete process.env.OPENAI_API_KEY;
  delete process.env.OPENAI_BASE_URL;
});

describe("OpenAI's fine-tuning wind-down", () => {
  it("warns once per follow until 2027-01-06, and not for a copy of OpenAI's API", async () => {
    const trainer = providers("2027-01-06").trainer("openai");
    const job = await trainer.createJob(request(await trainer.uploadFile(file, signal)), signal);
    const seen = new Set<string>();
    expect((await trainer.newEvents(job, seen, signal)).warnings).toEqual([OPENAI_WIND_DOWN_WARNING]);
    expect((await trainer.newEvents(job, seen, signal)).warnings).toEqual([]);
    const copy = providers("2026-12-04").trainer("copy");
    expect((await copy.newEvents(job, new Set(), signal)).warnings).toEqual([]);
  });

  it("from 2027-01-07, a refused job creation says OpenAI takes no new jobs and where to train instead", async () => {
    const trainer = providers("2027-01-07").trainer("openai");
    const id = await trainer.uploadFile(file, signal);
    fake.failNext("POST /v1/fine_tuning/jobs", 400, 1, "Fine-tuning is not available for your organization.");
    await expect(trainer.createJob(request(id), signal)).rejects.toThrow(
      /OpenAI takes no new fine-tuning jobs since 2027-01-06 \(it answered: .*Fine-tuning is not available for your organization\.\); train on the embedded engine \(--provider local\) or on Together or Fireworks/,
    );
    const job = await trainer.createJob(request(id), signal);
    expect((await trainer.newEvents(job, new Set(), signal)).warnings).toEqual([]);
  });
});
