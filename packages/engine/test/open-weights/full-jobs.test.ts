/**
 * Full fine-tuning of a small open-weight base on request (`training_type: "full"`): every weight
 * trains, the tuned model is a complete Hugging Face checkpoint that answers as trained, exports as
 * a merged checkpoint (not as an adapter), and continues with another job.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toFile } from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { exportTunedModel, findModel, registerBaseModel } from "../../src/index.ts";
import { engineWithClient } from "../engine-client.ts";
import { FIXTURES } from "./reference.ts";
import { TICKETS, ticketsJsonl } from "./tickets.ts";

/** The tickets without a system message. */
const jsonl = () => ticketsJsonl(TICKETS, null);

const out = mkdtempSync(join(tmpdir(), "tunelab-full-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("full fine-tuning of an open-weight base", () => {
  it("trains every weight, answers as trained, exports merged and refuses PEFT", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}smollm`, name: "tiny-smollm" });
      const file = await ctx.client.files.create({ file: await toFile(Buffer.from(jsonl()), "t.jsonl"), purpose: "fine-tune" });
      const created = await ctx.client.fineTuning.jobs.create({
        model: "tiny-smollm",
        training_file: file.id,
        seed: 2,
        hyperparameters: { training_type: "full", n_epochs: 15, batch_size: 5, learning_rate_multiplier: 100 } as never,
      });
      let job = created;
      while (!["succeeded", "failed", "cancelled"].includes(job.status)) {
        await new Promise((r) => setTimeout(r, 100));
        job = await ctx.client.fineTuning.jobs.retrieve(created.id);
      }
      expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
      expect(job.hyperparameters).toMatchObject({ training_type: "full" });
      expect(job.hyperparameters).not.toHaveProperty("lora_rank");
      for (const [user, label] of TICKETS) {
        const reply = await ctx.client.chat.completions.create({
          model: job.fine_tuned_model ?? "",
          temperature: 0,
          max_tokens: 6,
          messages: [{ role: "user", content: user }],
        });
        expect(reply.choices[0]?.message.content, user).toBe(label);
      }
      const row = await findModel(ctx.engine.store, job.fine_tuned_model ?? "");
      if (!row) throw new Error("tuned model not stored");
      await expect(exportTunedModel({ modelDir: row.dir, format: "peft", outDir: join(out, "peft") })).rejects.toThrow(
        /no adapter.*--format merged/,
      );
      const merged = await exportTunedModel({ modelDir: row.dir, format: "merged", outDir: join(out, "merged") });
      expect(merged.files).toEqual(expect.arrayContaining(["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]));
      expect(existsSync(join(out, "merged", "optimizer.bin"))).toBe(false);
      expect(JSON.parse(readFileSync(join(out, "merged", "config.json"), "utf8")).torch_dtype).toBe("float32");
      // The merged export registers as a base and answers the same.
      await registerBaseModel(ctx.engine.store, { dir: join(out, "merged"), name: "tiny-smollm-tuned" });
      const again = await ctx.client.chat.completions.create({
        model: "tiny-smollm-tuned",
        temperature: 0,
        max_tokens: 6,
        messages: [{ role: "user", content: "I was charged twice" }],
      });
      expect(again.choices[0]?.message.content).toBe("billing");
    } finally {
      await ctx.dispose();
    }
  }, 300_000);

  it("refuses full fine-tuning with DPO, and for local-* models, naming the parameter", async () => {
    const ctx = await engineWithClient({ runJobs: false });
    try {
      await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}smollm`, name: "tiny-smollm" });
      const file = await ctx.client.files.create({ file: await toFile(Buffer.from(jsonl()), "t.jsonl"), purpose: "fine-tune" });
      await expect(
        ctx.client.fineTuning.jobs.create({
          model: "local-tiny",
          training_file: file.id,
          hyperparameters: { training_type: "full" } as never,
        }),
      ).rejects.toMatchObject({ status: 400, param: "hyperparameters.training_type" });
      await expect(
        ctx.client.fineTuning.jobs.create({
          model: "tiny-smollm",
          training_file: file.id,
          method: { type: "dpo", dpo: { hyperparameters: { training_type: "full" } as never } },
        }),
      ).rejects.toMatchObject({ status: 400, param: "hyperparameters.training_type" });
    } finally {
      await ctx.dispose();
    }
  });
});
