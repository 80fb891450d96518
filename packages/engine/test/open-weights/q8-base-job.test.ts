/**
 * LoRA on a base held in 8 bits (`base_quantization: "q8_0"`) through the official SDK: the job trains the adapter on
 * the Q8 copy of the base, records it with the tuned model, and the tuned model is served on the same Q8 base, answering
 * as trained; the base itself still serves as stored. Settings that cannot apply are refused with the parameter named.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { toFile } from "openai";
import { describe, expect, it } from "vitest";
import { findModel, registerBaseModel } from "../../src/index.ts";
import { TunedModels } from "../../src/models/missing-models.ts";
import { RunnableModels } from "../../src/models/runnable-models.ts";
import { engineWithClient } from "../engine-client.ts";
import { FIXTURES } from "./reference.ts";
import { ticketsJsonl } from "./tickets.ts";
import { expectLossFellTenfold, expectRoutesTickets, trainLosses, trainTicketRouter } from "./tuned-checks.ts";

const HYPER = {
  n_epochs: 20,
  batch_size: 5,
  learning_rate_multiplier: 25,
  lora_rank: 8,
  lora_alpha: 16,
  base_quantization: "q8_0",
} as const;

describe("LoRA on a base held in 8 bits (base_quantization q8_0)", () => {
  it("trains, records the base's quantization, and serves the tuned model on the 8-bit base", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      const job = await trainTicketRouter(ctx, HYPER);
      expect(job.hyperparameters).toMatchObject({ lora_rank: 8, base_quantization: "q8_0" });
      const row = await findModel(ctx.engine.store, job.fine_tuned_model ?? "");
      const meta = JSON.parse(readFileSync(join(row?.dir ?? "", "tunelab.json"), "utf8")) as { base_weights?: string };
      expect(meta.base_weights).toBe("q8_0");
      // served on the base as it trained: 8-bit for the tuned model, as stored for the base itself
      const runnable = new RunnableModels(ctx.engine.store, new TunedModels(ctx.engine.store));
      try {
        expect(await runnable.resolve(job.fine_tuned_model ?? "")).toMatchObject({ kind: "lora", baseWeights: "q8_0" });
        expect(await runnable.resolve("tiny-qwen2")).not.toHaveProperty("baseWeights");
      } finally {
        await runnable.close();
      }
      expectLossFellTenfold(await trainLosses(ctx.client, job.id));
      await expectRoutesTickets(ctx.client, job.fine_tuned_model ?? "");
    } finally {
      await ctx.dispose();
    }
  }, 300_000);

  it("refuses it for a local-* model and with training_type full, naming the parameter", async () => {
    const ctx = await engineWithClient({ runJobs: false });
    try {
      await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" });
      const file = await ctx.client.files.create({ file: await toFile(Buffer.from(ticketsJsonl()), "t.jsonl"), purpose: "fine-tune" });
      const create = (model: string, hyperparameters: Record<string, unknown>) =>
        ctx.client.fineTuning.jobs.create({ model, training_file: file.id, hyperparameters: hyperparameters as never });
      await expect(create("local-tiny", { base_quantization: "q8_0" })).rejects.toMatchObject({
        status: 400,
        param: "hyperparameters.base_quantization",
      });
      await expect(create("tiny-qwen2", { training_type: "full", base_quantization: "q8_0" })).rejects.toMatchObject({
        status: 400,
        param: "hyperparameters.base_quantization",
      });
      await expect(create("tiny-qwen2", { base_quantization: "q4" })).rejects.toMatchObject({ status: 400 });
      const ok = await create("tiny-qwen2", { base_quantization: "auto" });
      expect(ok.status).toBe("validating_files");
    } finally {
      await ctx.dispose();
    }
  });
});
