// Two machines share one database and one blob directory, each with its own embedded engine (as `tunelab worker` on one
// machine and `tunelab serve --no-worker` on another): the first trains an experiment, publishing the tuned model's
// files to the blob store; the second's engine, asked for that model, fetches and adopts it, and answers as the first.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  adoptPublished,
  closeWorkspace,
  getExperiment,
  openBlobs,
  openWorkspace,
  publishTunedModel,
  readEnv,
  readTunedModelManifest,
  type Workspace,
} from "@tunelab/core";
import { asLocalEngine, createEngine, type Engine } from "@tunelab/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseLocation } from "../../../packages/core/src/test-support/test-database.ts";
import { type ApiServices, createApiApp, createServices } from "../src/index.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const read = (name: string) => readFileSync(`${EXAMPLES}${name}`, "utf8");
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const ndjson = { "content-type": "application/x-ndjson" };

interface Machine {
  ws: Workspace;
  engine: Engine;
  services: ApiServices;
  app: ReturnType<typeof createApiApp>;
}

let dir: string;
let experimentId: string;
let first: Machine;
let second: Machine;

async function machine(name: string, database: string | undefined, checkpointEvery = 1000): Promise<Machine> {
  const home = join(dir, name);
  const opened = await openWorkspace(home, database ?? (await testDatabaseLocation(home)));
  await opened.blobs.close();
  const ws = { ...opened, blobs: openBlobs(home, readEnv({ TUNELAB_BLOB_DIR: join(dir, "shared-blobs") })) };
  const engine = await createEngine({ root: join(home, "engine"), checkpointEvery });
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
  // the first machine checkpoints every 5 steps (its runtime publishes each one)
  first = await machine("first", undefined, 5);
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
    experimentId = id;
    let experiment: { status: string; tunedModel: string | null; error: string | null };
    for (;;) {
      experiment = (await call(first, "GET", `/api/experiments/${id}`)).json;
      if (["completed", "failed", "cancelled"].includes(experiment.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(experiment.status, experiment.error ?? "").toBe("completed");
    const model = experiment.tunedModel as string;
    expect(model).toMatch(/^ft:local-tiny:/);

    // its checkpoints (steps 5, 10, 15) were published one after the other; only the latest stays in the store
    const firstLocal = asLocalEngine(first.engine);
    const blobOf = async (checkpoint: string, file: string) =>
      sha256(readFileSync(join((await firstLocal.tunedModelDir(`${model}:ckpt-step-${checkpoint}`)) as string, file)));
    const stored = async () => ({
      latest: (await first.ws.db.selectFrom("experiments").select("checkpoint_blob").where("id", "=", id).executeTakeFirstOrThrow())
        .checkpoint_blob,
      step5: await first.ws.blobs.has(await blobOf("5", "optimizer.bin")),
      step10: await first.ws.blobs.has(await blobOf("10", "weights.bin")),
      step15: await first.ws.blobs.has(await blobOf("15", "optimizer.bin")),
      tokenizer: await first.ws.blobs.has(await blobOf("15", "tokenizer.json")),
    });
    const expected = { step5: false, step10: false, step15: true, tokenizer: true };
    // publishing runs beside training and the eval: wait until it has caught up (or 30 s)
    let now = await stored();
    for (let waited = 0; waited < 30_000; waited += 50) {
      if (Object.entries(expected).every(([key, value]) => now[key as keyof typeof expected] === value)) break;
      await new Promise((r) => setTimeout(r, 50));
      now = await stored();
    }
    expect(now).toMatchObject(expected);
    expect((await readTunedModelManifest(first.ws, now.latest as string)).model).toBe(`${model}:ckpt-step-15`);

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

  it("a job on another engine continues a published checkpoint and ends with the uninterrupted job's weights", async () => {
    const experiment = await getExperiment(first.ws.db, experimentId);
    const model = experiment.tunedModel as string;
    // the runtime published every checkpoint as the engine made it; the experiment records the latest
    const latest = await first.ws.db
      .selectFrom("experiments")
      .select("checkpoint_blob")
      .where("id", "=", experimentId)
      .executeTakeFirstOrThrow();
    expect(latest.checkpoint_blob).toMatch(/^[0-9a-f]{64}$/);

    const fromFirst = async (path: string) => (await first.engine.app.request(path)).json() as Promise<Record<string, unknown>>;
    const job = await fromFirst(`/v1/fine_tuning/jobs/${experiment.providerJobId}`);
    const training = await (await first.engine.app.request(`/v1/files/${job.training_file}/content`)).text();
    const checkpoint = `${model}:ckpt-step-10`;
    const manifest = (await publishTunedModel(first.ws, asLocalEngine(first.engine), checkpoint)) as string;
    expect(await adoptPublished(second.ws, asLocalEngine(second.engine), manifest)).toBe(checkpoint);

    const form = new FormData();
    form.append("purpose", "fine-tune");
    form.append("file", new Blob([training]), "train.jsonl");
    const file = (await (await second.engine.app.request("/v1/files", { method: "POST", body: form })).json()) as { id: string };
    const post = (body: unknown) =>
      second.engine.app.request("/v1/fine_tuning/jobs", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const hp = job.hyperparameters as { n_epochs: number; batch_size: number; learning_rate_multiplier: number };
    const request = {
      model: "local-tiny",
      training_file: file.id,
      seed: job.seed,
      hyperparameters: { n_epochs: hp.n_epochs, batch_size: hp.batch_size, learning_rate_multiplier: hp.learning_rate_multiplier },
    };
    // what cannot be resumed is refused at creation
    const unknown = await post({ ...request, resume_from: `${model}:ckpt-step-7` });
    expect(unknown.status).toBe(404);
    const notCheckpoint = await post({ ...request, resume_from: model });
    expect(notCheckpoint.status).toBe(400);
    expect(await notCheckpoint.json()).toMatchObject({ error: { param: "resume_from", code: "invalid_checkpoint" } });

    const resumed = await post({ ...request, resume_from: checkpoint });
    expect(resumed.status, await resumed.clone().text()).toBe(200);
    const resumedId = ((await resumed.json()) as { id: string }).id;
    let status = "";
    let tuned = "";
    for (;;) {
      const now = (await (await second.engine.app.request(`/v1/fine_tuning/jobs/${resumedId}`)).json()) as {
        status: string;
        fine_tuned_model: string | null;
      };
      status = now.status;
      tuned = now.fine_tuned_model ?? "";
      if (["succeeded", "failed", "cancelled"].includes(status)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe("succeeded");
    const events = (await (await second.engine.app.request(`/v1/fine_tuning/jobs/${resumedId}/events?limit=100`)).json()) as {
      data: Array<{ message: string; type: string; data?: { step?: number } }>;
    };
    expect(events.data.some((e) => e.message.includes(`from the checkpoint ${checkpoint} (step 10)`))).toBe(true);
    // only the steps after the checkpoint were trained here
    const steps = events.data
      .flatMap((e) => (e.type === "metrics" && e.data?.step !== undefined ? [e.data.step] : []))
      .sort((x, y) => x - y);
    expect(steps).toEqual([11, 12, 13, 14, 15]);
    // steps 11-15 trained here continue exactly where the first engine was: the same final weights, bit for bit
    const mine = (await asLocalEngine(first.engine).tunedModelDir(model)) as string;
    const theirs = (await asLocalEngine(second.engine).tunedModelDir(tuned)) as string;
    expect(readFileSync(join(theirs, "weights.bin")).equals(readFileSync(join(mine, "weights.bin")))).toBe(true);
  }, 120_000);

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
