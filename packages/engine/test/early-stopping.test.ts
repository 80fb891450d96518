// Early stopping through the SDK, as a user sees it: a tiny job whose validation file contradicts its
// training file (same questions, other answers) gets early_stopping_patience 3 from `auto`, stops
// before its last step but not before 30% of it (validations before then do not count), and says why
// in its events (with the step whose weights it kept and the step it counted from).
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineWithClient } from "./engine-client.ts";

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
beforeAll(async () => {
  ctx = await engineWithClient();
});
afterAll(async () => ctx.dispose());

const line = (i: number, answer: string) =>
  JSON.stringify({
    messages: [
      { role: "user", content: `What colour is box ${i}?` },
      { role: "assistant", content: answer },
    ],
  });
const jsonl = (answer: string) => `${Array.from({ length: 16 }, (_, i) => line(i, answer)).join("\n")}\n`;

describe("early stopping", () => {
  it("a job with a validation file stops when validation stops improving and says why", async () => {
    const { client } = ctx;
    const upload = async (text: string, name: string) =>
      client.files.create({ file: await toFile(Buffer.from(text), name), purpose: "fine-tune" });
    const training = await upload(jsonl("red"), "train.jsonl");
    const validation = await upload(jsonl("a deep blue"), "valid.jsonl");
    const created = await client.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: training.id,
      validation_file: validation.id,
      seed: 7,
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 40, batch_size: 4 } } },
    });
    let job = created;
    while (!["succeeded", "failed", "cancelled"].includes(job.status)) {
      await new Promise((r) => setTimeout(r, 100));
      job = await client.fineTuning.jobs.retrieve(created.id);
    }
    expect(job.status).toBe("succeeded");
    expect(job.hyperparameters).toMatchObject({ n_epochs: 40, batch_size: 4, early_stopping_patience: 3 });

    const events = [];
    for await (const event of client.fineTuning.jobs.listEvents(created.id, { limit: 200 })) events.push(event);
    const stop = events.find((e) => e.message.startsWith("Early stopping at step"));
    expect(stop?.message).toMatch(
      /^Early stopping at step (\d+): validation loss and token accuracy did not improve for 3 validations in a row \(counted from step 48\); the tuned model keeps the weights of step (\d+) \(valid_loss=[\d.]+, valid_mean_token_accuracy=[\d.]+\)\.$/,
    );
    const data = (
      stop?.data as { early_stopping: { step: number; best_step: number; patience: number; counted_from_step: number } } | undefined
    )?.early_stopping ?? { step: Number.NaN, best_step: Number.NaN, patience: 0, counted_from_step: Number.NaN };
    expect(data.patience).toBe(3);
    expect(data.counted_from_step).toBe(48); // 30% of 40 epochs × 4 steps
    expect(data.best_step).toBeLessThan(data.step);
    expect(data.step).toBeGreaterThanOrEqual(48);
    expect(data.step).toBeLessThan(160);
    // the metrics end at the stopping step, and the job still produced its tuned model
    const steps = events.filter((e) => e.type === "metrics").map((e) => (e.data as { step: number }).step);
    expect(Math.max(...steps)).toBe(data.step);
    expect(job.fine_tuned_model).toMatch(/^ft:local-tiny:/);
  }, 120_000);
});
