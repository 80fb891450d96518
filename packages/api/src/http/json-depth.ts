import type { MiddlewareHandler } from "hono";
import { JSON_TYPE, mediaType } from "./body-type.ts";
import { MAX_JSON_DEPTH, tooDeep } from "./json-depth-limit.ts";
import { refuse } from "./refuse.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON nests arrays and objects deeper than `max`: one loop over the bytes (no recursion, no parse), brackets
 * inside strings skipped. UTF-8 never uses ASCII bytes inside a multi-byte character, so bytes are as good as text.
 * Malformed JSON is left to the parser.
 */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  return false;
}

/** What a request refused for its nesting is told. */

/**
 * Refuses (400 `invalid_argument`) a JSON body nested deeper than `max` levels, before a route parses it. The body is
 * read once and handed on as the same bytes.
 */
export function jsonDepthLimit(max = MAX_JSON_DEPTH): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return next();
    if (!JSON_TYPE.test(mediaType(c)) || c.req.raw.body === null) return next();
    const bytes = new Uint8Array(await c.req.raw.arrayBuffer());
    if (nestsDeeperThan(bytes, max)) return refuse(c, 400, "invalid_argument", tooDeep(max));
    c.req.raw = new Request(c.req.raw, { body: bytes });
    return next();
  };
}
