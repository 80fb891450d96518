import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { jsonBody } from "../http/validate.ts";
import type { RunnableModels } from "../models/runnable-models.ts";
import { ChatRequest } from "./chat.schema.ts";
import { asHttpError, completeChat, logprobsOf, prepareChat } from "./chat-completion.ts";
import { TokenQueue } from "./token-queue.ts";

export function chatRoutes(models: RunnableModels): Hono {
  const app = new Hono();

  app.post("/completions", async (c) => {
    const chat = await prepareChat(models, await jsonBody(c, ChatRequest));
    const { request, n, base, complete } = chat;
    if (request.stream) {
      // The first choice starts before the response does, so a prompt over the context is still a 400.
      const first = new TokenQueue(complete(0, (t) => first.push(t)));
      await first.started().catch((e: unknown) => {
        throw asHttpError(e);
      });
      return streamSSE(c, async (stream) => {
        const usageField = request.stream_options?.include_usage ? { usage: null } : {}; // OpenAI: null on every chunk but the last
        const chunk = (choices: unknown[], extra: object = {}) =>
          stream.writeSSE({ data: JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...usageField, ...extra }) });
        let prompt = 0;
        let completion = 0;
        for (let index = 0; index < n; index++) {
          const queue = index === 0 ? first : new TokenQueue(complete(index, (t) => queue.push(t)));
          await chunk([{ index, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }]);
          for await (const text of queue) await chunk([{ index, delta: { content: text }, logprobs: null, finish_reason: null }]);
          const result = await queue.result;
          const calls = result.toolCalls;
          if (calls)
            await chunk([
              { index, delta: { tool_calls: calls.map((call, i) => ({ index: i, ...call })) }, logprobs: null, finish_reason: null },
            ]);
          await chunk([{ index, delta: {}, logprobs: logprobsOf(result), finish_reason: calls ? "tool_calls" : result.finishReason }]);
          prompt = result.promptTokens;
          completion += result.completionTokens;
        }
        if (request.stream_options?.include_usage)
          await chunk([], { usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } });
        await stream.writeSSE({ data: "[DONE]" });
      });
    }

    return c.json(await completeChat(chat));
  });

  return app;
}
