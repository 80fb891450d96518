import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { InferenceStoppedError } from "../models/inference/inference-stopped.ts";

export type OpenAIErrorType = "invalid_request_error" | "not_found_error" | "rate_limit_error" | "server_error";

/** An error answered in OpenAI's shape: `{error: {message, type, param, code}}` with OpenAI's status codes. */
export class OpenAIHttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly type: OpenAIErrorType = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string, param: string | null = null) =>
  new OpenAIHttpError(404, `No such ${what}: '${id}'`, "invalid_request_error", param, "not_found");

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new OpenAIHttpError(400, message, "invalid_request_error", param, code);

/** OpenAI's error body. */
export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: string | null };
}

/** What an error is answered with: an OpenAIHttpError as itself, anything else as OpenAI's generic 500 (logged). */
export function errorAnswer(error: unknown): { status: ContentfulStatusCode; body: OpenAIErrorBody } {
  if (error instanceof OpenAIHttpError) {
    return { status: error.status, body: { error: { message: error.message, type: error.type, param: error.param, code: error.code } } };
  }
  if (error instanceof InferenceStoppedError) {
    return { status: 503, body: { error: { message: error.message, type: "server_error", param: null, code: "engine_shutting_down" } } };
  }
  console.error("[engine] internal error:", error);
  return {
    status: 500,
    body: { error: { message: "The server had an error while processing your request.", type: "server_error", param: null, code: null } },
  };
}

export function errorResponse(c: Context, error: unknown): Response {
  const { status, body } = errorAnswer(error);
  return c.json(body, status);
}
