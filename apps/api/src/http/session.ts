import { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { authenticated } from "./auth.ts";
import { refuse } from "./refuse.ts";
import { endSession, sameSecret, startSession } from "./session-cookie.ts";

export interface SessionOptions {
  /** TUNELAB_TOKEN; without it there is nothing to sign in to. */
  token: string | undefined;
  /** A code that signs a browser in once (`GET /login?token=CODE`), printed by `tunelab serve`. */
  loginCode?: string | undefined;
}

const SignIn = z.object({ token: z.string().min(1).max(4096) });

/** A path on this server to go to after signing in (never another origin). */
const localPath = (next: string | undefined) => (next?.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/");

/**
 * Signing the web app in: `GET /login?token=…` (the link `tunelab serve` prints, as Jupyter does) sets the session
 * cookie and redirects to the app; `GET /login` without a token is the app's own login page. `GET /api/session`
 * says whether a token is needed and present, `POST /api/session {token}` signs in, `DELETE` signs out.
 */
export function sessionRoutes(options: SessionOptions): Hono {
  const { token } = options;
  let code = options.loginCode;
  const app = new Hono();

  app.get("/login", async (c, next) => {
    const given = c.req.query("token");
    if (given === undefined) return next();
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    if (token === undefined) return c.redirect("/", 302);
    const byCode = code !== undefined && sameSecret(given, code);
    if (!byCode && !sameSecret(given, token)) return c.redirect("/login?error=invalid_link", 302);
    if (byCode) code = undefined; // one use
    startSession(c, token);
    return c.redirect(localPath(c.req.query("next")), 302);
  });

  app.get("/api/session", (c) =>
    c.json({ tokenRequired: token !== undefined, authenticated: token === undefined || authenticated(c, token) }),
  );

  app.post("/api/session", async (c) => {
    if (token === undefined) return c.body(null, 204);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return refuse(c, 400, "invalid_argument", 'send {"token": "…"} as JSON');
    }
    const parsed = SignIn.safeParse(body);
    if (!parsed.success) return refuse(c, 400, "invalid_argument", "token: a non-empty string is required");
    if (!sameSecret(parsed.data.token.trim(), token)) return refuse(c, 401, "unauthorized", "wrong token (TUNELAB_TOKEN of the server)");
    startSession(c, token);
    return c.body(null, 204);
  });

  app.delete("/api/session", (c) => {
    endSession(c);
    return c.body(null, 204);
  });
  return app;
}
