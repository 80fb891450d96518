// A real tunelab server for the browser tests and the web bench: a temp workspace, the real engine, the real API
// (with the built web app at `/`) on a loopback port.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ApiServices, createServices, type ListeningApi, listenApi } from "@tunelab/api";
import { closeWorkspace, openWorkspace, type Workspace } from "@tunelab/core";
import { createEngine, type Engine } from "@tunelab/engine";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
export const PROJECT = "tickets";

export interface FixtureServer {
  url: string;
  home: string;
  ws: Workspace;
  services: ApiServices;
  /** With `token`: the one-time sign-in link `tunelab serve` would print. */
  loginUrl?: string;
  /** Calls the API; throws on a non-2xx answer. */
  // biome-ignore lint/suspicious/noExplicitAny: API JSON that tests assert on
  call: <T = any>(method: string, path: string, body?: unknown) => Promise<T>;
  close: () => Promise<void>;
}

/**
 * Starts the server as `tunelab serve` does (listenApi: Host allow-list, same-origin changes, JSON bodies, and the
 * token when given). With `home`, opens that workspace instead of a fresh temp one (kept on close).
 */
export async function startServer(options: { webDir: string; home?: string; engine?: boolean; token?: string }): Promise<FixtureServer> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), "tunelab-web-"));
  const ws = await openWorkspace(home);
  const engine: Engine | undefined =
    options.engine === false ? undefined : await createEngine({ root: join(home, "engine"), checkpointEvery: 50 });
  const services = createServices({
    ws,
    ...(engine ? { engine } : {}),
    config: { providers: {} },
    pollMs: 50,
    samplingParams: { temperature: 0, seed: 0, max_tokens: 24 },
  });
  const server: ListeningApi = await listenApi({
    services,
    host: "127.0.0.1",
    port: 0,
    webDir: options.webDir,
    ...(options.token ? { token: options.token } : {}),
  });
  const { url } = server;
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const call = async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method, headers: auth };
    if (typeof body === "string") {
      init.body = body;
      init.headers = { ...auth, "content-type": "application/x-ndjson" };
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { ...auth, "content-type": "application/json" };
    }
    const response = await fetch(url + path, init);
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url,
    home,
    ws,
    services,
    ...(server.loginUrl ? { loginUrl: server.loginUrl } : {}),
    call,
    close: async () => {
      await server.close(); // drops open SSE connections too
      await services.close();
      await engine?.close();
      await closeWorkspace(ws);
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

const read = (name: string) => readFileSync(join(EXAMPLES, name), "utf8");

/** The ticket-routing example: test split, train@1 and train@2, graders, a baseline and two trained experiments (~10 s). */
export async function seedTickets(server: FixtureServer): Promise<{ baseline: string; tuned: string[] }> {
  const { call } = server;
  await call("POST", "/api/projects", { name: PROJECT, description: "Route support tickets to a category and priority." });
  await call("PUT", `/api/projects/${PROJECT}/test-split`, read("test.jsonl"));
  await call("POST", `/api/projects/${PROJECT}/datasets/train/versions?message=first%20120%20tickets`, read("train-v1.jsonl"));
  await call("POST", `/api/projects/${PROJECT}/datasets/train/versions?message=more%20tickets`, read("train-v2.jsonl"));
  await call("PUT", `/api/projects/${PROJECT}/graders`, {
    graders: [
      { type: "json_match", name: "fields", fields: ["category", "priority"] },
      { type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" },
      {
        type: "text_similarity",
        name: "similarity",
        input: "{{sample.output_text}}",
        reference: "{{item.reference}}",
        evaluation_metric: "fuzzy_match",
        pass_threshold: 0.9,
      },
    ],
    primary_metric: "fields",
  });
  const create = async (body: Record<string, unknown>) =>
    (await call("POST", `/api/projects/${PROJECT}/experiments`, body)).experiment.id as string;
  const baseline = await create({ model: "local-tiny", method: "none", name: "baseline" });
  const tuned = [
    await create({ dataset: "train@1", model: "local-tiny", name: "v1-3ep", hyperparameters: { n_epochs: 3, batch_size: 8 } }),
    await create({ dataset: "train@2", model: "local-tiny", name: "v2-3ep", hyperparameters: { n_epochs: 3, batch_size: 8 } }),
  ];
  for (const id of [baseline, ...tuned]) await waitFinished(server, id);
  return { baseline, tuned };
}

export async function waitFinished(server: FixtureServer, id: string, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const experiment = await server.call("GET", `/api/experiments/${id}`);
    if (["completed", "failed", "cancelled"].includes(experiment.status)) {
      if (experiment.status !== "completed") throw new Error(`experiment ${id} ${experiment.status}: ${experiment.error}`);
      return experiment.status;
    }
    if (Date.now() > deadline) throw new Error(`experiment ${id} still ${experiment.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
