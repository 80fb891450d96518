/**
 * A request the inference worker had not answered when the engine closed (a process stopping: Ctrl-C, SIGTERM). It is
 * answered as OpenAI answers a server that cannot serve now (503, retryable), not as an internal error.
 */
export class InferenceStoppedError extends Error {
  override readonly name = "InferenceStoppedError";
  constructor() {
    super("The engine is shutting down and did not finish this request; retry it.");
  }
}
