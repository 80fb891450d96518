/**
 * A chat completion, apart from HTTP: what POST /v1/chat/completions answers (chat.routes.ts) and what the engine
 * answers in-process (`Engine.chatCompletion`, the `local` provider's eval runs: one per item, without building a
 * Request and a Response for each).
 */
import { TunelabError } from "@tunelab/base";
import type { LocalAnswer } from "@tunelab/contracts";
import { badRequest, errorAnswer, OpenAIHttpError } from "../http/openai-error.ts";
import { parseWith } from "../http/validate.ts";
import { nowSeconds, openaiId } from "../ids.ts";
import { modelNotFound } from "../models/model.routes.ts";
import type { RunnableModels } from "../models/runnable-models.ts";
import { ContextLengthExceededError } from "../trainer/inference/context-length.ts";
import type { Completion, OnToken, SamplingParams } from "../trainer/types.ts";
import { ChatRequest } from "./chat.schema.ts";
import { decodeImageInputs } from "./image-inputs.ts";
import { checkToolTurns } from "./tool-turns.ts";

const DEFAULT_MAX_TOKENS = 256;

/** Errors of generation in OpenAI's shape (a prompt over the context is a 400, as OpenAI answers). */
export function asHttpError(error: unknown): unknown {
  if (error instanceof ContextLengthExceededError) return badRequest(error.message, "messages", "context_length_exceeded");
  if (error instanceof Error && error.name === "InvalidLogitBiasError") return badRequest(error.message, "logit_bias", "invalid_value");
  if (error instanceof TunelabError && (error.code === "not_found" || error.code === "conflict"))
    return new OpenAIHttpError(400, error.message, "invalid_request_error", "model", "model_unavailable");
  // what the model's tokenizer or chat template refuses in the messages (a token it has no embedding for, a part it cannot
  // read), or tools its template would leave out (the field it names)
  if (error instanceof TunelabError && error.code === "invalid_argument") {
    const param = (error.details as { param?: unknown } | undefined)?.param;
    return badRequest(error.message, typeof param === "string" ? param : "messages");
  }
  return error;
}

/** A request checked, its model resolved and its images decoded: ready to generate its choices. */
export interface PreparedChat {
  request: ChatRequest;
  n: number;
  /** The fields every answer (or chunk) starts with. */
  base: { id: string; created: number; model: string; system_fingerprint: string };
  /** Generates choice `index` (`onToken` streams its text). */
  complete(index: number, onToken?: OnToken): Promise<Completion>;
}

export async function prepareChat(models: RunnableModels, request: ChatRequest): Promise<PreparedChat> {
  checkToolTurns(request.messages);
  // OpenAI refuses both limits at once rather than picking one (null counts as not set)
  if (
    request.max_tokens !== undefined &&
    request.max_tokens !== null &&
    request.max_completion_tokens !== undefined &&
    request.max_completion_tokens !== null
  )
    throw badRequest(
      `Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported (got max_tokens ${request.max_tokens} and max_completion_tokens ${request.max_completion_tokens}); send only 'max_completion_tokens'.`,
      "max_tokens",
      "invalid_parameter_combination",
    );
  if (request.top_logprobs !== undefined && request.top_logprobs !== null && !request.logprobs)
    throw badRequest("top_logprobs requires logprobs to be true.", "top_logprobs");
  const choice = request.tool_choice;
  if (choice !== undefined && choice !== null && !request.tools?.length)
    throw badRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", "tool_choice");
  if (typeof choice === "object" && choice !== null && !request.tools?.some((t) => t.function.name === choice.function.name))
    throw badRequest(`Invalid value for 'tool_choice': no function named '${choice.function.name}' in 'tools'.`, "tool_choice");
  const format = request.response_format;
  if (format?.type === "json_object" && !mentionsJson(request.messages))
    throw badRequest("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", "messages");
  const source = await models.resolve(request.model).catch((e: unknown) => {
    throw asHttpError(e);
  });
  if (!source) throw modelNotFound(request.model);
  const messages = await decodeImageInputs(request.messages, source, request.model);
  const stop =
    request.stop === undefined || request.stop === null ? undefined : Array.isArray(request.stop) ? request.stop : [request.stop];
  // reasoning_effort "none" or "minimal" turns thinking off where the template reads enable_thinking (Qwen3, SmolLM3);
  // chat_template_kwargs (vLLM's) are given to the template as they are
  const effort = request.reasoning_effort;
  const templateVariables = {
    ...(effort === "none" || effort === "minimal" ? { enable_thinking: false } : {}),
    ...request.chat_template_kwargs,
  };
  const sampling = (index: number): SamplingParams => ({
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS,
    temperature: request.temperature ?? 1,
    topP: request.top_p ?? 1,
    ...(request.seed === undefined || request.seed === null ? {} : { seed: request.seed + index }),
    ...(stop ? { stop } : {}),
    ...(request.logprobs ? { logprobs: request.top_logprobs ?? 0 } : {}),
    ...(forced ? { forcedToolCall: forced } : {}),
    ...(request.frequency_penalty ? { frequencyPenalty: request.frequency_penalty } : {}),
    ...(request.presence_penalty ? { presencePenalty: request.presence_penalty } : {}),
    ...(request.logit_bias ? { logitBias: request.logit_bias } : {}),
    ...(format?.type === "json_object" ? { responseFormat: { type: "json_object" as const } } : {}),
    ...(format?.type === "json_schema" ? { responseFormat: { type: "json_schema" as const, schema: format.json_schema.schema } } : {}),
    ...(Object.keys(templateVariables).length > 0 ? { templateVariables } : {}),
  });
  // tool_choice "required" or a named function: the answer is tool calls only (of that function)
  const named =
    typeof choice === "object" && choice !== null
      ? request.tools?.find((t) => t.function.name === choice.function.name)
      : choice === "required" && request.tools?.length === 1
        ? request.tools[0]
        : undefined;
  const forced =
    choice === "required" || named
      ? {
          names: named ? [named.function.name] : (request.tools ?? []).map((t) => t.function.name),
          ...(named?.function.parameters !== undefined ? { parameters: named.function.parameters } : {}),
          parallel: request.parallel_tool_calls !== false,
        }
      : undefined;
  // tool_choice "none": the model is offered no tools, so it answers in text
  const tools = choice === "none" ? undefined : (request.tools ?? undefined);
  return {
    request,
    n: request.n ?? 1,
    base: { id: openaiId("chatcmpl"), created: nowSeconds(), model: request.model, system_fingerprint: "fp_tunelab_local" },
    complete: (index, onToken) => models.complete(source, messages, tools, sampling(index), onToken),
  };
}

/** OpenAI's rule for `json_object`: some message says "json" (any case), in its text or a text part. */
function mentionsJson(messages: ChatRequest["messages"]): boolean {
  return messages.some((m) => {
    const texts =
      typeof m.content === "string"
        ? [m.content]
        : Array.isArray(m.content)
          ? m.content.map((p) => (typeof p.text === "string" ? p.text : ""))
          : [];
    return texts.some((t) => /json/i.test(t));
  });
}

export const logprobsOf = (r: Completion) => (r.logprobs ? { content: r.logprobs, refusal: null } : null);

/** The `chat.completion` object of a non-streaming request: every choice generated, usage summed. */
export async function completeChat(chat: PreparedChat) {
  const usage = new ChatUsage();
  const choices = [];
  for (let index = 0; index < chat.n; index++) {
    const result = await chat.complete(index).catch((e: unknown) => {
      throw asHttpError(e);
    });
    usage.add(index, result);
    // a reasoning model's thoughts, where DeepSeek's API and vLLM put them; the content is the answer alone
    const thoughts = result.reasoning !== undefined ? { reasoning_content: result.reasoning } : {};
    const message = result.toolCalls
      ? { role: "assistant" as const, content: null, refusal: null, tool_calls: result.toolCalls, ...thoughts }
      : { role: "assistant" as const, content: result.text, refusal: null, ...thoughts };
    choices.push({ index, message, logprobs: logprobsOf(result), finish_reason: result.toolCalls ? "tool_calls" : result.finishReason });
  }
  return {
    ...chat.base,
    object: "chat.completion" as const,
    choices,
    usage: usage.toJSON(),
  };
}

/**
 * A chat completion's usage, choice by choice: the prompt counted once for all choices, and as OpenAI reports them, the
 * tokens of it the model did not read again (the first choice's; open-weight models' prefix cache) and the completion's
 * tokens of reasoning (all choices').
 */
export class ChatUsage {
  private prompt = 0;
  private cached = 0;
  private completion = 0;
  private reasoning = 0;

  add(index: number, result: Completion): void {
    this.prompt = result.promptTokens;
    if (index === 0) this.cached = result.cachedTokens ?? 0;
    this.completion += result.completionTokens;
    this.reasoning += result.reasoningTokens ?? 0;
  }

  toJSON() {
    return {
      prompt_tokens: this.prompt,
      completion_tokens: this.completion,
      total_tokens: this.prompt + this.completion,
      prompt_tokens_details: { cached_tokens: this.cached },
      completion_tokens_details: { reasoning_tokens: this.reasoning },
    };
  }
}

/**
 * The engine's in-process answer to a non-streaming chat completion: the body validated as the route validates it,
 * then status 200 with the `chat.completion` object, or the status and `{error}` body the route would answer.
 * A streaming request is refused (400, param `stream`): streams are answered over the REST surface only.
 */
export async function chatCompletionAnswer(models: RunnableModels, body: unknown): Promise<LocalAnswer> {
  try {
    const request = parseWith(ChatRequest, body);
    if (request.stream) throw badRequest("Streaming chat completions are answered over /v1/chat/completions only.", "stream");
    return { status: 200, body: await completeChat(await prepareChat(models, request)) };
  } catch (error) {
    return errorAnswer(error);
  }
}
