import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, type Workspace } from "@tunelab/core";
import { createEngine, type Engine } from "@tunelab/engine";
import { openTestWorkspace } from "../../../packages/core/src/test-support/test-database.ts";
import { type ApiServices, createApiApp, createServices } from "../src/index.ts";

/** A real workspace, the real engine and the real API app, in a temp directory. */
export async function apiHarness(options: { samplingParams?: Record<string, unknown>; allowCodeGraders?: boolean } = {}) {
  const home = mkdtempSync(join(tmpdir(), "tunelab-api-"));
  const ws: Workspace = await openTestWorkspace(home);
  const engine: Engine = await createEngine({ root: join(home, "engine"), checkpointEvery: 50 });
  const services: ApiServices = createServices({
    ws,
    engine,
    config: { providers: {} },
    pollMs: 50,
    samplingParams: options.samplingParams ?? { temperature: 0, seed: 0, max_tokens: 24 },
  });
  const app = createApiApp({ services, ...(options.allowCodeGraders ? { allowCodeGraders: true } : {}) });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = {
      method,
      headers: { ...(typeof body === "string" ? {} : { "content-type": "application/json" }), ...headers },
    };
    if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
    const response = await app.request(path, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returned
    return { status: response.status, json: json as any };
  };
  return {
    home,
    ws,
    engine,
    services,
    app,
    call,
    dispose: async () => {
      await services.close();
      await engine.close();
      await closeWorkspace(ws);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
