import { authenticateUser, countUsers, type DB, hashToken, roleAtLeast, TunelabError, type UserRole } from "@tunelab/core";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { cookieName, hasSession, sameSecret } from "./session-cookie.ts";

/** Who a request acts as: a user, the holder of `TUNELAB_TOKEN` (an admin), or anyone on an open server (`name` null). */
export interface Principal {
  name: string | null;
  role: UserRole;
}

declare module "hono" {
  interface ContextVariableMap {
    principal: Principal;
  }
}

export interface AccessOptions {
  /** TUNELAB_TOKEN: an admin token, as it was the one token before users. */
  token: string | undefined;
  /** The workspace database, where users and their hashed tokens are. */
  db: DB;
}

/** The name `TUNELAB_TOKEN`'s holder is recorded under (as the creator of experiments and dataset versions). */
export const SHARED_TOKEN_NAME = "TUNELAB_TOKEN";

/** The token an `Authorization` header carries (`Bearer TOKEN`, scheme in any case, as RFC 9110 has it). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match?.[1];
}

/** Whether anyone may use the server without a token: no TUNELAB_TOKEN and no users (the loopback default). */
export async function isOpen(options: AccessOptions): Promise<boolean> {
  return options.token === undefined && (await countUsers(options.db)) === 0;
}

/**
 * Who the request's credentials name: `Authorization: Bearer TOKEN` or the web app's session cookie, for
 * `TUNELAB_TOKEN` or a user's token. Undefined when it carries none, or an unknown one.
 */
export async function credentialsPrincipal(c: Context, options: AccessOptions): Promise<Principal | undefined> {
  const { token, db } = options;
  const given = bearerToken(c.req.header("authorization"));
  if (token !== undefined && ((given !== undefined && sameSecret(given, token)) || hasSession(c, token)))
    return { name: SHARED_TOKEN_NAME, role: "admin" };
  const user = given !== undefined ? await authenticateUser(db, { token: given }) : await cookieUser(c, db);
  return user && { name: user.name, role: user.role };
}

async function cookieUser(c: Context, db: DB) {
  const value = getCookie(c, cookieName(c));
  return value === undefined ? undefined : authenticateUser(db, { sessionHash: hashToken(value) });
}

/** Who the request acts as, or undefined when a token is required and it carries no valid one. */
export async function resolvePrincipal(c: Context, options: AccessOptions): Promise<Principal | undefined> {
  const principal = await credentialsPrincipal(c, options);
  if (principal) return principal;
  return (await isOpen(options)) ? { name: null, role: "admin" } : undefined;
}

/** The role a request needs: reading (GET, HEAD, OPTIONS) is for viewers, any change for editors. */
export function roleNeeded(method: string): UserRole {
  return method === "GET" || method === "HEAD" || method === "OPTIONS" ? "viewer" : "editor";
}

export function allows(principal: Principal, needed: UserRole): boolean {
  return roleAtLeast(principal.role, needed);
}

/** Refuses the request (403 `forbidden`, naming the role needed and the caller's) unless its principal has `needed`. */
export function requireRole(c: Context, needed: UserRole, action: string): void {
  const principal = principalOf(c);
  if (allows(principal, needed)) return;
  throw new TunelabError(
    "forbidden",
    `to ${action} needs the ${needed} role; ${principal.name === null ? "this request" : `user "${principal.name}"`} has the ${principal.role} role`,
    { details: { needed, role: principal.role } },
  );
}

/** The request's principal (set by `access`); an in-process app without it is an open server. */
export function principalOf(c: Context): Principal {
  return c.get("principal") ?? { name: null, role: "admin" };
}

/** What a route records as the creator of what it makes (omitted on an open server). */
export function createdBy(c: Context): { createdBy?: string } {
  const { name } = principalOf(c);
  return name === null ? {} : { createdBy: name };
}
