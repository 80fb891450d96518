import { GraderError } from "../grade.ts";

/**
 * Maps an error from the `openai` client to the grader taxonomy. The SDK is loaded here, when a provider call has
 * failed, not with the graders: a grading pool's worker thread loads every grader and runs pure ones only, and the SDK
 * would be most of what it loads (the thread that made the call has it loaded already).
 */
export async function providerError(what: string, error: unknown): Promise<GraderError> {
  if (error instanceof GraderError) return error;
  const { APIError, APIUserAbortError } = await import("openai");
  if (error instanceof APIUserAbortError) return new GraderError("other_error", `${what}: aborted`);
  if (error instanceof APIError) {
    const status = error.status === undefined ? "" : ` (HTTP ${error.status})`;
    return new GraderError("model_grader_server_error", `${what}: provider error${status}: ${error.message}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GraderError("model_grader_server_error", `${what}: bad reply from the provider: ${message}`);
}
