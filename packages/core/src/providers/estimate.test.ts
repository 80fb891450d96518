// exp create's checks and the dry-run estimate for hosted providers, with no provider running: the capability table
// refuses what a provider cannot train before anything is stored or uploaded, and the estimate is tokens per epoch
// (from the dataset version's stats) × epochs × the dated default price.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getVersionByRef } from "../datasets/dataset.repository.ts";
import { createExperiment } from "../experiments/create-experiment.ts";
import { listExperiments } from "../experiments/experiment.repository.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import { seedChatAndPreferences } from "../test-support/experiment-data.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { estimateExperiment } from "./estimate.ts";
import { providerKind, type TunelabConfig } from "./provider-config.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
// nothing listens on port 9: any network call would fail the test
const config: TunelabConfig = {
  providers: {
    together: { kind: "together", baseURL: "http://127.0.0.1:9/v1", apiKeyEnv: "TOGETHER_API_KEY" },
    fireworks: { kind: "fireworks", baseURL: "http://127.0.0.1:9/inference/v1", apiKeyEnv: "FIREWORKS_API_KEY" },
    priced: { kind: "together", baseURL: "http://127.0.0.1:9/v1", pricing: { "*": { input: 1, output: 2, training: 10 } } },
    listed: { kind: "together", baseURL: "http://127.0.0.1:9/v1", models: ["meta-llama/Llama-3.2-1B-Instruct"] },
  },
};

beforeAll(async () => {
  ws = await tempWorkspace();
  await seedChatAndPreferences(ws);
});
afterAll(async () => ws.dispose());

describe("estimateExperiment", () => {
  it("maps the hyperparameters to Together's names and prices the billed tokens", async () => {
    const estimate = await estimateExperiment(ws, config, {
      project: "p",
      dataset: "train@1",
      model: "meta-llama/Llama-3.2-1B-Instruct",
      provider: "together",
      hyperparameters: { n_epochs: 3, learning_rate_multiplier: 0.5, lora_rank: 8, lora_target_modules: ["q_proj", "v_proj"] },
    });
    const version = await getVersionByRef(ws.db, (await getProjectByName(ws.db, "p")).id, "train@1");
    expect(estimate.tokensPerEpoch).toBe(version.stats.billingTokensPerEpoch);
    expect(estimate.tokensPerEpoch).toBeGreaterThan(0);
    expect(estimate.billedTokens).toBe(3 * version.stats.billingTokensPerEpoch);
    expect(estimate.pricePerMillion).toBe(0.48);
    expect(estimate.costUsd).toBeCloseTo((estimate.billedTokens * 0.48) / 1e6, 12);
    expect(estimate.priceSource).toContain("default together prices as of 2026-12-02");
    expect(estimate.mapped).toEqual([
      { ours: "n_epochs", value: 3, theirs: "n_epochs", sent: 3 },
      {
        ours: "learning_rate_multiplier",
        value: 0.5,
        theirs: "learning_rate",
        sent: 0.000005,
        note: "× Together's default learning rate 0.00001",
      },
      { ours: "lora_rank", value: 8, theirs: "training_type.lora_r", sent: 8 },
      { ours: "lora_target_modules", value: ["q_proj", "v_proj"], theirs: "training_type.lora_trainable_modules", sent: "q_proj,v_proj" },
    ]);
    expect(estimate.request).toMatchObject({
      training_type: { type: "Lora", lora_r: 8, lora_alpha: 32, lora_trainable_modules: "q_proj,v_proj" },
    });
    expect(await listExperiments(ws.db, (await getProjectByName(ws.db, "p")).id)).toEqual([]); // nothing stored
  });

  it("uses the provider's default epochs for auto, the DPO price for DPO, and the config's price over the default", async () => {
    const dpo = await estimateExperiment(ws, config, {
      project: "p",
      dataset: "prefs@1",
      model: "Qwen2.5-7B",
      provider: "together",
      method: "dpo",
    });
    expect(dpo.epochs).toBe(1);
    expect(dpo.epochsFrom).toContain("provider's default");
    expect(dpo.pricePerMillion).toBe(1.2);
    const priced = await estimateExperiment(ws, config, { project: "p", dataset: "train@1", model: "any-model", provider: "priced" });
    expect(priced.pricePerMillion).toBe(10);
    expect(priced.priceSource).toBe("tunelab.config.json providers.priced.pricing");
    const unpriced = await estimateExperiment(ws, config, {
      project: "p",
      dataset: "train@1",
      model: "mystery-model",
      provider: "together",
    });
    expect(unpriced.costUsd).toBeNull();
  });

  it("prices the local engine's training at $0 (it trains on this machine)", async () => {
    const local = await estimateExperiment(ws, config, { project: "p", dataset: "train@1", model: "local-tiny", provider: "local" });
    expect(local.costUsd).toBe(0);
    expect(local.pricePerMillion).toBe(0);
    expect(local.priceSource).toBe("trains on this machine");
    expect(local.resolved).toBeNull(); // without the engine's planner (the CLI passes it: apps/cli/test/local-dry-run.test.ts)
  });

  it("refuses what the provider cannot train, naming the field, and unknown providers", async () => {
    await expect(
      estimateExperiment(ws, config, {
        project: "p",
        dataset: "prefs@1",
        model: "llama-v3p1-8b-instruct",
        provider: "fireworks",
        method: "dpo",
      }),
    ).rejects.toThrow("provider fireworks (kind fireworks) cannot train method dpo; it trains supervised");
    await expect(
      estimateExperiment(ws, config, {
        project: "p",
        dataset: "train@1",
        model: "llama-v3p1-8b-instruct",
        provider: "fireworks",
        hyperparameters: { training_type: "full" },
      }),
    ).rejects.toThrow("hyperparameters.training_type: provider fireworks (kind fireworks) trains lora, not full");
    await expect(
      estimateExperiment(ws, config, {
        project: "p",
        dataset: "train@1",
        model: "m-8B",
        provider: "fireworks",
        hyperparameters: { lora_alpha: 16 },
      }),
    ).rejects.toThrow("hyperparameters.lora_alpha: provider fireworks (kind fireworks) has no such setting");
    await expect(
      estimateExperiment(ws, config, { project: "p", dataset: "train@1", model: "Qwen2.5-7B", provider: "listed" }),
    ).rejects.toThrow("model: provider listed is configured to tune meta-llama/Llama-3.2-1B-Instruct, not Qwen2.5-7B");
    await expect(estimateExperiment(ws, config, { project: "p", dataset: "train@1", model: "m", provider: "nope" })).rejects.toThrow(
      'unknown provider "nope"',
    );
  });
});

describe("createExperiment with the provider's kind", () => {
  it("refuses before storing anything", async () => {
    const project = await getProjectByName(ws.db, "p");
    await expect(
      createExperiment(
        ws,
        { project: "p", dataset: "train@1", model: "m-1B", provider: "together", hyperparameters: { prompt_loss_weight: 0.3 } },
        { kindOf: (name) => providerKind(config, name) },
      ),
    ).rejects.toThrow("hyperparameters.prompt_loss_weight: Together either masks prompts or trains on them");
    expect(await listExperiments(ws.db, project.id)).toEqual([]);
  });
});
