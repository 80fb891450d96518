/**
 * OpenAI's `frequency_penalty`, `presence_penalty` and `logit_bias` through the official SDK: checked as OpenAI checks
 * them (−2..2, token id → −100..100, 400 naming the parameter) and applied to the logits before sampling, by OpenAI's
 * formula (logit −= count × frequency_penalty + (count > 0) × presence_penalty over the tokens generated so far).
 * The formula is checked with logprobs, which are the model's raw log-probabilities: at temperature 0 each chosen
 * token must be the best of the penalised scores.
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

const messages = [{ role: "user" as const, content: "Tell me about the sea." }];
const MODELS = ["local-tiny", "tiny-qwen2"];

describe("penalties and logit_bias are checked", () => {
  it.each([
    [{ frequency_penalty: 2.5 }, "frequency_penalty"],
    [{ frequency_penalty: -2.01 }, "frequency_penalty"],
    [{ presence_penalty: 3 }, "presence_penalty"],
    [{ logit_bias: { abc: 1 } }, "logit_bias"],
    [{ logit_bias: { "97": 101 } }, "logit_bias"],
    [{ logit_bias: { "97": -100.5 } }, "logit_bias"],
    [{ logit_bias: { "99999999": 5 } }, "logit_bias"],
  ])("refuses %j (400 naming %s)", async (params, param) => {
    const refused = await refusal(client.chat.completions.create({ model: "local-tiny", messages, max_tokens: 4, ...params }));
    expect(refused.status).toBe(400);
    expect(refused.param?.startsWith(param)).toBe(true);
  });

  it("takes the bounds themselves", async () => {
    const answer = await client.chat.completions.create({
      model: "local-tiny",
      messages,
      max_tokens: 4,
      frequency_penalty: -2,
      presence_penalty: 2,
      logit_bias: { "97": 100, "98": -100 },
    });
    expect(answer.choices[0]?.finish_reason).toBe("length");
  });
});

const key = (t: { token: string; bytes: number[] | null }) => `${t.token}|${(t.bytes ?? []).join(",")}`;

describe.each(MODELS)("%s", (model) => {
  it("logit_bias 100 makes a token the answer, -100 bans it", async () => {
    const forced = await client.chat.completions.create({ model, messages, max_tokens: 6, temperature: 0, logit_bias: { "97": 100 } });
    if (model === "local-tiny") expect(forced.choices[0]?.message.content).toBe("aaaaaa");
    const free = await client.chat.completions.create({ model, messages, max_tokens: 12, temperature: 0, logprobs: true });
    const seen = (free.choices[0]?.logprobs?.content ?? []).map((t) => t.bytes);
    // ban every token of the free answer (by its id: local-* byte tokens only, whose id is the byte)
    if (model === "local-tiny") {
      const ids = new Set(seen.filter((b) => b?.length === 1).map((b) => String(b?.[0])));
      expect(ids.size).toBeGreaterThan(0);
      const banned = await client.chat.completions.create({
        model,
        messages,
        max_tokens: 12,
        temperature: 0,
        logprobs: true,
        logit_bias: Object.fromEntries([...ids].map((id) => [id, -100])),
      });
      for (const t of banned.choices[0]?.logprobs?.content ?? [])
        expect(ids.has(String(t.bytes?.[0])) && t.bytes?.length === 1).toBe(false);
    }
  });

  it.each([
    [2, 0],
    [0, 2],
    [0.7, 1.3],
    [-1, -0.5],
    [2, 2],
  ])("greedy choices follow OpenAI's formula (frequency %d, presence %d)", async (frequency, presence) => {
    const base = { model, messages, max_tokens: 24, temperature: 0, logprobs: true, top_logprobs: 20 } as const;
    const free = await client.chat.completions.create(base);
    const answer = await client.chat.completions.create({ ...base, frequency_penalty: frequency, presence_penalty: presence });
    const tokens = answer.choices[0]?.logprobs?.content ?? [];
    expect(tokens.length).toBeGreaterThan(4);
    const counts = new Map<string, number>();
    const score = (t: { token: string; bytes: number[] | null; logprob: number }) => {
      const c = counts.get(key(t)) ?? 0;
      return t.logprob - c * frequency - (c > 0 ? presence : 0);
    };
    for (const t of tokens) {
      const mine = score(t);
      const alternatives = t.top_logprobs;
      // tokens past the 20 listed have a raw logprob below the last listed, and a positive penalty only lowers it
      const floor = Math.min(...alternatives.map((a) => a.logprob));
      for (const a of alternatives) expect(mine).toBeGreaterThanOrEqual(score(a) - 1e-4);
      if (frequency >= 0 && presence >= 0) expect(mine).toBeGreaterThanOrEqual(floor - 1e-4);
      counts.set(key(t), (counts.get(key(t)) ?? 0) + 1);
    }
    // the free answer is the same up to the first token the penalties outrank: from there on it must differ
    const freeTokens = free.choices[0]?.logprobs?.content ?? [];
    counts.clear();
    let flips = false;
    for (const t of freeTokens) {
      if (t.top_logprobs.some((a) => key(a) !== key(t) && score(a) > score(t) + 1e-4)) {
        flips = true;
        break;
      }
      counts.set(key(t), (counts.get(key(t)) ?? 0) + 1);
    }
    if (frequency === 2 && presence === 2) expect(flips).toBe(true);
    if (flips) expect(answer.choices[0]?.message.content).not.toBe(free.choices[0]?.message.content);
  });

  it("a response_format constraint still holds with penalties (it is consulted after them)", async () => {
    for (const temperature of [0, 1]) {
      const answer = await client.chat.completions.create({
        model,
        messages: [{ role: "user", content: "Answer in JSON." }],
        response_format: { type: "json_object" },
        frequency_penalty: 2,
        presence_penalty: 2,
        logit_bias: { "123": -100, "34": 50 },
        temperature,
        seed: 5,
        n: 2,
        max_tokens: 200,
      });
      for (const c of answer.choices) {
        if (c.finish_reason === "length") continue;
        const parsed: unknown = JSON.parse(c.message.content ?? "");
        expect(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)).toBe(true);
      }
    }
  });
});
