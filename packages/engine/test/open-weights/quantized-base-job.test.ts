/**
 * LoRA on a base held in 8 or 4 bits (`base_quantization: "q8_0"` / `"q4_0"`) through the official SDK: the job trains
 * the adapter on the quantized copy of the base, records it with the tuned model, and the tuned model is served on the
 * same quantized base, answering as trained; the base itself still serves as stored. `auto` holds the base in blocks
 * when it would take more than half of the engine's memory. Settings that cannot apply are refused with the parameter
 * named.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { toFile } from "openai";
import { describe, expect, it } from "vitest";
import { baseWeightBytes } from "../../src/hf/lora/base-memory.ts";
import { findModel, planJobHyperparameters, registerBaseModel } from "../../src/index.ts";
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
} as const;

describe("LoRA on a base held in 8 or 4 bits (base_quantization q8_0, q4_0)", () => {
  it.each([
    ["q8_0", 8],
    ["q4_0", 4],
  ] as const)(
    "%s: trains, records the base's quantization, and serves the tuned model on that base",
    async (held, bits) => {
      const ctx = await engineWithClient({ checkpointEvery: 1000 });
      try {
        const job = await trainTicketRouter(ctx, { ...HYPER, base_quantization: held });
        expect(job.hyperparameters).toMatchObject({ lora_rank: 8, base_quantization: held });
        const row = await findModel(ctx.engine.store, job.fine_tuned_model ?? "");
        const meta = JSON.parse(readFileSync(join(row?.dir ?? "", "tunelab.json"), "utf8")) as { base_weights?: string };
        expect(meta.base_weights).toBe(held);
        // the job says how the base is held and what it takes
        const notices = [];
        for await (const e of ctx.client.fineTuning.jobs.listEvents(job.id, { limit: 1000 }))
          if (e.message.startsWith("The base model is held")) notices.push(e);
        expect(notices).toHaveLength(1);
        expect(notices[0]?.message).toMatch(
          new RegExp(
            `^The base model is held in ${bits}-bit blocks \\(base_quantization ${held}\\): its matrices take [\\d.]+ KiB, the base as stored [\\d.]+ KiB; loading and quantizing took [\\d.]+ s\\.$`,
          ),
        );
        const data = notices[0]?.data as { matrix_bytes: number; stored_bytes: number };
        expect(data.matrix_bytes / data.stored_bytes).toBeLessThan(held === "q8_0" ? 0.6 : 0.35);
        // served on the base as it trained: quantized for the tuned model, as stored for the base itself
        const runnable = new RunnableModels(ctx.engine.store, new TunedModels(ctx.engine.store));
        try {
          expect(await runnable.resolve(job.fine_tuned_model ?? "")).toMatchObject({ kind: "lora", baseWeights: held });
          expect(await runnable.resolve("tiny-qwen2")).not.toHaveProperty("baseWeights");
        } finally {
          await runnable.close();
        }
        expectLossFellTenfold(await trainLosses(ctx.client, job.id));
        await expectRoutesTickets(ctx.client, job.fine_tuned_model ?? "");
        // continuing the adapter keeps its quantized base under auto, whatever the memory
        const continued = await planJobHyperparameters(ctx.engine.store, {
          request: { model: job.fine_tuned_model, training_file: "file-x" },
          training: [],
          hasValidation: false,
        });
        expect(continued.hyperparameters.base_quantization).toBe(held);
        expect(continued.from.base_quantization).toBe(`auto: ${held}: the adapter being continued was trained on the base in ${bits} bits`);
      } finally {
        await ctx.dispose();
      }
    },
    300_000,
  );

  it("refuses it for a local-* model and with training_type full, naming the parameter", async () => {
    const ctx = await engineWithClient({ runJobs: false });
    try {
      await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" });
      const file = await ctx.client.files.create({ file: await toFile(Buffer.from(ticketsJsonl()), "t.jsonl"), purpose: "fine-tune" });
      const create = (model: string, hyperparameters: Record<string, unknown>) =>
        ctx.client.fineTuning.jobs.create({ model, training_file: file.id, hyperparameters: hyperparameters as never });
      for (const [held, bits] of [
        ["q8_0", 8],
        ["q4_0", 4],
      ] as const) {
        await expect(create("local-tiny", { base_quantization: held })).rejects.toMatchObject({
          status: 400,
          param: "hyperparameters.base_quantization",
        });
        await expect(create("tiny-qwen2", { training_type: "full", base_quantization: held })).rejects.toMatchObject({
          status: 400,
          param: "hyperparameters.base_quantization",
          message: expect.stringContaining(`base_quantization ${held} holds a frozen base in ${bits} bits for LoRA`),
        });
      }
      await expect(create("tiny-qwen2", { base_quantization: "q4" })).rejects.toMatchObject({ status: 400 });
      const ok = await create("tiny-qwen2", { base_quantization: "auto" });
      expect(ok.status).toBe("validating_files");
    } finally {
      await ctx.dispose();
    }
  });

  it("auto holds the base in 8 bits when it takes more than half of the engine's memory, and warns when asked not to", async () => {
    const weights = baseWeightBytes([`${FIXTURES}qwen2/model.safetensors`]);
    // the fixture's bf16 matrices: more than half of 1.5 × their bytes as stored, less than half in 8 bits
    const ctx = await engineWithClient({ memoryBytes: Math.floor(1.5 * weights.asStored), checkpointEvery: 1000 });
    try {
      await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" });
      const file = await ctx.client.files.create({ file: await toFile(Buffer.from(ticketsJsonl()), "t.jsonl"), purpose: "fine-tune" });
      const queued = async (hyperparameters: Record<string, unknown>) => {
        const created = await ctx.client.fineTuning.jobs.create({ model: "tiny-qwen2", training_file: file.id, hyperparameters });
        for (let i = 0; i < 500; i++) {
          const job = await ctx.client.fineTuning.jobs.retrieve(created.id);
          if (job.status !== "validating_files") {
            const events = [];
            for await (const e of ctx.client.fineTuning.jobs.listEvents(job.id)) events.push(e);
            return { job, warnings: events.filter((e) => e.level === "warn").map((e) => e.message) };
          }
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error("the job was never validated");
      };
      const auto = await queued({});
      expect(auto.job.status).not.toBe("failed");
      expect(auto.job.hyperparameters).toMatchObject({ training_type: "lora", base_quantization: "q8_0" });
      expect(auto.warnings).toEqual([]);
      const asStored = await queued({ base_quantization: "none" });
      expect(asStored.job.hyperparameters).toMatchObject({ base_quantization: "none" });
      expect(asStored.warnings).toEqual([
        expect.stringMatching(/^The base model's weights take .* as stored, more than half .*Consider base_quantization q8_0/),
      ]);
    } finally {
      await ctx.dispose();
    }
  });
});
