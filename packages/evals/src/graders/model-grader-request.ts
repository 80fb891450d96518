import type OpenAI from "openai";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { GraderError } from "../grade.ts";
import { retryDelay } from "../runner/backoff.ts";
import { sleep } from "../runner/sleep.ts";
import { formatDuration, type ModelGraderSettings } from "./model-grader-settings.ts";
import { providerError } from "./provider-error.ts";

export interface ModelGraderRequest {
  /** The grader's name, as in its config. */
  name: string;
  /** How errors name the grader: `score_model "judge" (gpt-4o-mini)`. */
  what: string;
  model: string;
  params: ChatCompletionCreateParamsNonStreaming;
  settings: ModelGraderSettings;
  /** The run's signal: when it aborts, the request in flight is aborted and no retry follows. */
  signal?: AbortSignal | undefined;
}

/**
 * One chat completion for a model grader, each attempt with its own deadline (`settings.timeoutMs`, the response body
 * included), retried as the runner retries a sample (`classifyError`: timeouts, 429, 408, 409, 5xx, connection errors,
 * malformed bodies) with its backoff, at most `settings.maxAttempts` times. The SDK is called with `maxRetries: 0` so
 * that retries are decided here. Throws a `GraderError`: a grader model that never answers ends as
 * `grader "judge": the grader model (m) did not answer within 60 s (3 attempts)`, never a hang.
 */
export async function requestModelGrade(client: OpenAI, request: ModelGraderRequest): Promise<ChatCompletion> {
  const { settings, signal } = request;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new GraderError("other_error", `${request.what}: aborted`);
    const attemptController = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attemptController.abort();
    }, settings.timeoutMs);
    const onStop = () => attemptController.abort(signal?.reason);
    signal?.addEventListener("abort", onStop, { once: true });
    try {
      return await client.chat.completions.create(request.params, { maxRetries: 0, signal: attemptController.signal });
    } catch (thrown) {
      if (signal?.aborted || thrown instanceof GraderError) throw await providerError(request.what, thrown);
      // loaded once a call has failed (it loads the SDK, see providerError): a grading pool's worker never loads it
      const { classifyError } = await import("../runner/classify-error.ts");
      const failure = classifyError(thrown, timedOut, Date.now());
      if (!failure.retryable || attempt >= settings.maxAttempts) {
        const attempts = `${attempt} attempt${attempt === 1 ? "" : "s"}`;
        if (failure.error.type === "timeout") {
          throw new GraderError(
            "model_grader_server_error",
            `grader ${JSON.stringify(request.name)}: the grader model (${request.model}) did not answer within ${formatDuration(settings.timeoutMs)} (${attempts})`,
          );
        }
        const error = await providerError(request.what, thrown);
        throw attempt === 1 ? error : new GraderError(error.type, `${error.message} (${attempts})`);
      }
      await sleep(retryDelay(attempt, failure.retryAfterMs, settings, Math.random), signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onStop);
    }
  }
}
