import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { z } from "zod";
import { GraderError } from "../grade.ts";
import { ReasoningEffort } from "../runner/reasoning-effort.ts";
import type { RenderedMessage } from "../template/messages.ts";
import { configObject } from "./config-object.ts";
import type { GraderContext } from "./grader.ts";
import { requestModelGrade } from "./model-grader-request.ts";
import { ModelGraderSettings } from "./model-grader-settings.ts";

export { providerError } from "./provider-error.ts";

/** OpenAI's `sampling_params` for model graders (`max_completions_tokens` is OpenAI's grader spelling). */
export const GraderSamplingParams = configObject({
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  max_completions_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  reasoning_effort: ReasoningEffort.nullish(),
});
export type GraderSamplingParams = z.infer<typeof GraderSamplingParams>;

/** What a model grader's reply came back as: the text, or the provider's refusal. */
export interface ModelReply {
  text: string;
  completion: ChatCompletion;
}

/**
 * One chat completion for a model grader, each request with a deadline and retried as the runner retries a sample
 * (`context.modelGrader`, see `requestModelGrade`). Provider failures (HTTP errors, connection errors, malformed bodies,
 * a model that does not answer in time) are `model_grader_server_error`; a refusal or content filter is
 * `model_grader_refusal_error`.
 */
export async function callModelGrader(
  context: GraderContext,
  request: {
    /** The grader's name, as in its config. */
    name: string;
    /** How errors name the grader: `score_model "judge"`. */
    grader: string;
    model: string;
    messages: RenderedMessage[];
    samplingParams?: GraderSamplingParams | undefined;
    responseFormat: NonNullable<ChatCompletionCreateParamsNonStreaming["response_format"]>;
  },
): Promise<ModelReply> {
  const client = context.client;
  if (!client) throw new GraderError("other_error", `${request.grader} needs a provider client (none configured)`);
  const params: ChatCompletionCreateParamsNonStreaming = {
    model: request.model,
    messages: request.messages as ChatCompletionMessageParam[],
    response_format: request.responseFormat,
    ...samplingParams(request.samplingParams),
  };
  const completion = await requestModelGrade(client, {
    name: request.name,
    what: `${request.grader} (${request.model})`,
    model: request.model,
    params,
    settings: ModelGraderSettings.parse(context.modelGrader ?? {}),
    signal: context.signal,
  });
  if (!completion || !Array.isArray(completion.choices)) {
    throw new GraderError("model_grader_server_error", `${request.grader} (${request.model}): the provider's reply has no choices`);
  }
  if (completion.usage) context.onUsage?.(request.model, completion.usage);
  const choice = completion.choices[0];
  if (!choice) throw new GraderError("model_grader_server_error", `${request.grader} (${request.model}): the provider returned no choices`);
  const refusal = choice.message?.refusal;
  if (refusal) throw new GraderError("model_grader_refusal_error", `${request.grader} (${request.model}) refused: ${refusal}`);
  if (choice.finish_reason === "content_filter") {
    throw new GraderError("model_grader_refusal_error", `${request.grader} (${request.model}): reply blocked by the content filter`);
  }
  return { text: typeof choice.message?.content === "string" ? choice.message.content : "", completion };
}

function samplingParams(params: GraderSamplingParams | undefined): Partial<ChatCompletionCreateParamsNonStreaming> {
  if (!params) return {};
  const out: Partial<ChatCompletionCreateParamsNonStreaming> = {};
  if (params.temperature != null) out.temperature = params.temperature;
  if (params.top_p != null) out.top_p = params.top_p;
  if (params.seed != null) out.seed = params.seed;
  const maxTokens = params.max_completion_tokens ?? params.max_completions_tokens;
  if (maxTokens != null) out.max_completion_tokens = maxTokens;
  if (params.reasoning_effort != null) out.reasoning_effort = params.reasoning_effort;
  return out;
}

/** Parses a JSON object reply; `undefined` when the text is not JSON. Tolerates a ```json fence. */
export function parseJsonReply(text: string): unknown {
  const trimmed = text
    .trim()
    .replace(/^```(?:json)?\s*/i, "")
    .replace(/\s*```$/, "");
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}
