import type { Context, MiddlewareHandler } from "hono";
import { refuse } from "./refuse.ts";
import { hasSession, sameSecret } from "./session-cookie.ts";

/** The token an `Authorization` header carries (`Bearer TOKEN`, scheme in any case, as RFC 9110 has it). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match?.[1];
}

/** Whether the request carries the token: `Authorization: Bearer TOKEN`, or the web app's session cookie. */
export function authenticated(c: Context, token: string): boolean {
  const given = bearerToken(c.req.header("authorization"));
  return (given !== undefined && sameSecret(given, token)) || hasSession(c, token);
}

/**
 * Requires the token when one is set (`TUNELAB_TOKEN`). `/api/session` is open: it is where the web app signs in,
 * and it checks the token itself.
 */
export function tokenAuth(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token === undefined || c.req.path === "/api/session" || authenticated(c, token)) return next();
    c.header("WWW-Authenticate", 'Bearer realm="tunelab"');
    return refuse(c, 401, "unauthorized", "missing or wrong token: send `Authorization: Bearer $TUNELAB_TOKEN`, or sign in to the web app");
  };
}

export function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1" || host.startsWith("127.");
}
