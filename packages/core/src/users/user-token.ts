import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The prefix of every user token, so a leaked one is recognisable (as `ghp_`, `sk-`). */
export const USER_TOKEN_PREFIX = "tlu_";

/** A new random user token: 32 bytes, base64url, prefixed. */
export function newUserToken(): string {
  return USER_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** How a token is stored: sha256 (the tokens are random, 256 bits, so no slow hash is needed). */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** The web app's session cookie value for a token: an HMAC keyed by the token, never the token itself. */
export function sessionValue(token: string): string {
  return createHmac("sha256", token).update("tunelab web session v1").digest("base64url");
}

/** How a user's session cookie is found again: the sha256 of its value. */
export function sessionHash(token: string): string {
  return hashToken(sessionValue(token));
}

/** Compares two secrets (or their hashes) in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
