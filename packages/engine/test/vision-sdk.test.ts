/**
 * Vision fine-tuning through the official `openai` SDK against the engine's REST surface: a JSONL of
 * coloured squares (PNG data URLs) trains a `local-tiny` job with a validation file, and chat
 * completions with an image answer the colour far above chance; images are refused, in OpenAI's
 * shape, by text-only models and when they are not data: URLs that decode.
 */
import type OpenAI from "openai";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COLOR_NAMES, colorSquareExamples, QUESTION } from "../src/trainer/vision/color-squares.test-helpers.ts";
import { engineWithClient, refusal } from "./engine-client.ts";

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
beforeAll(async () => {
  ctx = await engineWithClient();
});
afterAll(async () => ctx.dispose());

const jsonl = (rows: Array<{ messages: unknown }>) => `${rows.map((r) => JSON.stringify({ messages: r.messages })).join("\n")}\n`;

async function waitForJob(client: OpenAI, id: string) {
  for (;;) {
    const job = await client.fineTuning.jobs.retrieve(id);
    if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const imagePart = (url: string) => ({ type: "image_url" as const, image_url: { url, detail: "low" as const } });
const ask = (url: string): OpenAI.ChatCompletionMessageParam[] => [
  { role: "user", content: [{ type: "text", text: QUESTION }, imagePart(url)] },
];
const urlOf = (e: { messages: Array<{ content?: unknown }> }) =>
  ((e.messages[0] as { content: unknown[] }).content[1] as { image_url: { url: string } }).image_url.url;

describe("vision fine-tuning through the SDK", () => {
  it("trains on images and answers from an image more often than chance", { timeout: 240_000 }, async () => {
    const { client } = ctx;
    const train = await colorSquareExamples(64, 11);
    const valid = await colorSquareExamples(8, 12);
    const test = await colorSquareExamples(24, 13);
    const trainingFile = await client.files.create({ file: await toFile(Buffer.from(jsonl(train)), "colors.jsonl"), purpose: "fine-tune" });
    const validationFile = await client.files.create({
      file: await toFile(Buffer.from(jsonl(valid)), "valid.jsonl"),
      purpose: "fine-tune",
    });
    const created = await client.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: trainingFile.id,
      validation_file: validationFile.id,
      seed: 5,
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 8, batch_size: 8 } } },
    });
    const job = await waitForJob(client, created.id);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const events = [];
    for await (const e of client.fineTuning.jobs.listEvents(job.id, { limit: 100 })) events.push(e);
    expect(events.some((e) => e.type === "metrics" && typeof (e.data as { valid_loss?: unknown })?.valid_loss === "number")).toBe(true);
    const model = job.fine_tuned_model as string;

    let right = 0;
    for (const e of test) {
      const answer = await client.chat.completions.create({ model, messages: ask(urlOf(e)), temperature: 0, max_tokens: 4 });
      expect(answer.usage?.prompt_tokens).toBeGreaterThan(16); // the image span's 16 patches and its markers
      if (answer.choices[0]?.message.content?.trim() === e.color) right++;
    }
    expect(right / test.length).toBeGreaterThan(2 / COLOR_NAMES.length); // chance: 1 / 4

    // A tuned vision model still refuses images that are not data: URLs, and bytes that are not an image.
    const remote = await refusal(client.chat.completions.create({ model, messages: ask("https://example.test/red.png") }));
    expect(remote).toMatchObject({ status: 400, code: "invalid_image_url", param: "messages.[0].content.[1].image_url.url" });
    expect(remote.message).toMatch(/data: URLs only/);
    const broken = await refusal(
      client.chat.completions.create({ model, messages: ask(`data:image/png;base64,${Buffer.from("nope").toString("base64")}`) }),
    );
    expect(broken).toMatchObject({ status: 400, code: "invalid_image" });
  });

  it("fails a job whose image is not an image, naming the line", async () => {
    const { client } = ctx;
    const rows = await colorSquareExamples(12, 31);
    const broken = `data:image/png;base64,${Buffer.from("not a png").toString("base64")}`;
    const user = (rows[2] as { messages: Array<{ content?: unknown }> }).messages[0] as { content: unknown[] };
    (user.content[1] as { image_url: { url: string } }).image_url.url = broken;
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl(rows)), "broken.jsonl"), purpose: "fine-tune" });
    const job = await waitForJob(client, (await client.fineTuning.jobs.create({ model: "local-tiny", training_file: file.id })).id);
    expect(job.status).toBe("failed");
    // OpenAI's image rules (the dataset validation) name it first; a PNG that passes them and still does not decode
    // fails in the training worker with the same line (trainer/vision/decode-examples.ts).
    expect(job.error?.message).toMatch(/broken\.jsonl .*line 3, messages\[0\]\.content\[1\]\.image_url\.url: .*\(invalid_image\)/);
  });

  it("fails a job whose PNG passes the file rules but does not decode while validating its files, before it is queued", async () => {
    const { client } = ctx;
    const rows = await colorSquareExamples(12, 41);
    const user = (rows[4] as { messages: Array<{ content?: unknown }> }).messages[0] as { content: unknown[] };
    const part = user.content[1] as { image_url: { url: string } };
    const png = Buffer.from(part.image_url.url.slice(part.image_url.url.indexOf(",") + 1), "base64");
    // signature and header intact (what the file rules read), the image data cut short
    part.image_url.url = `data:image/png;base64,${png.subarray(0, 40).toString("base64")}`;
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl(rows)), "cut.jsonl"), purpose: "fine-tune" });
    const job = await waitForJob(client, (await client.fineTuning.jobs.create({ model: "local-tiny", training_file: file.id })).id);
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ code: "invalid_training_file", param: "training_file" });
    expect(job.error?.message).toMatch(/^cut\.jsonl: The training file line 5: .*\(invalid_image\)$/);
    const events: string[] = [];
    for await (const e of client.fineTuning.jobs.listEvents(job.id, { limit: 100 })) events.push(e.message);
    expect(events.some((m) => /moving job to queued/.test(m))).toBe(false);
  });

  it("refuses images only in the validation file, and images to continue a model trained on text only", { timeout: 120_000 }, async () => {
    const { client } = ctx;
    const text = Array.from({ length: 12 }, (_, i) => ({
      messages: [
        { role: "user", content: `ticket ${i}` },
        { role: "assistant", content: i % 2 ? "billing" : "bug" },
      ],
    }));
    const textFile = await client.files.create({ file: await toFile(Buffer.from(jsonl(text)), "text.jsonl"), purpose: "fine-tune" });
    const images = await client.files.create({
      file: await toFile(Buffer.from(jsonl(await colorSquareExamples(12, 51))), "squares.jsonl"),
      purpose: "fine-tune",
    });
    const onlyInValidation = await waitForJob(
      client,
      (await client.fineTuning.jobs.create({ model: "local-tiny", training_file: textFile.id, validation_file: images.id })).id,
    );
    expect(onlyInValidation.status).toBe("failed");
    expect(onlyInValidation.error).toMatchObject({ code: "unsupported_image", param: "validation_file" });
    expect(onlyInValidation.error?.message).toMatch(/^squares\.jsonl line 1 has an image, but the training file text\.jsonl has none/);

    const textModel = await waitForJob(
      client,
      (
        await client.fineTuning.jobs.create({
          model: "local-tiny",
          training_file: textFile.id,
          method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 1 } } },
        })
      ).id,
    );
    expect(textModel.status).toBe("succeeded");
    const continued = await waitForJob(
      client,
      (await client.fineTuning.jobs.create({ model: textModel.fine_tuned_model as string, training_file: images.id })).id,
    );
    expect(continued.status).toBe("failed");
    expect(continued.error).toMatchObject({ code: "unsupported_image", param: "training_file" });
    expect(continued.error?.message).toMatch(/trained on text only, so it has no image front end to continue/);
  });

  it("refuses images for a text-only model in OpenAI's shape", async () => {
    const [one] = await colorSquareExamples(1, 21);
    const refused = await refusal(ctx.client.chat.completions.create({ model: "local-tiny", messages: ask(urlOf(one as never)) }));
    expect(refused).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      code: "image_not_supported",
      param: "messages.[0].content.[1].type",
    });
    expect(refused.message).toMatch(/image_url is only supported by models fine-tuned on images; local-tiny was trained on text only/);
  });
});
