import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { jsonBody } from "../http/validate.ts";
import type { RunnableModels } from "../models/runnable-models.ts";
import { ChatRequest } from "./chat.schema.ts";
import { asHttpError, ChatUsage, completeChat, prepareChat } from "./chat-completion.ts";
import { TokenQueue } from "./token-queue.ts";

export function chatRoutes(models: RunnableModels): Hono {
  const app = new Hono();

  app.post("/completions", async (c) => {
    const chat = await prepareChat(models, await jsonBody(c, ChatRequest));
    const { request, n, base, complete } = chat;
    if (request.stream) {
      // The first choice starts before the response does, so a prompt over the context is still a 400.
      const first = new TokenQueue(complete(0, (t, l, r) => first.push(t, l, r)));
      await first.started().catch((e: unknown) => {
        throw asHttpError(e);
      });
      return streamSSE(c, async (stream) => {
        const usageField = request.stream_options?.include_usage ? { usage: null } : {}; // OpenAI: null on every chunk but the last
        const chunk = (choices: unknown[], extra: object = {}) =>
          stream.writeSSE({ data: JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...usageField, ...extra }) });
        const usage = new ChatUsage();
        for (let index = 0; index < n; index++) {
          const queue = index === 0 ? first : new TokenQueue(complete(index, (t, l, r) => queue.push(t, l, r)));
          await chunk([{ index, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }]);
          // each content chunk carries the logprobs of its tokens, as OpenAI's do; the last chunk any not sent yet
          let logprobsSent = 0;
          for await (const piece of queue) {
            // a reasoning model's reasoning, where DeepSeek's API and vLLM stream it
            if (piece.reasoning) {
              await chunk([{ index, delta: { reasoning_content: piece.text }, logprobs: null, finish_reason: null }]);
              continue;
            }
            const logprobs = piece.logprobs ? { content: piece.logprobs, refusal: null } : null;
            logprobsSent += piece.logprobs?.length ?? 0;
            await chunk([{ index, delta: { content: piece.text }, logprobs, finish_reason: null }]);
          }
          const result = await queue.result;
          const rest = result.logprobs?.slice(logprobsSent);
          const calls = result.toolCalls;
          if (calls)
            await chunk([
              { index, delta: { tool_calls: calls.map((call, i) => ({ index: i, ...call })) }, logprobs: null, finish_reason: null },
            ]);
          await chunk([
            {
              index,
              delta: {},
              logprobs: rest && rest.length > 0 ? { content: rest, refusal: null } : null,
              finish_reason: calls ? "tool_calls" : result.finishReason,
            },
          ]);
          usage.add(index, result);
        }
        if (request.stream_options?.include_usage) await chunk([], { usage: usage.toJSON() });
        await stream.writeSSE({ data: "[DONE]" });
      });
    }

    return c.json(await completeChat(chat));
  });

  return app;
}
