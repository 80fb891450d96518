/**
 * OpenAI's `response_format` through the official SDK: `json_object` and `json_schema` answers are JSON (of the
 * schema) even from models with random weights, which write anything when left free; a `max_tokens` that cuts the
 * document ends with finish_reason "length"; `json_object` needs the word JSON in the messages, as OpenAI says.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBaseModel } from "../src/index.ts";
import { engineWithClient, refusal } from "./engine-client.ts";
import { FIXTURES } from "./open-weights/reference.ts";

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let client: OpenAI;
beforeAll(async () => {
  ctx = await engineWithClient({ runJobs: false });
  client = ctx.client;
  await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" });
});
afterAll(async () => ctx?.dispose());

const messages = [
  { role: "system" as const, content: "Answer in JSON." },
  { role: "user" as const, content: "Is 7 odd or even?" },
];
const MODELS = ["local-tiny", "tiny-qwen2"];

const ticket = {
  type: "object",
  properties: {
    label: { type: "string", enum: ["odd", "even"] },
    confident: { type: "boolean" },
    votes: { type: "integer" },
    reason: { type: ["string", "null"] },
  },
  required: ["label", "confident", "votes", "reason"],
  additionalProperties: false,
};

describe("response_format", () => {
  it("json_object needs the word JSON in the messages (400 naming messages)", async () => {
    const refused = await refusal(
      client.chat.completions.create({
        model: "local-tiny",
        messages: [{ role: "user", content: "hi" }],
        response_format: { type: "json_object" },
      }),
    );
    expect(refused).toMatchObject({ status: 400, param: "messages" });
    expect(refused.message).toMatch(/must contain the word 'json'/);
  });

  it.each(MODELS)("%s: json_object answers are JSON objects, greedy and sampled", async (model) => {
    for (const temperature of [0, 1]) {
      const answer = await client.chat.completions.create({
        model,
        messages,
        response_format: { type: "json_object" },
        temperature,
        seed: 3,
        n: 3,
        max_tokens: 400,
      });
      for (const choice of answer.choices) {
        const content = choice.message.content ?? "";
        expect(content.trimStart().startsWith("{"), content).toBe(true);
        if (choice.finish_reason === "stop") expect(typeof JSON.parse(content), content).toBe("object");
        else expect(choice.finish_reason).toBe("length");
      }
    }
  });

  it.each(MODELS)("%s: json_schema answers are documents of the schema", async (model) => {
    const answer = await client.chat.completions.create({
      model,
      messages,
      response_format: { type: "json_schema", json_schema: { name: "ticket", strict: true, schema: ticket } },
      temperature: 1,
      seed: 11,
      n: 4,
      max_tokens: 400,
    });
    let finished = 0;
    for (const choice of answer.choices) {
      const content = choice.message.content ?? "";
      if (choice.finish_reason !== "stop") {
        expect(choice.finish_reason).toBe("length");
        continue;
      }
      finished++;
      const value = JSON.parse(content) as Record<string, unknown>;
      expect(Object.keys(value).sort()).toEqual(["confident", "label", "reason", "votes"]);
      expect(["odd", "even"]).toContain(value.label);
      expect(typeof value.confident).toBe("boolean");
      expect(Number.isInteger(value.votes)).toBe(true);
      expect(value.reason === null || typeof value.reason === "string").toBe(true);
    }
    expect(finished).toBeGreaterThan(0);
  });

  it("a max_tokens that cuts the document short ends with finish_reason length and a JSON prefix", async () => {
    const answer = await client.chat.completions.create({
      model: "local-tiny",
      messages,
      response_format: { type: "json_schema", json_schema: { name: "ticket", schema: ticket } },
      temperature: 0,
      max_tokens: 3,
    });
    const choice = answer.choices[0];
    const content = choice?.message.content ?? "";
    expect(choice?.finish_reason).toBe("length");
    expect(content, content).toMatch(/^\s*(\{[\s\S]*)?$/); // whitespace the model may start with, then the object
    expect(() => JSON.parse(content)).toThrow();
  });

  it("streams the same constrained text", async () => {
    const params = {
      model: "local-tiny",
      messages,
      response_format: { type: "json_schema" as const, json_schema: { name: "ticket", schema: ticket } },
      temperature: 0,
      max_tokens: 400,
    };
    const whole = await client.chat.completions.create(params);
    let streamed = "";
    for await (const chunk of await client.chat.completions.create({ ...params, stream: true }))
      streamed += chunk.choices[0]?.delta.content ?? "";
    expect(streamed).toBe(whole.choices[0]?.message.content);
  });
});
