import type { Context, MiddlewareHandler } from "hono";
import { refuse } from "./refuse.ts";

/** `application/json` and its `+json` kinds. */
export const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;
const JSONL_TYPE = /^application\/(?:x-ndjson|jsonl|json-lines|jsonlines|x-jsonlines)$/;
const MULTIPART = /^multipart\/form-data$/;

/** The media types a request body may have, by the route's path. */
export type BodyRule = (path: string) => { types: RegExp[]; expected: string };

/** `/api`: JSON, or JSONL where a training or test file is uploaded as is. */
export const apiBodies: BodyRule = () => ({
  types: [JSON_TYPE, JSONL_TYPE],
  expected: "application/json (application/x-ndjson for JSONL files)",
});

/** `/v1`, as OpenAI's API: JSON everywhere but file uploads, which are multipart. */
export const openaiBodies: BodyRule = (path) =>
  path === "/v1/files" || path === "/v1/files/"
    ? { types: [MULTIPART], expected: "multipart/form-data" }
    : { types: [JSON_TYPE], expected: "application/json" };

/** The request's media type, lower case, without parameters ("" when none). */
export const mediaType = (c: Context): string => (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

/** HTTP/1.1 framing decides for a request off the wire; an in-process `Request` has a body when it was given one. */
function hasBody(c: Context): boolean {
  const length = c.req.header("content-length");
  if (length !== undefined) return length.trim() !== "0";
  if (c.req.header("transfer-encoding") !== undefined) return true;
  const fromSocket = typeof c.env === "object" && c.env !== null && "incoming" in c.env;
  return !fromSocket && c.req.raw.body !== null;
}

/**
 * Refuses (415 `unsupported_media_type`) a request body whose `Content-Type` the route does not take. A browser
 * page can send `text/plain`, form and multipart bodies to any origin without asking first; refusing them where the
 * API takes JSON closes that door. A request without a body (e.g. `POST …/cancel`) needs no type.
 */
export function bodyType(rule: BodyRule): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return next();
    if (!hasBody(c)) return next();
    const type = mediaType(c);
    const { types, expected } = rule(c.req.path);
    if (types.some((t) => t.test(type))) return next();
    return refuse(
      c,
      415,
      "unsupported_media_type",
      `Content-Type ${type ? `'${type.slice(0, 100)}'` : "(none)"} is not accepted here: send ${expected}`,
    );
  };
}
