// Two machines share one database and one blob directory, each with its own embedded engine (as `tunelab worker` on one
// machine and `tunelab serve --no-worker` on another): the first trains an experiment, publishing the tuned model's
// files to the blob store; the second's engine, asked for that model, fetches and adopts it, and answers as the first.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, openBlobs, openWorkspace, readEnv, type Workspace } from "@tunelab/core";
import { asLocalEngine, createEngine, type Engine } from "@tunelab/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseLocation } from "../../../packages/core/src/test-support/test-database.ts";
import { type ApiServices, createApiApp, createServices } from "../src/index.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const read = (name: string) => readFileSync(`${EXAMPLES}${name}`, "utf8");
const ndjson = { "content-type": "application/x-ndjson" };

interface Machine {
  ws: Workspace;
  engine: Engine;
  services: ApiServices;
  app: ReturnType<typeof createApiApp>;
}

let dir: string;
let first: Machine;
let second: Machine;

async function machine(name: string, database: string | undefined): Promise<Machine> {
  const home = join(dir, name);
  const opened = await openWorkspace(home, database ?? (await testDatabaseLocation(home)));
  await opened.blobs.close();
  const ws = { ...opened, blobs: openBlobs(home, readEnv({ TUNELAB_BLOB_DIR: join(dir, "shared-blobs") })) };
  const engine = await createEngine({ root: join(home, "engine"), checkpointEvery: 1000 });
  const services = createServices({
    ws,
    engine,
    config: { providers: {} },
    pollMs: 50,
    samplingParams: { temperature: 0, seed: 0, max_tokens: 24 },
  });
  return { ws, engine, services, app: createApiApp({ services }) };
}

async function call(m: Machine, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = {
    method,
    headers: { ...(typeof body === "string" ? {} : { "content-type": "application/json" }), ...headers },
  };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const response = await m.app.request(path, init);
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returned
  return { status: response.status, json: (await response.json()) as any };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-shared-models-"));
  first = await machine("first", undefined);
  second = await machine("second", first.ws.database);
}, 60_000);
afterAll(async () => {
  for (const m of [first, second]) {
    if (!m) continue;
    await m.services.close();
    await m.engine.close();
    await closeWorkspace(m.ws);
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under `root`, as sorted relative paths. */
const filesOf = (root: string, prefix = ""): string[] =>
  readdirSync(join(root, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesOf(root, join(prefix, e.name)) : e.isFile() ? [join(prefix, e.name)] : []))
    .sort();

describe("tuned models in the shared blob store", () => {
  it("a model trained on one machine is served by another machine's engine, with the same weights and answers", async () => {
    expect((await call(first, "POST", "/api/projects", { name: "tickets" })).status).toBe(201);
    expect((await call(first, "PUT", "/api/projects/tickets/test-split", read("test.jsonl"), ndjson)).status).toBe(201);
    expect((await call(first, "POST", "/api/projects/tickets/datasets/train/versions", read("train-v1.jsonl"), ndjson)).status).toBe(201);
    const graders = { graders: [{ type: "json_match", name: "fields", fields: ["category", "priority"] }], primary_metric: "fields" };
    expect((await call(first, "PUT", "/api/projects/tickets/graders", graders)).status).toBe(201);
    const created = await call(first, "POST", "/api/projects/tickets/experiments", {
      dataset: "train@1",
      model: "local-tiny",
      hyperparameters: { n_epochs: 1, batch_size: 8 },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id: string = created.json.experiment.id;
    let experiment: { status: string; tunedModel: string | null; error: string | null };
    for (;;) {
      experiment = (await call(first, "GET", `/api/experiments/${id}`)).json;
      if (["completed", "failed", "cancelled"].includes(experiment.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(experiment.status, experiment.error ?? "").toBe("completed");
    const model = experiment.tunedModel as string;
    expect(model).toMatch(/^ft:local-tiny:/);

    // the second machine's engine never trained it: it fetches the published files on first use
    const local = asLocalEngine(second.engine);
    expect(await second.engine.store.db.selectFrom("models").select("id").execute()).toEqual([]);
    // two requests at once: one fetch, one adoption
    const retrieved = await Promise.all([1, 2].map(() => second.engine.app.request(`/v1/models/${encodeURIComponent(model)}`)));
    for (const r of retrieved) {
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ id: model, object: "model" });
    }
    const mine = (await asLocalEngine(first.engine).tunedModelDir(model)) as string;
    const theirs = (await local.tunedModelDir(model)) as string;
    expect(theirs).not.toBe(mine);
    expect(filesOf(theirs)).toEqual(filesOf(mine));
    for (const file of filesOf(mine)) expect(readFileSync(join(theirs, file)).equals(readFileSync(join(mine, file))), file).toBe(true);
    expect(await local.catalog.parentOf(model)).toBe("local-tiny");

    const ask = async (m: Machine) => {
      const response = await m.engine.app.request("/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "My invoice is wrong" }], temperature: 0, max_tokens: 16 }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;
    };
    expect(await ask(second)).toBe(await ask(first));
    // adopted once: later requests use the engine's own copy
    expect(await second.engine.store.db.selectFrom("models").select(["id", "job_id"]).execute()).toEqual([{ id: model, job_id: null }]);
  }, 240_000);

  it("a tuned model nobody published is model_not_found, as before", async () => {
    const response = await second.engine.app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "ft:local-tiny:tunelab::deadbeef", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "model_not_found" } });
  });
});
