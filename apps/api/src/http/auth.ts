import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { apiError } from "./errors.ts";

/** Requires `Authorization: Bearer TOKEN` (compared in constant time) when a token is set. */
export function bearerAuth(token: string | undefined): MiddlewareHandler {
  const expected = token === undefined ? undefined : Buffer.from(token);
  return async (c, next) => {
    if (!expected) return next();
    const header = c.req.header("authorization") ?? "";
    const given = Buffer.from(header.startsWith("Bearer ") ? header.slice(7) : "");
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    if (!ok) return apiError(c, 401, "unauthorized", "missing or wrong bearer token (TUNELAB_TOKEN)");
    return next();
  };
}

export function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1" || host.startsWith("127.");
}
