// Deleting a tuned model in team mode, through the real engine's REST surface with the official `openai` SDK: three
// machines share one database and one blob directory, each with its own embedded engine mounted at /v1 (as `tunelab
// serve`). The first trains an experiment and publishes the tuned model; `DELETE /v1/models/ID` on a machine deletes
// its copy and unpublishes it, so every machine asked for it afterwards answers OpenAI's 404 model_not_found: those
// that never had it, and those with a copy of their own (the one that trained it, one that fetched it), which drop it.
// The model's files leave the shared store. A machine with a copy of its own no longer lists it either, as soon as it
// is deleted, before anything asks it for the model (its listing drops the copy); nor does one that fetched it while it
// was being deleted serve the copy it adopted.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, openBlobs, openWorkspace, readEnv, readTunedModelManifest, type Workspace } from "@tunelab/core";
import { createEngine, type Engine } from "@tunelab/engine";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseLocation } from "../../../packages/core/src/test-support/test-database.ts";
import { type ApiServices, createApiApp, createServices } from "../src/index.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const read = (name: string) => readFileSync(`${EXAMPLES}${name}`, "utf8");
const ndjson = { "content-type": "application/x-ndjson" };

/** Run before a machine's blob store answers: a fetch asking where a file is (to copy it), a deletion removing one. */
interface BlobHooks {
  beforeLocalPath?: (hash: string) => Promise<void>;
  beforeRemove?: (hash: string) => Promise<void>;
}

interface Machine {
  ws: Workspace;
  /** Set by a test to interleave this machine's blob store with another machine's work. */
  hooks: BlobHooks;
  engine: Engine;
  services: ApiServices;
  app: ReturnType<typeof createApiApp>;
  /** The official SDK against this machine's /v1 (its engine, mounted by the API app). */
  client: OpenAI;
}

let dir: string;
let first: Machine;
let second: Machine;
let third: Machine;

async function machine(name: string, database: string | undefined): Promise<Machine> {
  const home = join(dir, name);
  const opened = await openWorkspace(home, database ?? (await testDatabaseLocation(home)));
  await opened.blobs.close();
  const hooks: BlobHooks = {};
  const shared = openBlobs(home, readEnv({ TUNELAB_BLOB_DIR: join(dir, "shared-blobs") }));
  const blobs = new Proxy(shared, {
    get(target, key) {
      if (key === "localPath")
        return async (hash: string) => {
          await hooks.beforeLocalPath?.(hash);
          return target.localPath(hash);
        };
      if (key === "remove")
        return async (hash: string) => {
          await hooks.beforeRemove?.(hash);
          return target.remove(hash);
        };
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const ws = { ...opened, blobs };
  const engine = await createEngine({ root: join(home, "engine"), checkpointEvery: 1000 });
  const services = createServices({
    ws,
    engine,
    config: { providers: {} },
    pollMs: 50,
    samplingParams: { temperature: 0, seed: 0, max_tokens: 8 },
  });
  const app = createApiApp({ services });
  const client = new OpenAI({
    apiKey: "local",
    baseURL: "http://localhost/v1",
    maxRetries: 0,
    fetch: async (input, init) => app.fetch(new Request(input, init)),
  });
  return { ws, hooks, engine, services, app, client };
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

/** The SDK error a request ends with (fails the test when it succeeds). */
async function refusal(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error("expected the request to be refused; it succeeded");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-delete-published-"));
  first = await machine("first", undefined);
  second = await machine("second", first.ws.database);
  third = await machine("third", first.ws.database);
}, 60_000);
afterAll(async () => {
  for (const m of [first, second, third]) {
    if (!m) continue;
    await m.services.close();
    await m.engine.close();
    await closeWorkspace(m.ws);
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Creates a project on the first machine: its test split, training data and graders. */
async function projectOnFirst(project: string): Promise<void> {
  expect((await call(first, "POST", "/api/projects", { name: project })).status).toBe(201);
  expect((await call(first, "PUT", `/api/projects/${project}/test-split`, read("test.jsonl"), ndjson)).status).toBe(201);
  expect((await call(first, "POST", `/api/projects/${project}/datasets/train/versions`, read("train-v1.jsonl"), ndjson)).status).toBe(201);
  const graders = { graders: [{ type: "json_match", name: "fields", fields: ["category", "priority"] }], primary_metric: "fields" };
  expect((await call(first, "PUT", `/api/projects/${project}/graders`, graders)).status).toBe(201);
}

/** Trains an experiment of the project on the first machine (its runtime publishes the tuned model); the tuned model's id. */
async function trainOnFirst(project: string, seed = 0): Promise<{ id: string; model: string }> {
  const created = await call(first, "POST", `/api/projects/${project}/experiments`, {
    dataset: "train@1",
    model: "local-tiny",
    hyperparameters: { n_epochs: 1, batch_size: 8 },
    seed,
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
  return { id, model: experiment.tunedModel as string };
}

describe("DELETE /v1/models/ID of a published tuned model", () => {
  it("unpublishes it: another machine asked for it afterwards answers model_not_found, and its files leave the store", async () => {
    await projectOnFirst("tickets");
    const { id, model } = await trainOnFirst("tickets");
    // its experiment is deleted first: the tuned model stays published (and its training checkpoint goes)
    expect((await call(first, "DELETE", `/api/experiments/${id}`)).json).toEqual({ id, deleted: true, tunedModel: model });
    const published = await first.ws.db
      .selectFrom("published_models")
      .select("manifest_blob")
      .where("model", "=", model)
      .executeTakeFirstOrThrow();
    const files = (await readTunedModelManifest(first.ws, published.manifest_blob)).files.map((f) => f.sha256);
    expect(files.length).toBeGreaterThan(0);

    // the second and third machines fetch it (each then has a copy of its own)
    for (const m of [second, third]) expect(await m.client.models.retrieve(model)).toMatchObject({ id: model, object: "model" });
    expect(await third.engine.store.db.selectFrom("models").select("id").execute()).toEqual([{ id: model }]);

    // deleted through the second machine
    expect(await second.client.models.delete(model)).toEqual({ id: model, object: "model", deleted: true });

    // every machine asked for it afterwards answers model_not_found and no longer has a copy
    for (const m of [first, second, third]) {
      const retrieved = await refusal(m.client.models.retrieve(model));
      expect({ status: retrieved.status, code: retrieved.code, param: retrieved.param }).toEqual({
        status: 404,
        code: "model_not_found",
        param: "model",
      });
      const chat = await refusal(m.client.chat.completions.create({ model, messages: [{ role: "user", content: "My invoice is wrong" }] }));
      expect({ status: chat.status, code: chat.code }).toEqual({ status: 404, code: "model_not_found" });
      expect(await m.engine.store.db.selectFrom("models").select("id").where("id", "=", model).execute()).toEqual([]);
      const again = await refusal(m.client.models.delete(model));
      expect({ status: again.status, code: again.code }).toEqual({ status: 404, code: "model_not_found" });
    }
    // the model's manifest and files (nothing else uses them) left the shared store
    expect(await first.ws.db.selectFrom("published_models").select("model").execute()).toEqual([]);
    const stored = await Promise.all([published.manifest_blob, ...files].map((hash) => second.ws.blobs.has(hash)));
    expect(stored).toEqual([published.manifest_blob, ...files].map(() => false));
  }, 240_000);
});

/** The ids `GET /v1/models` lists on a machine (through the SDK's paging). */
async function listed(m: Machine): Promise<string[]> {
  const ids: string[] = [];
  for await (const model of m.client.models.list()) ids.push(model.id);
  return ids;
}

/** The engine's own copy of a model on a machine: its row's directory, or undefined when it has none. */
async function copyOf(m: Machine, model: string): Promise<string | undefined> {
  return (await m.engine.store.db.selectFrom("models").select("dir").where("id", "=", model).executeTakeFirst())?.dir;
}

describe("a machine with a copy of a tuned model deleted on another machine", () => {
  it("no longer lists it, before anything asks it for the model: listing drops the copy; other tuned models stay", async () => {
    await projectOnFirst("listed");
    const { model: kept } = await trainOnFirst("listed", 1);
    const { model: gone } = await trainOnFirst("listed", 2);
    // the third machine fetches both (a copy of its own of each); the first trained them
    for (const model of [kept, gone]) expect(await third.client.models.retrieve(model)).toMatchObject({ id: model, object: "model" });
    const copies = { first: await copyOf(first, gone), third: await copyOf(third, gone) };
    expect(copies.first !== undefined && existsSync(copies.first) && copies.third !== undefined && existsSync(copies.third)).toBe(true);
    for (const m of [first, third]) expect(await listed(m)).toEqual(expect.arrayContaining([kept, gone]));

    // deleted through the second machine, which never had it
    expect(await second.client.models.delete(gone)).toEqual({ id: gone, object: "model", deleted: true });

    // the first thing each machine is asked afterwards is its list of models: the deleted model is not in it, the other
    // tuned model still is wherever there is a copy, and so are the base models
    const lists = { first: await listed(first), second: await listed(second), third: await listed(third) };
    for (const ids of Object.values(lists)) {
      expect(ids).not.toContain(gone);
      expect(ids).toContain("local-tiny");
    }
    expect([lists.first.includes(kept), lists.second.includes(kept), lists.third.includes(kept)]).toEqual([true, false, true]);
    // listing dropped the stale copies (row and files) of the machines that had one
    expect({ first: await copyOf(first, gone), third: await copyOf(third, gone) }).toEqual({ first: undefined, third: undefined });
    expect([existsSync(copies.first as string), existsSync(copies.third as string)]).toEqual([false, false]);
    // and retrieving it is model_not_found everywhere, while the other model is still retrieved
    for (const m of [first, second, third]) {
      const retrieved = await refusal(m.client.models.retrieve(gone));
      expect({ status: retrieved.status, code: retrieved.code }).toEqual({ status: 404, code: "model_not_found" });
      expect(await m.client.models.retrieve(kept)).toMatchObject({ id: kept, object: "model" });
    }
  }, 240_000);

  it("a copy adopted by a fetch that read the record just before the deletion is not served: retrieving it drops it", async () => {
    await projectOnFirst("raced");
    const { model } = await trainOnFirst("raced");
    // the third machine, asked for the model, finds it published and starts copying its files; then the second machine
    // deletes it: the deletion's record commits, and it removes the files only once the third machine's request ended
    let deleting: Promise<unknown> | undefined;
    let removing: (() => void) | undefined;
    const removingStarted = new Promise<void>((resolve) => {
      removing = resolve;
    });
    let answered: (() => void) | undefined;
    const thirdAnswered = new Promise<void>((resolve) => {
      answered = resolve;
    });
    third.hooks.beforeLocalPath = async () => {
      if (deleting) return;
      deleting = second.client.models.delete(model);
      await removingStarted;
    };
    second.hooks.beforeRemove = async () => {
      removing?.();
      await thirdAnswered;
    };
    try {
      const retrieving = refusal(third.client.models.retrieve(model)).finally(() => answered?.());
      const retrieved = await retrieving;
      expect({ status: retrieved.status, code: retrieved.code }).toEqual({ status: 404, code: "model_not_found" });
      expect(await deleting).toEqual({ id: model, object: "model", deleted: true });
    } finally {
      delete third.hooks.beforeLocalPath;
      delete second.hooks.beforeRemove;
      answered?.();
    }
    // the copy it adopted is gone: not listed, not kept
    expect(await copyOf(third, model)).toBeUndefined();
    expect(await listed(third)).not.toContain(model);
  }, 240_000);
});
