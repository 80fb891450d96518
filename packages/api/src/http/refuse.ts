import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { apiError } from "./errors.ts";

/** A refusal by the HTTP layer, in the error shape of the surface asked: OpenAI's under `/v1`, tunelab's elsewhere. */
export function refuse(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  if (c.req.path === "/v1" || c.req.path.startsWith("/v1/"))
    return c.json({ error: { message, type: "invalid_request_error", param: null, code } }, status);
  return apiError(c, status, code, message);
}
