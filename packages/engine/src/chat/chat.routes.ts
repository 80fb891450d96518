import { TunelabError } from "@tunelab/base";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { badRequest, OpenAIHttpError } from "../http/openai-error.ts";
import { jsonBody } from "../http/validate.ts";
import { nowSeconds, openaiId } from "../ids.ts";
import { modelNotFound } from "../models/model.routes.ts";
import type { RunnableModels } from "../models/runnable-models.ts";
import { ContextLengthExceededError } from "../trainer/inference/context-length.ts";
import type { Completion, SamplingParams } from "../trainer/types.ts";
import { ChatRequest } from "./chat.schema.ts";
import { decodeImageInputs } from "./image-inputs.ts";
import { TokenQueue } from "./token-queue.ts";

const DEFAULT_MAX_TOKENS = 256;

/** Errors of generation in OpenAI's shape (a prompt over the context is a 400, as OpenAI answers). */
function asHttpError(error: unknown): unknown {
  if (error instanceof ContextLengthExceededError) return badRequest(error.message, "messages", "context_length_exceeded");
  if (error instanceof TunelabError && (error.code === "not_found" || error.code === "conflict"))
    return new OpenAIHttpError(400, error.message, "invalid_request_error", "model", "model_unavailable");
  return error;
}

export function chatRoutes(models: RunnableModels): Hono {
  const app = new Hono();

  app.post("/completions", async (c) => {
    const request = await jsonBody(c, ChatRequest);
    if (request.top_logprobs !== undefined && request.top_logprobs !== null && !request.logprobs)
      throw badRequest("top_logprobs requires logprobs to be true.", "top_logprobs");
    const source = await models.resolve(request.model).catch((e: unknown) => {
      throw asHttpError(e);
    });
    if (!source) throw modelNotFound(request.model);
    const messages = await decodeImageInputs(request.messages, source, request.model);
    const n = request.n ?? 1;
    const stop =
      request.stop === undefined || request.stop === null ? undefined : Array.isArray(request.stop) ? request.stop : [request.stop];
    const sampling = (index: number): SamplingParams => ({
      maxTokens: request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS,
      temperature: request.temperature ?? 1,
      topP: request.top_p ?? 1,
      ...(request.seed === undefined || request.seed === null ? {} : { seed: request.seed + index }),
      ...(stop ? { stop } : {}),
      ...(request.logprobs ? { logprobs: request.top_logprobs ?? 0 } : {}),
    });
    const id = openaiId("chatcmpl");
    const created = nowSeconds();
    const tools = request.tools ?? undefined;
    const base = { id, created, model: request.model, system_fingerprint: "fp_tunelab_local" };
    const complete = (index: number, onToken?: (text: string) => void) =>
      models.complete(source, messages, tools, sampling(index), onToken);
    const logprobsOf = (r: Completion) => (r.logprobs ? { content: r.logprobs, refusal: null } : null);

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

    let prompt = 0;
    let completion = 0;
    const choices = [];
    for (let index = 0; index < n; index++) {
      const result = await complete(index).catch((e: unknown) => {
        throw asHttpError(e);
      });
      prompt = result.promptTokens;
      completion += result.completionTokens;
      const message = result.toolCalls
        ? { role: "assistant" as const, content: null, refusal: null, tool_calls: result.toolCalls }
        : { role: "assistant" as const, content: result.text, refusal: null };
      choices.push({ index, message, logprobs: logprobsOf(result), finish_reason: result.toolCalls ? "tool_calls" : result.finishReason });
    }
    return c.json({
      ...base,
      object: "chat.completion",
      choices,
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    });
  });

  return app;
}
