// Examples longer than a model's training context, through the SDK as a user sees them: each one is trained on its
// last `context` tokens (the answer is at the end), and the job's events say so once, as a `warn` event naming how
// many examples of which file and the context, instead of training on part of the data silently. Jobs whose examples
// all fit say nothing of the kind. Both the from-scratch loop (local-tiny, 256 tokens) and LoRA on an open-weight
// base (the tiny Qwen2 fixture, 256 positions) are covered.
import type OpenAI from "openai";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBaseModel } from "../src/index.ts";
import { engineWithClient, numberedWords, waitForJob } from "./engine-client.ts";
import { FIXTURES } from "./open-weights/reference.ts";

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
beforeAll(async () => {
  ctx = await engineWithClient({ checkpointEvery: 1000 });
  await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" });
});
afterAll(async () => ctx.dispose());

const line = (i: number, words: number) =>
  JSON.stringify({
    messages: [
      { role: "user", content: `Route ticket ${i}: ${numberedWords(i, words)}` },
      { role: "assistant", content: i % 2 === 0 ? "billing" : "bug" },
    ],
  });
/** `n` examples, the first `long` of them 400 words long (far over 256 tokens), the others 5 words. */
const jsonl = (n: number, long: number) => `${Array.from({ length: n }, (_, i) => line(i, i < long ? 400 : 5)).join("\n")}\n`;

async function runJob(client: OpenAI, model: string, training: string, validation: string) {
  const upload = async (text: string, name: string) =>
    (await client.files.create({ file: await toFile(Buffer.from(text), name), purpose: "fine-tune" })).id;
  const created = await client.fineTuning.jobs.create({
    model,
    training_file: await upload(training, "train.jsonl"),
    validation_file: await upload(validation, "valid.jsonl"),
    seed: 1,
    method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 1, batch_size: 4 } } },
  });
  const job = await waitForJob(client, created.id);
  expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
  const events = [];
  for await (const event of client.fineTuning.jobs.listEvents(created.id, { limit: 200 })) events.push(event);
  return events.filter((e) => e.message.includes("longer than the model's training context"));
}

describe("examples longer than the training context", () => {
  for (const model of ["local-tiny", "tiny-qwen2"]) {
    it(`${model}: the job warns once, naming the files, the counts and the context`, async () => {
      const notices = await runJob(ctx.client, model, jsonl(10, 2), jsonl(4, 1));
      expect(notices).toHaveLength(1);
      const [notice] = notices;
      expect(notice?.level).toBe("warn");
      expect(notice?.message).toMatch(
        /^2 of 10 training examples and 1 of 4 validation examples are longer than the model's training context of 256 tokens \(the longest: (\d+) tokens\); each is trained on its last 256 tokens, so the start of its prompt is not seen\./,
      );
      const data = (notice?.data as { over_long_examples?: Record<string, number> } | undefined)?.over_long_examples ?? {};
      expect(data).toMatchObject({ context_tokens: 256, training: 2, validation: 1 });
      expect(data.longest_tokens).toBeGreaterThan(257);
      expect(notice?.message).toContain(`the longest: ${data.longest_tokens} tokens`);
    }, 120_000);

    it(`${model}: a job whose examples all fit says nothing of the kind`, async () => {
      expect(await runJob(ctx.client, model, jsonl(10, 0), jsonl(4, 0))).toEqual([]);
    }, 120_000);
  }
});
