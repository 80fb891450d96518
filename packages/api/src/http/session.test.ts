// A server with a token (TUNELAB_TOKEN) on a real loopback port: bearer in any case, the one-time login link and
// the session cookie it sets, which the API and the live event stream (SSE) accept.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, type Workspace } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestWorkspace } from "../../../core/src/test-support/test-database.ts";
import { createServices } from "../services.ts";
import { type ListeningApi, listenApi } from "./listen.ts";

const TOKEN = "tl-9c1f0e-secret";
let home: string;
let ws: Workspace;
let server: ListeningApi;
let services: ReturnType<typeof createServices>;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "tunelab-session-"));
  ws = await openTestWorkspace(home);
  services = createServices({ ws, config: { providers: {} } });
  server = await listenApi({ services, port: 0, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await services?.close();
  if (ws) await closeWorkspace(ws);
  rmSync(home, { recursive: true, force: true });
});

const send = (path: string, init: RequestInit = {}) => fetch(server.url + path, { redirect: "manual", ...init });
const cookieOf = (response: Response) => response.headers.get("set-cookie")?.split(";")[0] ?? "";

/** Reads an SSE response until its first event and returns that event's name. */
async function firstEvent(response: Response): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return undefined;
  let text = "";
  try {
    while (!text.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  } finally {
    await reader.cancel();
  }
  return /^event: (\S+)/m.exec(text)?.[1];
}

describe("token", () => {
  it("is required on /api and /v1, and accepted as a bearer token in any case of the scheme", async () => {
    for (const path of ["/api/projects", "/v1/models", "/api/events"]) {
      const response = await send(path);
      expect(response.status, path).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER  ${TOKEN}`, `Bearer ${TOKEN} `]) {
      expect((await send("/api/projects", { headers: { authorization: header } })).status, header).toBe(200);
    }
    for (const header of [`Basic ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer${TOKEN}`, TOKEN, "Bearer "]) {
      expect((await send("/api/projects", { headers: { authorization: header } })).status, header).toBe(401);
    }
    // the web app's static files need no token (they hold no data)
    expect((await send("/")).status).not.toBe(401);
  });
});

describe("signing a browser in", () => {
  it("the one-time link sets an HttpOnly SameSite=Strict cookie that opens the API and the live stream; it works once", async () => {
    const link = new URL(server.loginUrl ?? "");
    expect(link.pathname).toBe("/login");
    const code = link.searchParams.get("token") ?? "";
    expect(code).not.toBe(TOKEN);

    const first = await send(`/login?token=${code}`);
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("/");
    const setCookie = first.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = cookieOf(first);
    expect(cookie).toMatch(new RegExp(`^tunelab_session_${server.port}=`));

    expect((await send("/api/projects", { headers: { cookie } })).status).toBe(200);
    expect((await send("/v1/models", { headers: { cookie } })).status).toBe(404); // past the token check: no engine here
    const stream = await send("/api/events", { headers: { cookie, accept: "text/event-stream" } });
    expect(stream.status).toBe(200);
    expect(await firstEvent(stream)).toBe("ready");
    // changes with the cookie: only from the app's own origin
    const create = (headers: Record<string, string>) =>
      send("/api/projects", {
        method: "POST",
        headers: { cookie, "content-type": "application/json", ...headers },
        body: JSON.stringify({ name: `p${Object.keys(headers).length}` }),
      });
    expect((await create({ origin: server.url })).status).toBe(201);
    expect((await create({ origin: "http://evil.example", "sec-fetch-site": "cross-site" })).status).toBe(403);

    const again = await send(`/login?token=${code}`);
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toBe("/login?error=invalid_link");
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  it("the token itself works as a link any number of times, and returns only to paths on this server", async () => {
    const cases: Array<[string, string]> = [
      ["/projects/x?sort=name", "/projects/x?sort=name"],
      ["//evil.example/", "/"],
      ["https://evil.example/", "/"],
    ];
    for (const [next, location] of cases) {
      const response = await send(`/login?token=${TOKEN}&next=${encodeURIComponent(next)}`);
      expect(response.status).toBe(302);
      expect(response.headers.get("location"), next).toBe(location);
      expect(cookieOf(response)).toMatch(/^tunelab_session_/);
    }
    expect((await send("/api/projects", { headers: { cookie: `tunelab_session_${server.port}=forged` } })).status).toBe(401);
  });

  it("never sends the browser to another origin from a next a browser would rewrite, and never fails on CR/LF", async () => {
    const cases: Array<[string, string]> = [
      // browsers drop tabs and newlines from URLs: each of these would become //evil.example
      ["/%09/evil.example", "/"],
      ["/%0a/evil.example", "/"],
      ["/%0d/evil.example", "/"],
      ["/%09%09/evil.example/path", "/"],
      ["%09//evil.example", "/"],
      ["/%5C%09evil.example", "/"],
      // dot segments that resolve to //evil.example
      ["/.//evil.example", "/"],
      ["/x/..//evil.example", "/"],
      ["/%20/evil.example", "/"],
      ["/%E2%80%A8/evil.example", "/"],
      ["/%7F/evil.example", "/"],
      // a header injection: CR/LF in the Location header (Headers.set threw, a 500 after the cookie was set)
      ["/%0d%0aSet-Cookie:%20x=1", "/"],
      ["/ok%0d%0aX-Injected:%201", "/"],
      // what the app's own links carry stays as it is; other characters leave percent-encoded
      ["/projects/ticket-router/experiments?sort=name", "/projects/ticket-router/experiments?sort=name"],
      ["/projects/%C3%A9t%C3%A9", "/projects/%C3%A9t%C3%A9"],
    ];
    for (const [next, location] of cases) {
      const response = await send(`/login?token=${TOKEN}&next=${next}`);
      expect(response.status, next).toBe(302);
      expect(response.headers.get("location"), next).toBe(location);
      expect(response.headers.get("x-injected"), next).toBeNull();
      expect(response.headers.getSetCookie(), next).toHaveLength(1);
      expect(cookieOf(response), next).toMatch(/^tunelab_session_/);
    }
  });

  it("the login page's POST /api/session checks the token; GET says the state; DELETE signs out", async () => {
    const state = async (cookie = "") =>
      (await (await send("/api/session", { headers: cookie ? { cookie } : {} })).json()) as Record<string, boolean>;
    expect(await state()).toEqual({ tokenRequired: true, authenticated: false });
    const post = (token: string, headers: Record<string, string> = {}) =>
      send("/api/session", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ token }),
      });
    const wrong = await post("nope");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect((await post(TOKEN, { origin: "http://evil.example" })).status).toBe(403);
    const right = await post(TOKEN, { origin: server.url });
    expect(right.status).toBe(204);
    const cookie = cookieOf(right);
    expect(await state(cookie)).toEqual({ tokenRequired: true, authenticated: true });
    const out = await send("/api/session", { method: "DELETE", headers: { cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
  });
});
