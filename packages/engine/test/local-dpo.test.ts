/**
 * DPO on a `local-*` model through the official SDK: a supervised job first (the model learns the
 * format), then a DPO job continuing from it. The preferred answer's margin over the rejected one
 * must grow on held-out pairs (the job's validation metric, whose reference is the model before DPO).
 */
import { toFile } from "openai";
import { describe, expect, it } from "vitest";
import { engineWithClient } from "./engine-client.ts";

const WORDS = Array.from({ length: 16 }, (_, i) => `item ${i}`);
const sft = () =>
  `${WORDS.map((w, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: w },
        { role: "assistant", content: i % 2 ? "yes" : "no" },
      ],
    }),
  ).join("\n")}\n`;
const pref = (w: string) =>
  JSON.stringify({
    input: { messages: [{ role: "user", content: w }] },
    preferred_output: [{ role: "assistant", content: "yes" }],
    non_preferred_output: [{ role: "assistant", content: "no" }],
  });

describe("DPO on a local-* model", () => {
  it("continues a supervised model and prefers the chosen answer on held-out pairs", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    const wait = async (id: string) => {
      let job = await ctx.client.fineTuning.jobs.retrieve(id);
      while (!["succeeded", "failed", "cancelled"].includes(job.status)) {
        await new Promise((r) => setTimeout(r, 100));
        job = await ctx.client.fineTuning.jobs.retrieve(id);
      }
      return job;
    };
    try {
      const upload = async (text: string, name: string) =>
        ctx.client.files.create({ file: await toFile(Buffer.from(text), name), purpose: "fine-tune" });
      const first = await ctx.client.fineTuning.jobs.create({
        model: "local-tiny",
        training_file: (await upload(sft(), "sft.jsonl")).id,
        seed: 1,
        hyperparameters: { n_epochs: 20, batch_size: 4 },
      });
      const tuned = await wait(first.id);
      expect(tuned.status, JSON.stringify(tuned.error)).toBe("succeeded");
      const train = await upload(`${WORDS.slice(0, 12).map(pref).join("\n")}\n`, "prefs.jsonl");
      const heldOut = await upload(`${WORDS.slice(12).map(pref).join("\n")}\n`, "held-out.jsonl");
      const dpo = await ctx.client.fineTuning.jobs.create({
        model: tuned.fine_tuned_model ?? "",
        training_file: train.id,
        validation_file: heldOut.id,
        seed: 2,
        method: { type: "dpo", dpo: { hyperparameters: { beta: 0.5, n_epochs: 10, batch_size: 4 } } },
      });
      const done = await wait(dpo.id);
      expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
      expect(done.method?.dpo?.hyperparameters?.beta).toBe(0.5);
      const validAccuracy: number[] = [];
      const validLoss: number[] = [];
      for await (const e of ctx.client.fineTuning.jobs.listEvents(done.id, { limit: 200 })) {
        const d = e.data as { valid_mean_token_accuracy?: number; valid_loss?: number } | null;
        if (e.type === "metrics" && typeof d?.valid_loss === "number") {
          validLoss.unshift(d.valid_loss);
          validAccuracy.unshift(d.valid_mean_token_accuracy ?? 0);
        }
      }
      expect(validLoss.length).toBeGreaterThan(2);
      // log 2 at the start (the reference is the model itself); the held-out pairs then prefer the chosen answer.
      expect(validLoss[validLoss.length - 1]).toBeLessThan(Math.LN2 / 2);
      expect(validAccuracy[validAccuracy.length - 1]).toBe(1);
      const reply = await ctx.client.chat.completions.create({
        model: done.fine_tuned_model ?? "",
        temperature: 0,
        messages: [{ role: "user", content: "item 14" }],
      });
      // DPO raises the preferred answer relative to the rejected one; it may also move other tokens (no SFT term here).
      expect(reply.choices[0]?.message.content).toContain("yes");
    } finally {
      await ctx.dispose();
    }
  }, 300_000);
});
