import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { jsonBody } from "../http/validate.ts";
import { nowSeconds, openaiId } from "../ids.ts";
import { modelNotFound } from "../models/model.routes.ts";
import type { RunnableModels } from "../models/runnable-models.ts";
import type { SamplingParams } from "../trainer/types.ts";
import { ChatRequest } from "./chat.schema.ts";

const DEFAULT_MAX_TOKENS = 256;

export function chatRoutes(models: RunnableModels): Hono {
  const app = new Hono();

  app.post("/completions", async (c) => {
    const request = await jsonBody(c, ChatRequest);
    const model = await models.get(request.model);
    if (!model) throw modelNotFound(request.model);
    const n = request.n ?? 1;
    const stop =
      request.stop === undefined || request.stop === null ? undefined : Array.isArray(request.stop) ? request.stop : [request.stop];
    const sampling = (index: number): SamplingParams => ({
      maxTokens: Math.min(request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS, model.contextLength),
      temperature: request.temperature ?? 1,
      topP: request.top_p ?? 1,
      ...(request.seed === undefined || request.seed === null ? {} : { seed: request.seed + index }),
      ...(stop ? { stop } : {}),
    });
    const id = openaiId("chatcmpl");
    const created = nowSeconds();
    const tools = request.tools ?? undefined;
    const base = { id, created, model: request.model, system_fingerprint: "fp_tunelab_local" };

    if (request.stream) {
      return streamSSE(c, async (stream) => {
        let prompt = 0;
        let completion = 0;
        for (let index = 0; index < n; index++) {
          await stream.writeSSE({
            data: JSON.stringify({
              ...base,
              object: "chat.completion.chunk",
              choices: [{ index, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }],
            }),
          });
          const pending: string[] = [];
          const result = model.complete(request.messages, tools, sampling(index), (text) => pending.push(text));
          for (const text of pending) {
            await stream.writeSSE({
              data: JSON.stringify({
                ...base,
                object: "chat.completion.chunk",
                choices: [{ index, delta: { content: text }, logprobs: null, finish_reason: null }],
              }),
            });
          }
          const toolCalls = result.toolCalls;
          if (toolCalls) {
            const delta = { tool_calls: toolCalls.map((call, i) => ({ index: i, ...call })) };
            await stream.writeSSE({
              data: JSON.stringify({
                ...base,
                object: "chat.completion.chunk",
                choices: [{ index, delta, logprobs: null, finish_reason: null }],
              }),
            });
          }
          await stream.writeSSE({
            data: JSON.stringify({
              ...base,
              object: "chat.completion.chunk",
              choices: [{ index, delta: {}, logprobs: null, finish_reason: toolCalls ? "tool_calls" : result.finishReason }],
            }),
          });
          prompt = result.promptTokens;
          completion += result.completionTokens;
        }
        if (request.stream_options?.include_usage) {
          await stream.writeSSE({
            data: JSON.stringify({
              ...base,
              object: "chat.completion.chunk",
              choices: [],
              usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
            }),
          });
        }
        await stream.writeSSE({ data: "[DONE]" });
      });
    }

    let prompt = 0;
    let completion = 0;
    const choices = Array.from({ length: n }, (_, index) => {
      const result = model.complete(request.messages, tools, sampling(index));
      prompt = result.promptTokens;
      completion += result.completionTokens;
      const message = result.toolCalls
        ? { role: "assistant" as const, content: null, refusal: null, tool_calls: result.toolCalls }
        : { role: "assistant" as const, content: result.text, refusal: null };
      return { index, message, logprobs: null, finish_reason: result.toolCalls ? "tool_calls" : result.finishReason };
    });
    return c.json({
      ...base,
      object: "chat.completion",
      choices,
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    });
  });

  return app;
}
