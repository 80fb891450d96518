import type { MiddlewareHandler } from "hono";
import { type AccessOptions, allows, resolvePrincipal, roleNeeded } from "./principal.ts";
import { refuse } from "./refuse.ts";

export { bearerToken } from "./principal.ts";

/**
 * Access to /api and /v1: requires a token once one exists (`TUNELAB_TOKEN`, an admin token, or a user's from
 * `tunelab users add`): 401 without a valid one. Then the role: viewers read (GET, HEAD), editors also change; 403
 * `forbidden` names the role needed. Routes that need more (graders that run code: admin) check it themselves.
 * `/api/session` is open: it is where the web app signs in, and it checks the token itself.
 */
export function access(options: AccessOptions): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path === "/api/session") return next();
    const principal = await resolvePrincipal(c, options);
    if (principal === undefined) {
      c.header("WWW-Authenticate", 'Bearer realm="tunelab"');
      return refuse(
        c,
        401,
        "unauthorized",
        "missing or wrong token: send `Authorization: Bearer TOKEN` (TUNELAB_TOKEN, or a user's token from `tunelab users add NAME --role viewer`), or sign in to the web app",
      );
    }
    const needed = roleNeeded(c.req.method);
    if (!allows(principal, needed)) {
      return refuse(
        c,
        403,
        "forbidden",
        `${c.req.method} ${c.req.path} needs the ${needed} role; user "${principal.name}" has the ${principal.role} role (an admin issues tokens: \`tunelab users add NAME --role ${needed}\`)`,
      );
    }
    c.set("principal", principal);
    return next();
  };
}

export function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1" || host.startsWith("127.");
}
