import { APIError } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";

/**
 * Sampling parameters a model refuses, learned during a run from the provider's 400 and left out of that request's
 * retry and of every later request of the run. OpenAI's reasoning models (the o-series, gpt-5 and later) refuse
 * `max_tokens` ("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens'
 * instead.", code `unsupported_parameter`) and any temperature or top_p but their default of 1 (code
 * `unsupported_value`, or `unsupported_parameter`), while an eval run's default sampling asks for temperature 0 and
 * max_tokens 256. Without this, every item of a baseline on such a model failed with that 400.
 *
 * The token limit is left out rather than renamed: a reasoning model counts its reasoning toward
 * `max_completion_tokens`, so the 256 meant for the answer would cut most answers off before their first word; the
 * model's own limit applies. What was left out is said once per run (`notes`), for the run's record.
 *
 * `reasoning_effort` is the other way round: a model that does not reason (gpt-4o, gpt-4.1, a tuned open-weight model)
 * refuses it. OpenAI's chat completions answer such a model's request with a 400 that names the parameter only in its
 * message: `{"error": {"message": "Unrecognized request argument supplied: reasoning_effort", "type":
 * "invalid_request_error", "param": null, "code": null}}` (gpt-4o-mini in davidmigloz/langchain_dart#712, gpt-4o in
 * AAswordman/Operit#1048); Azure OpenAI answers `{"message": "Unknown parameter: 'reasoning_effort'.", "type":
 * "invalid_request_error", "param": "reasoning_effort", "code": "unknown_parameter"}` (run-llama/llama_index#17731),
 * and the Responses API `"Unsupported parameter: 'reasoning.effort' is not supported with this model."`, code
 * `unsupported_parameter` (BoundaryML/baml#2708, gpt-4.1), the shape the chat spelling gets as well. A value the model
 * does not take (`unsupported_value`, e.g. `none` on gpt-5) is not dropped: the run was asked to sample at that
 * effort, and sampling at another would score something else.
 */
const DROPPABLE = {
  max_tokens: ["unsupported_parameter"],
  temperature: ["unsupported_value", "unsupported_parameter"],
  top_p: ["unsupported_value", "unsupported_parameter"],
  reasoning_effort: ["unsupported_parameter", "unknown_parameter", "unrecognized_argument"],
} as const satisfies Record<string, readonly string[]>;
type Droppable = keyof typeof DROPPABLE;

const isDroppable = (param: unknown): param is Droppable => typeof param === "string" && Object.hasOwn(DROPPABLE, param);

/** OpenAI's message for a body key it does not know at all (with `param` and `code` null). */
const UNRECOGNIZED = /^Unrecognized request argument supplied: ([\w.]+)$/;

/** The parameter a 400 refuses and how (its code, or `unrecognized_argument` for OpenAI's message without one). */
function refusal(thrown: APIError): { param: unknown; code: unknown } {
  if (thrown.param != null || thrown.code != null) return { param: thrown.param, code: thrown.code };
  const message = (thrown.error as { message?: unknown } | undefined)?.message;
  const named = typeof message === "string" ? UNRECOGNIZED.exec(message.trim()) : null;
  return named ? { param: named[1], code: "unrecognized_argument" } : { param: undefined, code: undefined };
}

type Body = ChatCompletionCreateParamsNonStreaming;

export class ParameterFallbacks {
  private readonly dropped = new Map<Droppable, string>();

  constructor(private readonly model: string) {}

  /** The body without the parameters this run learned the model refuses (the same object when there are none). */
  apply(body: Body): Body {
    if (this.dropped.size === 0 || ![...this.dropped.keys()].some((param) => param in body)) return body;
    const out: Record<string, unknown> = { ...body };
    for (const param of this.dropped.keys()) delete out[param];
    return out as unknown as Body;
  }

  /**
   * After a failed request: the body to send instead when the failure is the model refusing a parameter this body
   * sent (learned for the rest of the run), else undefined (the failure stands).
   */
  retryWithout(thrown: unknown, body: Body): Body | undefined {
    if (!(thrown instanceof APIError) || thrown.status !== 400) return undefined;
    const { param, code } = refusal(thrown);
    if (!isDroppable(param) || !(param in body)) return undefined;
    const codes: readonly string[] = DROPPABLE[param];
    if (typeof code !== "string" || !codes.includes(code)) return undefined;
    if (!this.dropped.has(param)) this.dropped.set(param, this.note(param, (body as unknown as Record<string, unknown>)[param]));
    return this.apply(body);
  }

  /** What was left out, one sentence a parameter, in the order learned. */
  notes(): string[] {
    return [...this.dropped.values()];
  }

  private note(param: Droppable, value: unknown): string {
    if (param === "max_tokens")
      return `${this.model} does not accept max_tokens (OpenAI's reasoning models count their reasoning toward their token limit): sent without max_tokens ${JSON.stringify(value)}, so the model's own limit applies`;
    if (param === "reasoning_effort")
      return `${this.model} does not accept reasoning_effort (it is not a reasoning model): sent without reasoning_effort ${JSON.stringify(value)}`;
    return `${this.model} accepts only its default ${param}: sent without ${param} ${JSON.stringify(value)}, so it sampled at its default (1) and its answers may differ from run to run`;
  }
}
