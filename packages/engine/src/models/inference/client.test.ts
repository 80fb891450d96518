// A completion the inference worker is still generating when the engine closes (the process stopping on Ctrl-C or
// SIGTERM) is refused as "shutting down" (OpenAI's retryable 503), not logged and answered as an internal error: the
// stopping CLI printed a stack trace per request in flight.
import { afterEach, describe, expect, it, vi } from "vitest";
import { errorAnswer } from "../../http/openai-error.ts";
import { baseSpec } from "../../trainer/model/sizes.ts";
import { InferenceClient } from "./client.ts";
import { InferenceStoppedError } from "./inference-stopped.ts";

afterEach(() => vi.restoreAllMocks());

describe("closing the inference client", () => {
  it("rejects the requests in flight as stopped, answered 503 engine_shutting_down without an internal-error log", async () => {
    const client = new InferenceClient();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const inFlight = client
      .complete({ kind: "base", spec: baseSpec("local-base") }, [{ role: "user", content: "hello" }], undefined, {
        maxTokens: 400,
        temperature: 0,
        topP: 1,
      })
      .catch((error: unknown) => error);
    await client.close();
    const error = await inFlight;
    expect(error).toBeInstanceOf(InferenceStoppedError);
    expect(errorAnswer(error)).toMatchObject({ status: 503, body: { error: { type: "server_error", code: "engine_shutting_down" } } });
    expect(logged).not.toHaveBeenCalled();
  });
});
