import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineWithClient, trainingJsonl } from "./engine-client.ts";

/** A tiny task a tiny model learns in a few hundred steps: a colour word maps to its temperature. */
const WARM = ["red", "orange", "yellow", "gold", "amber", "crimson", "scarlet", "coral", "peach", "rust"];
const COOL = ["blue", "green", "teal", "navy", "cyan", "mint", "azure", "jade", "indigo", "violet"];
const PAIRS: Array<[string, string]> = [
  ...WARM.map((w) => [w, "warm"] as [string, string]),
  ...COOL.map((w) => [w, "cool"] as [string, string]),
];

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
beforeAll(async () => {
  ctx = await engineWithClient({ checkpointEvery: 40 });
});
afterAll(async () => ctx.dispose());

async function waitForJob(client: OpenAI, id: string) {
  for (;;) {
    const job = await client.fineTuning.jobs.retrieve(id);
    if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("fine-tuning on the local engine through the official SDK", () => {
  let model = "";
  let jobId = "";

  it("trains a tuned model: statuses, metrics events, checkpoints, result file", async () => {
    const { client } = ctx;
    const file = await client.files.create({
      file: await toFile(Buffer.from(trainingJsonl(PAIRS)), "colours.jsonl"),
      purpose: "fine-tune",
    });
    const created = await client.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: file.id,
      suffix: "colours",
      seed: 7,
      metadata: { purpose: "test" },
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 40, batch_size: 4, learning_rate_multiplier: 2 } } },
    });
    expect(created).toMatchObject({ object: "fine_tuning.job", status: "validating_files", model: "local-tiny", seed: 7 });
    jobId = created.id;

    const job = await waitForJob(client, created.id);
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    expect(job.fine_tuned_model).toMatch(/^ft:local-tiny:tunelab:colours:/);
    expect(job.trained_tokens).toBeGreaterThan(0);
    // prompt_loss_weight (tunelab's extension) resolves from "auto" like the others.
    expect(job.hyperparameters).toMatchObject({ n_epochs: 40, batch_size: 4, learning_rate_multiplier: 2, prompt_loss_weight: 0.1 });
    model = job.fine_tuned_model ?? "";

    const events = [];
    for await (const event of client.fineTuning.jobs.listEvents(created.id, { limit: 50 })) events.push(event);
    const metrics = events
      .filter((e) => e.type === "metrics")
      .map((e) => e.data as { step: number; train_loss: number; total_steps: number });
    expect(metrics.length).toBe(200);
    const byStep = [...metrics].sort((a, b) => a.step - b.step);
    expect(byStep[0]?.total_steps).toBe(200);
    expect(byStep.at(-1)?.train_loss).toBeLessThan((byStep[0]?.train_loss ?? 0) / 4);
    expect(events.map((e) => e.message)).toContain("Files validated, moving job to queued state.");

    const checkpoints = await client.fineTuning.jobs.checkpoints.list(created.id);
    expect(checkpoints.data.map((c) => c.step_number)).toEqual([200, 160, 120, 80, 40]);
    expect(checkpoints.data[0]?.fine_tuned_model_checkpoint).toBe(`${model}:ckpt-step-200`);
    expect(checkpoints.data[0]?.metrics).toHaveProperty("train_loss");

    const resultFile = job.result_files[0] ?? "";
    const csv = await (await client.files.content(resultFile)).text();
    expect(csv.split("\n")[0]).toBe("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy");
    expect(csv.trim().split("\n")).toHaveLength(201);

    const listed = await client.fineTuning.jobs.list({ metadata: { purpose: "test" } } as never);
    expect(listed.data.map((j) => j.id)).toContain(created.id);
    await expect(client.fineTuning.jobs.cancel(created.id)).rejects.toMatchObject({ status: 409 });
  });

  it("answers chat completions with the tuned model, greedy and streamed", async () => {
    const { client } = ctx;
    let correct = 0;
    for (const [word, label] of PAIRS) {
      const reply = await client.chat.completions.create({
        model,
        temperature: 0,
        max_tokens: 8,
        messages: [
          { role: "system", content: "Classify." },
          { role: "user", content: word },
        ],
      });
      if (reply.choices[0]?.message.content === label) correct++;
      expect(reply.usage?.completion_tokens).toBeGreaterThan(0);
    }
    expect(correct).toBe(PAIRS.length);

    const stream = await client.chat.completions.create({
      model,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: "system", content: "Classify." },
        { role: "user", content: "red" },
      ],
    });
    let text = "";
    let finish: string | null = null;
    let usage = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage?.total_tokens ?? usage;
    }
    expect(text).toBe("warm");
    expect(finish).toBe("stop");
    expect(usage).toBeGreaterThan(0);

    const sampled = await client.chat.completions.create({
      model,
      n: 2,
      seed: 3,
      temperature: 1,
      messages: [{ role: "user", content: "blue" }],
    });
    const again = await client.chat.completions.create({
      model,
      n: 2,
      seed: 3,
      temperature: 1,
      messages: [{ role: "user", content: "blue" }],
    });
    expect(sampled.choices.map((c) => c.message.content)).toEqual(again.choices.map((c) => c.message.content));
  });

  it("answers in-process (Engine.chatCompletion) exactly as over REST, errors included", async () => {
    const { client, engine } = ctx;
    const body = { model, n: 2, seed: 5, temperature: 1, max_tokens: 6, messages: [{ role: "user" as const, content: "teal" }] };
    const overRest = await client.chat.completions.create(body);
    const direct = await engine.chatCompletion(body);
    expect(direct.status).toBe(200);
    const strip = ({ id: _id, created: _created, ...rest }: { id: string; created: number }) => rest;
    expect(strip(direct.body as typeof overRest)).toEqual(strip(JSON.parse(JSON.stringify(overRest)) as typeof overRest));
    expect((direct.body as typeof overRest).id).toMatch(/^chatcmpl-/);

    // the same refusals, in OpenAI's shape, as the route answers them
    const restError = async (b: unknown) => {
      const response = await engine.app.request("/v1/chat/completions", {
        method: "POST",
        body: JSON.stringify(b),
        headers: { "content-type": "application/json" },
      });
      return { status: response.status, body: await response.json() };
    };
    for (const bad of [
      { model: "ft:nope", messages: [{ role: "user", content: "hi" }] },
      { model, messages: [] },
      { model, messages: [{ role: "user", content: "hi" }], bogus: 1 },
      { model, messages: [{ role: "user", content: "hi" }], top_logprobs: 2 },
      { model, messages: [{ role: "user", content: "x ".repeat(5000) }] },
    ]) {
      const answer = await engine.chatCompletion(bad);
      expect(answer).toEqual(await restError(bad));
      expect(answer.status).toBeGreaterThanOrEqual(400);
    }
    // streams are answered over REST only
    expect(await engine.chatCompletion({ ...body, stream: true })).toMatchObject({ status: 400, body: { error: { param: "stream" } } });
  });

  it("continues training from a tuned model and lists and deletes models", async () => {
    const { client } = ctx;
    const file = await client.files.create({ file: await toFile(Buffer.from(trainingJsonl(PAIRS)), "more.jsonl"), purpose: "fine-tune" });
    const job = await waitForJob(
      client,
      (await client.fineTuning.jobs.create({ model, training_file: file.id, hyperparameters: { n_epochs: 2, batch_size: 10 } })).id,
    );
    expect(job.status).toBe("succeeded");
    expect(job.fine_tuned_model).toMatch(/^ft:local-tiny:tunelab::/);
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(["local-tiny", model, job.fine_tuned_model ?? ""]));
    expect(await client.models.delete(job.fine_tuned_model ?? "")).toMatchObject({ deleted: true });
    await expect(client.models.retrieve(job.fine_tuned_model ?? "")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.models.delete("local-tiny")).rejects.toMatchObject({ status: 400 });
    expect(jobId).not.toBe("");
  });

  it("fails a job whose file breaks OpenAI's rules, with the line in the error, and keeps serving", async () => {
    const { client } = ctx;
    const lines = trainingJsonl(PAIRS).trim().split("\n");
    lines[4] = '{"messages": [{"role": "user", "content": "x"}, {"role": "bot", "content": "y"}]}';
    const file = await client.files.create({ file: await toFile(Buffer.from(`${lines.join("\n")}\n`), "bad.jsonl"), purpose: "fine-tune" });
    const job = await waitForJob(client, (await client.fineTuning.jobs.create({ model: "local-tiny", training_file: file.id })).id);
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ code: "invalid_training_file", param: "training_file" });
    expect(job.error?.message).toContain("line 5");

    const few = await client.files.create({
      file: await toFile(Buffer.from(trainingJsonl(PAIRS.slice(0, 3))), "few.jsonl"),
      purpose: "fine-tune",
    });
    const small = await waitForJob(client, (await client.fineTuning.jobs.create({ model: "local-tiny", training_file: few.id })).id);
    expect(small.error?.message).toContain("at least 10 examples");
  });

  it("cancels a running job", async () => {
    const { client } = ctx;
    const file = await client.files.create({ file: await toFile(Buffer.from(trainingJsonl(PAIRS)), "c.jsonl"), purpose: "fine-tune" });
    const job = await client.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: file.id,
      hyperparameters: { n_epochs: 50, batch_size: 1 },
    });
    for (;;) {
      const current = await client.fineTuning.jobs.retrieve(job.id);
      if (current.status === "running") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const cancelled = await client.fineTuning.jobs.cancel(job.id);
    expect(cancelled.status).toBe("cancelled");
    const later = await waitForJob(client, job.id);
    expect(later.status).toBe("cancelled");
    expect(later.fine_tuned_model).toBeNull();
  });
});
