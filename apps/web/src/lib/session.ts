import { localPath } from "@tunelab/api/local-path";
import { createSignal } from "solid-js";

/** What `GET /api/session` says: whether the server wants a token (TUNELAB_TOKEN) and whether this browser has it. */
export interface SessionState {
  tokenRequired: boolean;
  authenticated: boolean;
}

const [state, setState] = createSignal<SessionState | undefined>();

/** The session as last seen (undefined until checked); the header shows "Sign out" from it. */
export const session = state;

export async function checkSession(): Promise<SessionState> {
  const response = await fetch("/api/session", { credentials: "same-origin", headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`the server answered ${response.status} to GET /api/session`);
  const next = (await response.json()) as SessionState;
  setState(next);
  return next;
}

/**
 * Signs this browser in: the server checks the token and sets an HttpOnly, SameSite=Strict cookie, which every
 * fetch and the live event stream then carry (the page never keeps the token itself).
 */
export async function signIn(token: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const response = await fetch("/api/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: token.trim() }),
  });
  if (response.ok) {
    setState({ tokenRequired: true, authenticated: true });
    return { ok: true };
  }
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return { ok: false, message: body?.error?.message ?? `the server answered ${response.status}` };
}

export async function signOut(): Promise<void> {
  await fetch("/api/session", { method: "DELETE", credentials: "same-origin" });
  setState({ tokenRequired: true, authenticated: false });
}

/**
 * A path on this site to return to after signing in, or "/" for anything else: the server's rule for `/login?next=`
 * (`localPath`: no other origin, no control character or whitespace a browser would strip), and not the login page
 * itself.
 */
export function safeNext(next: string | null | undefined): string {
  const path = localPath(next);
  const pathname = path.replace(/[?#].*$/, "");
  return pathname === "/login" || pathname.startsWith("/login/") ? "/" : path;
}

/** Sends the browser to the login page, to come back here after signing in. */
export function goToLogin(): void {
  if (location.pathname === "/login") return;
  const next = location.pathname + location.search;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}
