// The browser guards of `tunelab serve` on a real loopback server (listenApi, the real engine at /v1): what a web
// page the user visits may not do (cross-origin changes, simple-request bodies, DNS rebinding), and what the CLI,
// SDKs and the web app itself still do.
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, type Workspace } from "@tunelab/core";
import { createEngine, type Engine } from "@tunelab/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestWorkspace } from "../../../core/src/test-support/test-database.ts";
import { createServices } from "../services.ts";
import { type ListeningApi, listenApi } from "./listen.ts";

let home: string;
let ws: Workspace;
let engine: Engine;
let server: ListeningApi;
let services: ReturnType<typeof createServices>;

const JSONL = `${JSON.stringify({
  messages: [
    { role: "user", content: "hi" },
    { role: "assistant", content: "hello" },
  ],
})}\n`;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "tunelab-guards-"));
  ws = await openTestWorkspace(home);
  engine = await createEngine({ root: join(home, "engine"), runJobs: false });
  services = createServices({ ws, engine, config: { providers: {} } });
  server = await listenApi({ services, host: "127.0.0.1", port: 0, allowedHosts: ["tunelab.example.test"] });
});

afterAll(async () => {
  await server?.close();
  await services?.close();
  await engine?.close();
  if (ws) await closeWorkspace(ws);
  rmSync(home, { recursive: true, force: true });
});

const send = (path: string, init: RequestInit = {}) => fetch(server.url + path, init);
const code = async (response: Response) => ((await response.json()) as { error?: { code?: string } }).error?.code;

/** node:http, because fetch does not let a caller set `Host` (a browser under DNS rebinding sends the attacker's). */
function withHost(path: string, host: string, method = "GET"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(server.url + path, { method, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("cross-origin requests from a browser page", () => {
  const evil = { origin: "http://evil.example", "sec-fetch-site": "cross-site" };

  it("a text/plain POST of a dataset from another origin is refused and writes nothing", async () => {
    await send("/api/projects", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "guarded" }),
    });
    const refused = await send("/api/projects/guarded/datasets/train/versions", {
      method: "POST",
      headers: { ...evil, "content-type": "text/plain" },
      body: JSONL,
    });
    expect(refused.status).toBe(403);
    expect(await code(refused)).toBe("cross_origin_refused");
    const datasets = (await (await send("/api/projects/guarded/datasets")).json()) as { data: unknown[] };
    expect(datasets.data).toEqual([]);
  });

  it("text/plain to /v1/fine_tuning/jobs and /v1/chat/completions, multipart to /v1/files: refused in OpenAI's error shape", async () => {
    const form = new FormData();
    form.append("purpose", "fine-tune");
    form.append("file", new Blob([JSONL]), "train.jsonl");
    const cases: Array<[string, RequestInit]> = [
      [
        "/v1/fine_tuning/jobs",
        { method: "POST", headers: { ...evil, "content-type": "text/plain" }, body: '{"model":"local-tiny","training_file":"file-x"}' },
      ],
      [
        "/v1/chat/completions",
        { method: "POST", headers: { ...evil, "content-type": "text/plain" }, body: '{"model":"local-tiny","messages":[]}' },
      ],
      ["/v1/files", { method: "POST", headers: evil, body: form }],
      ["/v1/models/ft:local-tiny:x", { method: "DELETE", headers: evil }],
    ];
    for (const [path, init] of cases) {
      const response = await send(path, init);
      expect(response.status, path).toBe(403);
      const body = (await response.json()) as { error: { code: string; type: string; message: string } };
      expect(body.error).toMatchObject({ code: "cross_origin_refused", type: "invalid_request_error" });
    }
    const files = (await (await send("/v1/files")).json()) as { data: unknown[] };
    expect(files.data).toEqual([]);
  });

  it("refuses Origin: null, and Sec-Fetch-Site cross-site or same-site (another port of localhost) without Origin", async () => {
    const json = { "content-type": "application/json" };
    const body = JSON.stringify({ name: "nope" });
    for (const headers of [
      { origin: "null" },
      { origin: `http://127.0.0.1:${server.port + 1}` },
      { origin: `http://localhost:${server.port}.evil.example` },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ]) {
      const response = await send("/api/projects", { method: "POST", headers: { ...json, ...headers }, body });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await code(response)).toBe("cross_origin_refused");
    }
  });

  it("same-origin requests (the web app), configured names and header-less clients (CLI, SDKs, curl) pass", async () => {
    const json = { "content-type": "application/json" };
    const cases: Array<[string, Record<string, string>]> = [
      ["web-app", { origin: server.url, "sec-fetch-site": "same-origin" }],
      ["typed-url", { "sec-fetch-site": "none" }],
      ["proxied", { origin: "https://tunelab.example.test" }],
      ["cli", {}],
    ];
    for (const [name, headers] of cases) {
      const response = await send("/api/projects", { method: "POST", headers: { ...json, ...headers }, body: JSON.stringify({ name }) });
      expect(response.status, name).toBe(201);
    }
    // reads are not changes: a GET with a foreign Origin is answered (no CORS headers, so the page cannot read it)
    expect((await send("/api/projects", { headers: { origin: "http://evil.example" } })).status).toBe(200);
    expect(
      (await send("/api/projects", { headers: { origin: "http://evil.example" } })).headers.get("access-control-allow-origin"),
    ).toBeNull();
  });
});

describe("JSON-only bodies", () => {
  it("/api and /v1 refuse text/plain and form bodies with 415 even without Origin; the right types pass", async () => {
    const cases: Array<[string, string, string]> = [
      ["/api/projects", "text/plain", JSON.stringify({ name: "plain" })],
      ["/api/projects", "application/x-www-form-urlencoded", "name=form"],
      ["/api/projects/guarded/datasets/train/versions", "text/plain", JSONL],
      ["/v1/chat/completions", "text/plain", '{"model":"local-tiny","messages":[{"role":"user","content":"hi"}]}'],
      ["/v1/fine_tuning/jobs", "application/x-www-form-urlencoded", "model=local-tiny"],
      ["/v1/files", "application/json", "{}"],
    ];
    for (const [path, type, body] of cases) {
      const response = await send(path, { method: "POST", headers: { "content-type": type }, body });
      expect(response.status, `${path} ${type}`).toBe(415);
      expect(await code(response)).toBe("unsupported_media_type");
    }
    const jsonl = await send("/api/projects/guarded/datasets/train/versions", {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: JSONL,
    });
    expect(jsonl.status).toBe(201);
    const form = new FormData();
    form.append("purpose", "fine-tune");
    form.append("file", new Blob([JSONL]), "train.jsonl");
    const upload = await send("/v1/files", { method: "POST", body: form });
    expect(upload.status).toBe(200);
    // a POST without a body needs no type (the SDK's cancel): it reaches the engine, which answers 404 for this id
    const cancel = await send("/v1/fine_tuning/jobs/ftjob-nope/cancel", { method: "POST" });
    expect(cancel.status).toBe(404);
  });
});

describe("Host allow-list (DNS rebinding)", () => {
  it("serves the bound address and loopback names on its port, and configured names", async () => {
    for (const host of [
      `127.0.0.1:${server.port}`,
      `localhost:${server.port}`,
      `[::1]:${server.port}`,
      "tunelab.example.test",
      "TUNELAB.example.test:443",
    ]) {
      expect((await withHost("/api/projects", host)).status, host).toBe(200);
    }
  });

  it("refuses any other Host on every route, reads included", async () => {
    for (const host of [
      `evil.example:${server.port}`,
      "evil.example",
      `localhost:${server.port + 1}`,
      `127.0.0.1.evil.example:${server.port}`,
      `10.0.0.8:${server.port}`,
    ]) {
      for (const path of ["/api/projects", "/v1/models", "/", "/api/events"]) {
        const response = await withHost(path, host);
        expect(response.status, `${host} ${path}`).toBe(403);
        expect(JSON.parse(response.body).error.code).toBe("host_not_allowed");
      }
    }
  });
});
