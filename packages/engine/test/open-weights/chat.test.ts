/**
 * Chat completion features on registered open-weight models (and the built-in local-* models where
 * the feature is shared), through the official SDK as a user calls them: streaming (chunks add up
 * to the non-streamed answer, `stream_options.include_usage`), `n` with `seed`, `stop`,
 * `max_tokens`, prompts over the context (400 `context_length_exceeded`) and `logprobs` in
 * OpenAI's shape; concurrent requests, which the inference worker decodes together, answer as they do alone.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBaseModel } from "../../src/index.ts";
import { engineWithClient, refusal } from "../engine-client.ts";
import { FIXTURES } from "./reference.ts";

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let client: OpenAI;
beforeAll(async () => {
  ctx = await engineWithClient({ runJobs: false });
  client = ctx.client;
  await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}llama`, name: "tiny-llama" });
  await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" });
});
afterAll(async () => ctx?.dispose());

const MESSAGES = [
  { role: "system" as const, content: "You are terse." },
  { role: "user" as const, content: "Describe the weather today." },
];
/** Each open-weight architecture family once, and a built-in size. */
const MODELS = ["tiny-llama", "tiny-qwen2", "local-tiny"];

type Params = Omit<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming, "model" | "messages">;

async function complete(model: string, params: Params = {}) {
  return client.chat.completions.create({ model, messages: MESSAGES, ...params });
}

/** Streams a completion; returns each choice's text, finish reason and logprobs, and every chunk. */
async function stream(model: string, params: Params & { stream_options?: { include_usage?: boolean } } = {}) {
  const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
  const texts = new Map<number, string>();
  const finish = new Map<number, string>();
  const logprobs = new Map<number, OpenAI.Chat.ChatCompletionTokenLogprob[]>();
  const response = await client.chat.completions.create({ model, messages: MESSAGES, ...params, stream: true });
  for await (const chunk of response) {
    chunks.push(chunk);
    for (const choice of chunk.choices) {
      texts.set(choice.index, (texts.get(choice.index) ?? "") + (choice.delta.content ?? ""));
      if (choice.finish_reason) finish.set(choice.index, choice.finish_reason);
      if (choice.logprobs?.content) logprobs.set(choice.index, [...(logprobs.get(choice.index) ?? []), ...choice.logprobs.content]);
    }
  }
  return { chunks, texts, finish, logprobs };
}

describe("streaming", () => {
  it.each(MODELS)("%s: chunks add up to the non-streamed answer; include_usage ends with the usage", async (model) => {
    const params = { temperature: 0, max_tokens: 24 };
    const whole = await complete(model, params);
    const text = whole.choices[0]?.message.content ?? "";
    expect(text.length).toBeGreaterThan(0);

    const streamed = await stream(model, { ...params, stream_options: { include_usage: true } });
    expect(streamed.texts.get(0)).toBe(text);
    expect(streamed.finish.get(0)).toBe(whole.choices[0]?.finish_reason);
    const ids = new Set(streamed.chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    expect(streamed.chunks.every((c) => c.object === "chat.completion.chunk" && c.model === model)).toBe(true);
    expect(streamed.chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    // Text arrives in more than one piece, not all at the end.
    expect(streamed.chunks.filter((c) => (c.choices[0]?.delta.content ?? "") !== "").length).toBeGreaterThan(1);
    // The last chunk: no choices, the usage of the whole request. As OpenAI documents include_usage,
    // "all other chunks will also include a usage field, but with a null value".
    const last = streamed.chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(whole.usage);
    expect(streamed.chunks.slice(0, -1).map((c) => c.usage)).toEqual(streamed.chunks.slice(0, -1).map(() => null));

    const plain = await stream(model, params);
    expect(plain.texts.get(0)).toBe(text);
    expect(plain.chunks.every((c) => !c.usage)).toBe(true);
  });

  it.each(["tiny-llama", "local-tiny"])(
    "%s: n = 2 streamed: each index adds up to the non-streamed choice with the same seed; logprobs too, each chunk its own tokens",
    async (model) => {
      const params = { temperature: 1, seed: 21, n: 2, max_tokens: 16, logprobs: true, top_logprobs: 2 };
      const whole = await complete(model, params);
      const streamed = await stream(model, params);
      for (const choice of whole.choices) {
        expect(streamed.texts.get(choice.index)).toBe(choice.message.content);
        expect(streamed.finish.get(choice.index)).toBe(choice.finish_reason);
        expect(streamed.logprobs.get(choice.index)).toEqual(choice.logprobs?.content);
        // As OpenAI streams them: a content chunk carries the logprobs of the tokens it adds, not all at the end.
        const carrying = streamed.chunks.filter((c) =>
          c.choices.some((x) => x.index === choice.index && (x.logprobs?.content?.length ?? 0) > 0 && x.finish_reason === null),
        );
        expect(carrying.length).toBeGreaterThan(1);
      }
    },
  );
});

describe("n and seed", () => {
  it.each(["tiny-qwen2", "local-tiny"])("%s: n = 3 with a seed is reproducible; another seed samples otherwise", async (model) => {
    const params = { temperature: 1, n: 3, seed: 7, max_tokens: 12 };
    const first = await complete(model, params);
    const again = await complete(model, params);
    const other = await complete(model, { ...params, seed: 8 });
    const texts = (r: OpenAI.Chat.ChatCompletion) => r.choices.map((c) => c.message.content);
    expect(first.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(texts(again)).toEqual(texts(first));
    expect(texts(other)).not.toEqual(texts(first));
    // The n choices are n samples, not one answer repeated.
    expect(new Set(texts(first)).size).toBeGreaterThan(1);
    // Usage counts the prompt once and every choice's tokens.
    const single = await complete(model, { temperature: 1, seed: 7, max_tokens: 12 });
    expect(first.usage?.prompt_tokens).toBe(single.usage?.prompt_tokens);
    expect(first.usage?.completion_tokens).toBeGreaterThan(single.usage?.completion_tokens ?? 0);
    expect(first.usage?.completion_tokens).toBeLessThanOrEqual(3 * 12);
    expect(first.usage?.total_tokens).toBe((first.usage?.prompt_tokens ?? 0) + (first.usage?.completion_tokens ?? 0));
    // The first choice with seed s is the single completion with seed s.
    expect(first.choices[0]?.message.content).toBe(single.choices[0]?.message.content);
  });

  it("temperature 0 makes every choice the greedy answer", async () => {
    const r = await complete("tiny-llama", { temperature: 0, n: 2, max_tokens: 10 });
    expect(r.choices[0]?.message.content).toBe(r.choices[1]?.message.content);
  });
});

describe("concurrent requests", () => {
  it("decoded together, each is the answer it gets alone (greedy and seeded, streamed or not, several choices)", async () => {
    const asks = Array.from({ length: 8 }, (_, i) => ({
      messages: [{ role: "user" as const, content: `Ticket ${i}: ${"the app crashes ".repeat(i + 1)}` }],
      max_tokens: 6 + i,
      ...(i % 2 === 0 ? { temperature: 0 } : { temperature: 1, seed: i, n: 2 }),
    }));
    const answer = async (ask: (typeof asks)[number], streamed: boolean) => {
      if (!streamed) return (await client.chat.completions.create({ model: "tiny-qwen2", ...ask })).choices.map((c) => c.message.content);
      const texts: string[] = [];
      for await (const chunk of await client.chat.completions.create({ model: "tiny-qwen2", ...ask, stream: true }))
        for (const c of chunk.choices) texts[c.index] = (texts[c.index] ?? "") + (c.delta.content ?? "");
      return texts;
    };
    const together = await Promise.all(asks.map((ask, i) => answer(ask, i % 3 === 0)));
    const alone = [];
    for (const ask of asks) alone.push(await answer(ask, false));
    expect(together).toEqual(alone);
    expect(new Set(alone.flat()).size).toBeGreaterThan(4);
  });
});

describe("stop and max_tokens", () => {
  it.each(MODELS)("%s: the answer ends before the first stop sequence, finish_reason stop, streamed alike", async (model) => {
    const greedy = (await complete(model, { temperature: 0, max_tokens: 24 })).choices[0]?.message.content ?? "";
    // A stop sequence from the middle of the greedy answer, and a later one that must lose.
    const at = Math.floor(greedy.length / 2);
    const stop = greedy.slice(at, at + 2);
    const cut = greedy.indexOf(stop);
    expect(stop.length).toBe(2);
    const later = greedy.slice(-1);
    const params = { temperature: 0, max_tokens: 24, stop: [later, stop] };
    const expected = greedy.slice(0, Math.min(cut, greedy.indexOf(later)));
    const stopped = await complete(model, params);
    expect(stopped.choices[0]?.message.content).toBe(expected);
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
    const streamed = await stream(model, params);
    expect(streamed.texts.get(0)).toBe(expected);
    expect(streamed.finish.get(0)).toBe("stop");
  });

  it.each(MODELS)("%s: max_tokens and max_completion_tokens end the answer with finish_reason length", async (model) => {
    const longer = await complete(model, { temperature: 0, max_tokens: 12, logprobs: true });
    expect(longer.choices[0]?.logprobs?.content?.length).toBeGreaterThan(3); // the greedy answer goes on past 3 tokens
    for (const limit of [{ max_tokens: 3 }, { max_completion_tokens: 3 }]) {
      const r = await complete(model, { temperature: 0, logprobs: true, ...limit });
      expect(r.choices[0]?.finish_reason).toBe("length");
      expect(r.usage?.completion_tokens).toBe(3);
      expect(r.choices[0]?.logprobs?.content?.map((t) => t.token)).toEqual(
        longer.choices[0]?.logprobs?.content?.slice(0, 3).map((t) => t.token),
      );
    }
  });
});

describe("prompts longer than the context", () => {
  it.each(MODELS)("%s: 400 context_length_exceeded, streamed or not", async (model) => {
    const messages = [{ role: "user" as const, content: "the weather is nice today ".repeat(400) }];
    for (const stream of [false, true]) {
      const error = await refusal(client.chat.completions.create({ model, messages, max_tokens: 4, stream }));
      expect(error.status).toBe(400);
      expect(error.code).toBe("context_length_exceeded");
      expect(error.param).toBe("messages");
      // The fixtures' context is 256 positions; an untrained local-tiny reads bytes, so it covers 4 × 256.
      expect(error.message).toMatch(
        model === "local-tiny" ? /maximum context length is 1024 tokens/ : /maximum context length is 256 tokens/,
      );
    }
  });
});

describe("logprobs", () => {
  it.each(MODELS)("%s: content entries {token, logprob, bytes, top_logprobs} that spell the answer", async (model) => {
    const r = await complete(model, { temperature: 0, max_tokens: 8, logprobs: true, top_logprobs: 3 });
    const choice = r.choices[0];
    const content = choice?.logprobs?.content ?? [];
    expect(choice?.logprobs?.refusal).toBeNull();
    expect(content.length).toBeGreaterThan(0);
    expect(content.length).toBeLessThanOrEqual(r.usage?.completion_tokens ?? 0);
    for (const entry of content) {
      expect(Object.keys(entry).sort()).toEqual(["bytes", "logprob", "token", "top_logprobs"]);
      expect(typeof entry.token).toBe("string");
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.bytes?.every((b) => Number.isInteger(b) && b >= 0 && b < 256)).toBe(true);
      expect(entry.top_logprobs).toHaveLength(3);
      for (const top of entry.top_logprobs) expect(Object.keys(top).sort()).toEqual(["bytes", "logprob", "token"]);
      const values = entry.top_logprobs.map((t) => t.logprob);
      expect([...values].sort((a, b) => b - a)).toEqual(values);
      expect(values.reduce((s, v) => s + Math.exp(v), 0)).toBeLessThanOrEqual(1 + 1e-9);
      // Greedy: the chosen token is the most likely one.
      expect(entry.top_logprobs[0]).toEqual({ token: entry.token, logprob: entry.logprob, bytes: entry.bytes });
    }
    // The tokens' bytes are the answer's UTF-8 bytes.
    if (choice?.finish_reason === "length") {
      const bytes = content.flatMap((t) => t.bytes ?? []);
      expect(new TextDecoder().decode(new Uint8Array(bytes))).toBe(choice.message.content);
    }
  });

  it.each(MODELS)("%s: logprobs without top_logprobs gives empty top lists; without logprobs, null", async (model) => {
    const r = await complete(model, { temperature: 0, max_tokens: 4, logprobs: true });
    expect(r.choices[0]?.logprobs?.content?.every((t) => Array.isArray(t.top_logprobs) && t.top_logprobs.length === 0)).toBe(true);
    const none = await complete(model, { temperature: 0, max_tokens: 4 });
    expect(none.choices[0]?.logprobs).toBeNull();
  });

  it.each(MODELS)("%s: top_logprobs without logprobs, or above 20, is a 400 naming top_logprobs", async (model) => {
    const without = await refusal(complete(model, { max_tokens: 2, top_logprobs: 2 }));
    expect(without.status).toBe(400);
    expect(without.param).toBe("top_logprobs");
    const tooMany = await refusal(complete(model, { max_tokens: 2, logprobs: true, top_logprobs: 21 }));
    expect(tooMany.status).toBe(400);
    expect(tooMany.param).toBe("top_logprobs");
  });
});

describe("prompt caching (open-weight models)", () => {
  it("a prompt that begins as an earlier one did reads the rest only, answers the same, and says so in usage", async () => {
    const system = `You route support tickets. ${"Answer with one team: billing, technical or account. ".repeat(4)}`;
    const ask = (content: string, params: Params = {}) =>
      client.chat.completions.create({
        model: "tiny-qwen2",
        messages: [
          { role: "system", content: system },
          { role: "user", content },
        ],
        temperature: 0,
        max_tokens: 8,
        logprobs: true,
        ...params,
      });
    const first = await ask("My card was charged twice for one order.");
    const second = await ask("The app crashes when I open settings.");
    const again = await ask("My card was charged twice for one order.");
    const cached = (r: OpenAI.Chat.ChatCompletion) => r.usage?.prompt_tokens_details?.cached_tokens ?? -1;
    expect(cached(first)).toBe(0);
    // the system message, in whole blocks of 48 tokens; the same prompt again: all but its last tokens
    expect(cached(second)).toBeGreaterThanOrEqual(48);
    expect(cached(second) % 48).toBe(0);
    expect(cached(again)).toBeGreaterThanOrEqual(cached(second));
    expect(cached(again)).toBeLessThanOrEqual((again.usage?.prompt_tokens ?? 0) - 5);
    // bit for bit the answer read whole
    expect(again.choices).toEqual(first.choices);
    const streamed = await client.chat.completions.create({
      model: "tiny-qwen2",
      messages: [
        { role: "system", content: system },
        { role: "user", content: "The app crashes when I open settings." },
      ],
      temperature: 0,
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of streamed) usage = chunk.usage ?? usage;
    expect(usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(cached(second));
  });
});
