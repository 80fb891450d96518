import { type ErrorCode, isTunelabError } from "@tunelab/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { MAX_JSON_DEPTH, tooDeep } from "./json-depth-limit.ts";

/** One mapping from error codes to HTTP statuses. */
export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_argument: 400,
  validation_failed: 422,
  not_found: 404,
  conflict: 409,
  io_error: 500,
  internal: 500,
  code_graders_disabled: 403,
  forbidden: 403,
};

/** `{error: {code, message, details}}` (details null when none), typed with the details given (a file's report on 422). */
export function apiError<S extends ContentfulStatusCode, D = undefined>(c: Context, status: S, code: string, message: string, details?: D) {
  return c.json({ error: { code, message, details: (details ?? null) as undefined extends D ? null : D } }, status);
}

/** What a request whose client closed the connection ends with (nginx's code; the client never sees it). */
export const CLIENT_CLOSED_REQUEST = 499;

/** V8's "Maximum call stack size exceeded". */
const isStackOverflow = (error: Error) => error instanceof RangeError && /call stack/i.test(error.message);

const hasBody = (c: Context) => c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.method !== "OPTIONS";

/** The API's one onError: `{error: {code, message, details}}`; never a 500 for bad input. */
export function onError(error: Error, c: Context): Response {
  if (isTunelabError(error)) return apiError(c, STATUS[error.code], error.code, error.message, error.details);
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    return apiError(
      c,
      status,
      status === 413
        ? "payload_too_large"
        : status === 401
          ? "unauthorized"
          : status === 415
            ? "unsupported_media_type"
            : "invalid_argument",
      error.message || "bad request",
    );
  }
  if (error instanceof SyntaxError) return apiError(c, 400, "invalid_argument", `malformed JSON body: ${error.message}`);
  // a body nested too deeply for whatever walked it (validation, JSON.stringify of the answer): the input's fault
  if (isStackOverflow(error) && hasBody(c)) return apiError(c, 400, "invalid_argument", tooDeep(MAX_JSON_DEPTH));
  // the client went away and the work it asked for was stopped (an export download): nobody to answer, nothing to log
  if (c.req.raw.signal?.aborted) return new Response(null, { status: CLIENT_CLOSED_REQUEST });
  console.error("[api] internal error:", error);
  return apiError(c, 500, "internal", "internal error; see the server log");
}
