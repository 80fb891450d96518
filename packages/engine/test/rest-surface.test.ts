import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineWithClient, refusal, trainingJsonl } from "./engine-client.ts";

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
beforeAll(async () => {
  ctx = await engineWithClient();
});
afterAll(async () => ctx.dispose());

const pairs = Array.from({ length: 12 }, (_, i) => [`item ${i}`, i % 2 ? "odd" : "even"] as [string, string]);

describe("files through the official SDK", () => {
  it("uploads, lists, retrieves, downloads and deletes", async () => {
    const { client } = ctx;
    const text = trainingJsonl(pairs);
    const file = await client.files.create({ file: await toFile(Buffer.from(text), "train.jsonl"), purpose: "fine-tune" });
    expect(file).toMatchObject({ object: "file", filename: "train.jsonl", purpose: "fine-tune", bytes: Buffer.byteLength(text) });
    expect(file.id).toMatch(/^file-/);

    const listed = [];
    for await (const f of client.files.list()) listed.push(f.id);
    expect(listed).toContain(file.id);
    expect((await client.files.retrieve(file.id)).filename).toBe("train.jsonl");
    expect(await (await client.files.content(file.id)).text()).toBe(text);

    expect(await client.files.delete(file.id)).toMatchObject({ id: file.id, deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it("refuses an upload without a purpose with the offending param", async () => {
    const form = new FormData();
    form.set("file", new Blob(["{}\n"]), "x.jsonl");
    const response = await ctx.engine.app.request("/v1/files", { method: "POST", body: form });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", param: "purpose" } });
  });

  it("refuses an upload with a form field OpenAI does not take, naming it, and writes no file", async () => {
    const { client } = ctx;
    const before = (await client.files.list()).data.length;
    const upload = client.files.create({
      file: await toFile(Buffer.from(trainingJsonl(pairs)), "train.jsonl"),
      purpose: "fine-tune",
      purpose_note: "typo of purpose",
    } as never);
    const error = await refusal(upload);
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", param: "purpose_note" });
    expect(error.message).toContain("Additional properties are not allowed ('purpose_note' was unexpected)");
    expect((await client.files.list()).data.length).toBe(before);
  });

  it("refuses an upload for fine-tune-results: only fine-tuning jobs write those", async () => {
    const form = new FormData();
    form.set("purpose", "fine-tune-results");
    form.set("file", new Blob(["step,train_loss\n"]), "results.csv");
    const response = await ctx.engine.app.request("/v1/files", { method: "POST", body: form });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", param: "purpose" } });
    expect((await ctx.client.files.list({ purpose: "fine-tune-results" })).data).toEqual([]);
  });

  it("honours expires_after: the file says when it expires, and once expired it is gone", async () => {
    const { client, engine } = ctx;
    const upload = async (seconds: number) =>
      client.files.create({
        file: await toFile(Buffer.from(trainingJsonl(pairs)), "short-lived.jsonl"),
        purpose: "fine-tune",
        expires_after: { anchor: "created_at", seconds },
      });
    const file = await upload(3600);
    expect(file.expires_at).toBe(file.created_at + 3600);
    expect((await client.files.retrieve(file.id)).expires_at).toBe(file.created_at + 3600);
    expect(await refusal(upload(5))).toMatchObject({ status: 400, param: "expires_after.seconds" });

    // its hour has passed
    await engine.store.db
      .updateTable("files")
      .set({ expires_at: file.created_at - 1 })
      .where("id", "=", file.id)
      .execute();
    expect(await refusal(client.files.retrieve(file.id))).toMatchObject({ status: 404 });
    const listed = [];
    for await (const f of client.files.list()) listed.push(f.id);
    expect(listed).not.toContain(file.id);
    const job = await refusal(client.fineTuning.jobs.create({ model: "local-tiny", training_file: file.id }));
    expect(job).toMatchObject({ status: 400, param: "training_file" });
  });

  it("refuses an upload whose body ends inside the file part, and keeps serving", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const boundary = "tunelab-boundary";
      const body = [
        `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.jsonl"\r\n\r\n{"messages": [`,
      ].join("");
      const response = await ctx.engine.app.request("/v1/files", {
        method: "POST",
        body,
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error" } });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      // and the engine still answers
      expect(Array.isArray((await ctx.client.files.list()).data)).toBe(true);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("fine-tuning job errors in OpenAI's shape", () => {
  it("404s an unknown model and 400s a malformed body naming the param", async () => {
    const { client } = ctx;
    const file = await client.files.create({ file: await toFile(Buffer.from(trainingJsonl(pairs)), "t.jsonl"), purpose: "fine-tune" });
    const unknown = await client.fineTuning.jobs.create({ model: "gpt-nope", training_file: file.id }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ status: 404, param: "model", code: "model_not_available" });

    const bad = await client.fineTuning.jobs
      .create({ model: "local-tiny", training_file: file.id, hyperparameters: { n_epochs: -3 } })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad).toMatchObject({ status: 400, param: "hyperparameters.n_epochs" });
    const badWeight = await client.fineTuning.jobs
      .create({
        model: "local-tiny",
        training_file: file.id,
        method: { type: "supervised", supervised: { hyperparameters: { prompt_loss_weight: 2 } as never } },
      })
      .catch((e: unknown) => e);
    expect(badWeight).toMatchObject({ status: 400, param: "method.supervised.hyperparameters.prompt_loss_weight" });

    const missing = await client.fineTuning.jobs.create({ model: "local-tiny" } as never).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 400, param: "training_file", code: "missing_required_parameter" });

    const raw = await ctx.engine.app.request("/v1/fine_tuning/jobs", {
      method: "POST",
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(raw.status).toBe(400);
  });

  it("rejects reinforcement, DPO on chat data and images that are not data: URLs at creation", async () => {
    const { client } = ctx;
    const file = await client.files.create({ file: await toFile(Buffer.from(trainingJsonl(pairs)), "t.jsonl"), purpose: "fine-tune" });
    const rft = await client.fineTuning.jobs
      .create({ model: "local-tiny", training_file: file.id, method: { type: "reinforcement" } as never })
      .catch((e: unknown) => e);
    expect(rft).toMatchObject({ status: 400, code: "unsupported_method", param: "method.type" });
    const dpo = await client.fineTuning.jobs
      .create({ model: "local-tiny", training_file: file.id, method: { type: "dpo" } })
      .catch((e: unknown) => e);
    expect(dpo).toMatchObject({ status: 400, code: "invalid_training_file", param: "training_file" });
    expect((dpo as Error).message).toMatch(/preference data/);

    const image = { type: "image_url", image_url: { url: "https://example.test/cat.png" } };
    const lines = trainingJsonl(pairs).trim().split("\n");
    lines[3] = JSON.stringify({
      messages: [
        { role: "user", content: [image] },
        { role: "assistant", content: "cat" },
      ],
    });
    const withImage = await client.files.create({
      file: await toFile(Buffer.from(`${lines.join("\n")}\n`), "img.jsonl"),
      purpose: "fine-tune",
    });
    const refused = await client.fineTuning.jobs.create({ model: "local-tiny", training_file: withImage.id }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, code: "unsupported_image", param: "training_file" });
    expect((refused as Error).message).toMatch(/img\.jsonl line 4 has an image at https:\/\/example\.test\/cat\.png; .*data: URLs only/);
  });

  it("refuses metadata over OpenAI's 16 pairs and integrations it would not honour, writing no job", async () => {
    const { client } = ctx;
    const file = await client.files.create({ file: await toFile(Buffer.from(trainingJsonl(pairs)), "m.jsonl"), purpose: "fine-tune" });
    const before = (await client.fineTuning.jobs.list({ limit: 100 })).data.length;
    const metadata = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]));
    const tooMany = await refusal(client.fineTuning.jobs.create({ model: "local-tiny", training_file: file.id, metadata }));
    expect(tooMany).toMatchObject({ status: 400, param: "metadata", code: "invalid_value" });
    const chat = await refusal(
      client.chat.completions.create({ model: "local-tiny", messages: [{ role: "user", content: "hi" }], metadata }),
    );
    expect(chat).toMatchObject({ status: 400, param: "metadata" });

    const wandb = await refusal(
      client.fineTuning.jobs.create({
        model: "local-tiny",
        training_file: file.id,
        integrations: [{ type: "wandb", wandb: { project: "tickets" } }],
      }),
    );
    expect(wandb).toMatchObject({ status: 400, param: "integrations", code: "unsupported_integration" });
    const junk = await refusal(
      client.fineTuning.jobs.create({ model: "local-tiny", training_file: file.id, integrations: [1, 2] as never }),
    );
    expect(junk).toMatchObject({ status: 400, param: "integrations[0]" });
    expect((await client.fineTuning.jobs.list({ limit: 100 })).data.length).toBe(before);
  });

  it("refuses a tool_choice without tools or naming no tool, and a response_format OpenAI does not take", async () => {
    const { client } = ctx;
    const messages = [{ role: "user" as const, content: "hi" }];
    const tools = [{ type: "function" as const, function: { name: "route", parameters: { type: "object" } } }];
    const create = (body: Record<string, unknown>) =>
      refusal(client.chat.completions.create({ model: "local-tiny", messages, max_tokens: 2, ...body }));
    expect(await create({ tool_choice: "required" })).toMatchObject({ status: 400, param: "tool_choice" });
    expect(await create({ tools, tool_choice: { type: "function", function: { name: "other" } } })).toMatchObject({
      status: 400,
      param: "tool_choice",
    });
    expect(await create({ tools, tool_choice: 42 })).toMatchObject({ status: 400, param: "tool_choice" });
    expect(await create({ response_format: { type: "yaml" } })).toMatchObject({ status: 400, param: "response_format.type" });
    expect(await create({ response_format: { type: "json_schema" } })).toMatchObject({
      status: 400,
      param: "response_format.json_schema",
    });
  });

  it("refuses max_tokens and max_completion_tokens together, as OpenAI does, and takes either alone", async () => {
    const { client } = ctx;
    const messages = [{ role: "user" as const, content: "hi" }];
    const both = await refusal(client.chat.completions.create({ model: "local-tiny", messages, max_tokens: 2, max_completion_tokens: 3 }));
    expect(both).toMatchObject({ status: 400, type: "invalid_request_error", param: "max_tokens", code: "invalid_parameter_combination" });
    expect(both.message).toContain("Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported");
    for (const limit of [{ max_tokens: 2 }, { max_completion_tokens: 2 }, { max_tokens: null, max_completion_tokens: 2 }]) {
      const answer = await client.chat.completions.create({ model: "local-tiny", messages, ...limit });
      expect(answer.usage?.completion_tokens).toBeLessThanOrEqual(2);
    }
  });

  it("404s unknown jobs and unknown models in chat completions", async () => {
    const { client } = ctx;
    await expect(client.fineTuning.jobs.retrieve("ftjob-missing")).rejects.toMatchObject({ status: 404 });
    const chat = await client.chat.completions
      .create({ model: "ft:nope", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(chat).toMatchObject({ status: 404, code: "model_not_found" });
  });

  it("lists the base models", async () => {
    const ids = [];
    for await (const model of ctx.client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(["local-tiny", "local-small", "local-base"]));
  });
});

describe("chat messages OpenAI refuses", () => {
  it("a user message without content is a 400 naming the field", async () => {
    const { client } = ctx;
    const noContent = await refusal(
      client.chat.completions.create({ model: "local-tiny", messages: [{ role: "user" } as never], max_tokens: 2 }),
    );
    expect(noContent).toMatchObject({ status: 400, param: "messages[0].content" });
    expect(noContent.message).toContain("a user message needs content");
  });
});

describe("tool turns OpenAI refuses", () => {
  const call = (id: string) => ({ id, type: "function" as const, function: { name: "lookup", arguments: "{}" } });
  const user = { role: "user" as const, content: "weather?" };
  const asks = (...ids: string[]) => ({ role: "assistant" as const, content: null, tool_calls: ids.map(call) });
  const answer = (id: string) => ({ role: "tool" as const, tool_call_id: id, content: "18C" });
  const create = (messages: unknown[]) =>
    ctx.client.chat.completions.create({ model: "local-tiny", messages: messages as never, max_tokens: 2 });

  it("a tool message without tool_call_id is a 400 naming messages[i].tool_call_id", async () => {
    const error = await refusal(create([user, asks("call_a"), { role: "tool", content: "18C" }]));
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", param: "messages[2].tool_call_id" });
    expect(error.code).toBe("missing_required_parameter");
    expect(error.message).toContain("'messages[2].tool_call_id'");
  });

  it("a tool message that answers no preceding tool call is a 400 naming it", async () => {
    const alone = await refusal(create([user, answer("call_a")]));
    expect(alone).toMatchObject({ status: 400, type: "invalid_request_error", param: "messages[1].role" });
    expect(alone.message).toContain("messages with role 'tool' must be a response to a preceeding message with 'tool_calls'");
    // a user message in between ends the assistant's tool turns
    const late = await refusal(create([user, asks("call_a"), answer("call_a"), user, answer("call_a")]));
    expect(late).toMatchObject({ status: 400, param: "messages[4].role" });
    // an id the assistant did not call
    const other = await refusal(create([user, asks("call_a"), answer("call_a"), answer("call_b")]));
    expect(other).toMatchObject({ status: 400, param: "messages[3].tool_call_id" });
    expect(other.message).toContain("'call_b' answers none of the tool calls of messages[1] ('call_a')");
  });

  it("an assistant message with tool_calls not answered for every id is a 400 naming its calls", async () => {
    const partly = await refusal(create([user, asks("call_a", "call_b"), answer("call_b"), user]));
    expect(partly).toMatchObject({ status: 400, type: "invalid_request_error", param: "messages[1].tool_calls" });
    expect(partly.message).toContain("must be followed by tool messages responding to each 'tool_call_id'");
    expect(partly.message).toContain("did not have response messages: call_a");
    const last = await refusal(create([user, asks("call_a")]));
    expect(last).toMatchObject({ status: 400, param: "messages[1].tool_calls" });
  });

  it("answers a conversation whose tool calls are each answered, in any order", async () => {
    const done = await create([user, asks("call_a", "call_b"), answer("call_b"), answer("call_a"), user]);
    expect(done.choices[0]?.message.role).toBe("assistant");
  });
});
