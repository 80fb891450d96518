import { createHmac, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

const MAX_AGE_SECONDS = 30 * 24 * 3600;

/**
 * The web app's session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it),
 * scoped by port in its name (cookies ignore ports, so two servers on one host would overwrite each other's).
 * Its value is an HMAC of the token, never the token itself.
 */
export function cookieName(c: Context): string {
  const url = new URL(c.req.url);
  return `tunelab_session_${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

export function sessionValue(token: string): string {
  return createHmac("sha256", token).update("tunelab web session v1").digest("base64url");
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function hasSession(c: Context, token: string): boolean {
  const value = getCookie(c, cookieName(c));
  return value !== undefined && sameSecret(value, sessionValue(token));
}

export function startSession(c: Context, token: string): void {
  setCookie(c, cookieName(c), sessionValue(token), {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    maxAge: MAX_AGE_SECONDS,
    secure: new URL(c.req.url).protocol === "https:",
  });
}

export function endSession(c: Context): void {
  deleteCookie(c, cookieName(c), { path: "/" });
}
