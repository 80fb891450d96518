import { sameSecret, sessionValue } from "@tunelab/core";
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

export { sameSecret, sessionValue };

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
