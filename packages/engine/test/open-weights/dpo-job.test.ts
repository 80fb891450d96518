/**
 * DPO through the official SDK on a registered open-weight base: OpenAI's preference JSONL, `beta`,
 * a validation file of held-out pairs. The preferred answer's log-probability margin over the
 * rejected one must grow on the held-out pairs (measured against the base model, independently of
 * the job's own metrics). The same on the base held in 8 bits (`base_quantization: "q8_0"`).
 */
import { toFile } from "openai";
import { describe, expect, it } from "vitest";
import { createChatCodec } from "../../src/hf/chat-codec.ts";
import { openHfDecoderModel } from "../../src/hf/load.ts";
import { type PreferencePair, sequenceLogprobs } from "../../src/hf/lora/dpo.ts";
import { loadLoraDir } from "../../src/hf/lora/lora-dir.ts";
import { LoraParams, loraLayout } from "../../src/hf/lora/params.ts";
import { DEFAULT_LORA } from "../../src/hf/lora/settings.ts";
import { LoraTrainModel } from "../../src/hf/lora/train-model.ts";
import { registerBaseModel } from "../../src/index.ts";
import { nativeKernels } from "../../src/trainer/kernels/native.ts";
import { engineWithClient } from "../engine-client.ts";
import { FIXTURES } from "./reference.ts";

const QUESTIONS = [
  "Is the sky blue?",
  "Can I pay by card?",
  "Do you ship abroad?",
  "Is there a free plan?",
  "Can I cancel anytime?",
  "Do you have an API?",
  "Is support open today?",
  "Can I export my data?",
  "Do you offer refunds?",
  "Is my data encrypted?",
  "Can teams share projects?",
  "Do you support SSO?",
];
const HELD_OUT = ["Is the app free?", "Can I change my plan?", "Do you store logs?", "Is there a trial?"];

const line = (q: string) =>
  JSON.stringify({
    input: { messages: [{ role: "user", content: q }] },
    preferred_output: [{ role: "assistant", content: "Yes, of course." }],
    non_preferred_output: [{ role: "assistant", content: "No." }],
  });

describe("DPO on an open-weight base through the official SDK", () => {
  // also on the base held in 8 bits (base_quantization q8_0): the reference model is that base, measured on it too
  it.each([
    ["as stored", undefined],
    ["held in 8 bits", "q8_0"],
  ] as const)(
    "raises the preferred answer's log-probability margin on held-out pairs (base %s)",
    async (_, quantization) => {
      const ctx = await engineWithClient({ checkpointEvery: 1000 });
      try {
        await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" });
        const upload = async (lines: string[], name: string) =>
          ctx.client.files.create({ file: await toFile(Buffer.from(`${lines.join("\n")}\n`), name), purpose: "fine-tune" });
        const train = await upload(QUESTIONS.map(line), "prefs.jsonl");
        const valid = await upload(HELD_OUT.map(line), "held-out.jsonl");
        const created = await ctx.client.fineTuning.jobs.create({
          model: "tiny-qwen2",
          training_file: train.id,
          validation_file: valid.id,
          seed: 5,
          method: {
            type: "dpo",
            dpo: {
              hyperparameters: {
                beta: 0.2,
                n_epochs: 10,
                batch_size: 4,
                learning_rate_multiplier: 20,
                lora_rank: 8,
                ...(quantization ? { base_quantization: quantization } : {}),
              } as never,
            },
          },
        });
        let job = created;
        while (!["succeeded", "failed", "cancelled"].includes(job.status)) {
          await new Promise((r) => setTimeout(r, 100));
          job = await ctx.client.fineTuning.jobs.retrieve(created.id);
        }
        expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
        expect(job.method?.type).toBe("dpo");
        expect(job.method?.dpo?.hyperparameters?.beta).toBe(0.2);

        // Independent measurement: log π(preferred) − log π(rejected) on the held-out pairs, base vs tuned.
        const k = nativeKernels();
        const dir = `${FIXTURES}qwen2`;
        const model = openHfDecoderModel(dir, k, quantization ? { weights: quantization } : {});
        const codec = await createChatCodec(dir);
        const pairs: PreferencePair[] = HELD_OUT.map((q) => ({
          chosen: codec.encodeResponse(
            [
              { role: "user", content: q },
              { role: "assistant", content: "Yes, of course." },
            ],
            undefined,
          ),
          rejected: codec.encodeResponse(
            [
              { role: "user", content: q },
              { role: "assistant", content: "No." },
            ],
            undefined,
          ),
        }));
        const margins = (lora: LoraParams) => {
          const lp = sequenceLogprobs(
            new LoraTrainModel(model, lora),
            pairs,
            pairs.map((_, i) => i),
            256,
          );
          return pairs.map((_, i) => (lp[2 * i] as number) - (lp[2 * i + 1] as number));
        };
        const base = new LoraParams(k, loraLayout(model.arch, DEFAULT_LORA), DEFAULT_LORA); // all zero: the base model
        const tuned = loadLoraDir(`${ctx.root}/models/${job.id}/final`, model.arch, k).lora;
        const before = margins(base);
        const after = margins(tuned);
        for (const [i, m] of after.entries()) expect(m, HELD_OUT[i]).toBeGreaterThan((before[i] as number) + 1);
        // The job's own held-out metric agrees: every held-out pair now prefers the chosen answer.
        let lastValid: number | undefined;
        for await (const e of ctx.client.fineTuning.jobs.listEvents(job.id, { limit: 200 })) {
          const v = (e.data as { valid_mean_token_accuracy?: number } | null)?.valid_mean_token_accuracy;
          if (e.type === "metrics" && v !== undefined && v !== null && lastValid === undefined) lastValid = v;
        }
        expect(lastValid).toBe(1);
      } finally {
        await ctx.dispose();
      }
    },
    300_000,
  );
});
