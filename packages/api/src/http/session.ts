import { z } from "@hono/zod-openapi";
import { authenticateUser } from "@tunelab/core";
import { type Context, Hono } from "hono";
import { localPath } from "./local-path.ts";
import { type AccessOptions, credentialsPrincipal, isOpen } from "./principal.ts";
import { refuse } from "./refuse.ts";
import { endSession, sameSecret, startSession } from "./session-cookie.ts";

export interface SessionOptions extends AccessOptions {
  /** A code that signs a browser in once (`GET /login?token=CODE`), printed by `tunelab serve`. */
  loginCode?: string | undefined;
}

const SignIn = z.object({ token: z.string().min(1).max(4096) });

/**
 * Signing the web app in: `GET /login?token=…` (the link `tunelab serve` prints, as Jupyter does; or a user's token)
 * sets the session cookie and redirects to the app; `GET /login` without a token is the app's own login page.
 * `GET /api/session` says whether a token is needed and present, `POST /api/session {token}` signs in (TUNELAB_TOKEN
 * or a user's token), `DELETE` signs out.
 */
export function sessionRoutes(options: SessionOptions): Hono {
  const { token, db } = options;
  let code = options.loginCode;
  const app = new Hono();

  /** Starts a session for a valid token (TUNELAB_TOKEN or a user's); false for any other. */
  const signIn = async (c: Context, given: string): Promise<boolean> => {
    if (token !== undefined && sameSecret(given, token)) {
      startSession(c, token);
      return true;
    }
    if (!(await authenticateUser(db, { token: given }))) return false;
    startSession(c, given);
    return true;
  };

  app.get("/login", async (c, next) => {
    const given = c.req.query("token");
    if (given === undefined) return next();
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    if (await isOpen(options)) return c.redirect("/", 302);
    const byCode = token !== undefined && code !== undefined && sameSecret(given, code);
    if (byCode) {
      code = undefined; // one use
      startSession(c, token);
    } else if (!(await signIn(c, given))) return c.redirect("/login?error=invalid_link", 302);
    return c.redirect(localPath(c.req.query("next")), 302);
  });

  app.get("/api/session", async (c) => {
    const open = await isOpen(options);
    return c.json({ tokenRequired: !open, authenticated: open || (await credentialsPrincipal(c, options)) !== undefined });
  });

  app.post("/api/session", async (c) => {
    if (await isOpen(options)) return c.body(null, 204);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return refuse(c, 400, "invalid_argument", 'send {"token": "…"} as JSON');
    }
    const parsed = SignIn.safeParse(body);
    if (!parsed.success) return refuse(c, 400, "invalid_argument", "token: a non-empty string is required");
    if (!(await signIn(c, parsed.data.token.trim())))
      return refuse(
        c,
        401,
        "unauthorized",
        "wrong token (TUNELAB_TOKEN of the server, or a user's token from `tunelab users add NAME --role viewer`)",
      );
    return c.body(null, 204);
  });

  app.delete("/api/session", (c) => {
    endSession(c);
    return c.body(null, 204);
  });
  return app;
}
