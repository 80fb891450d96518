// Deleting an experiment in team mode: two machines share one database and one blob directory. The first machine's
// worker trains an experiment on its embedded engine (here a loopback replica of OpenAI's job API, as in
// local-takeover.test.ts) and publishes the tuned model's files to the shared blob store. Once the experiment is
// deleted, the second machine still finds and fetches that tuned model (the deletion leaves the tuned model with its
// provider), while the experiment's training checkpoint, only useful to take that experiment over, leaves the store.
// The engine's file side (LocalEngine's tunedModelDir, catalog.parentOf, adoptTunedModel) is a directory per model:
// @tunelab/engine itself is not a dependency of core (packages/api/test/shared-tuned-models.test.ts runs the real one).
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalEngine } from "@tunelab/contracts";
import { DirectoryBlobs } from "@tunelab/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeWorkspace, openWorkspace, type Workspace } from "../storage/workspace.ts";
import { type FakeAzure, startFakeAzure } from "../test-support/fake-azure-openai.ts";
import { machineServices } from "../test-support/machine-engine.ts";
import { providerTestWorkspace } from "../test-support/provider-workspace.ts";
import type { tempWorkspace } from "../test-support/temp-workspace.ts";
import { createExperiment } from "./create-experiment.ts";
import { deleteExperiment } from "./delete-experiment.ts";
import { updateExperiment } from "./experiment.repository.ts";
import type { Experiment } from "./experiment.schema.ts";
import { ExperimentRunner } from "./experiment-runner.ts";
import { fetchTunedModel, publishCheckpoint, publishTunedModel, storeTunedModel } from "./shared-tuned-models.ts";
import { readTunedModelManifest } from "./tuned-model-manifest.ts";

const BASE = "gpt-4.1-nano-2025-04-14";
let dir: string;
let replica: FakeAzure;
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
/** The second machine: its own workspace on the same database and the same blob directory. */
let other: Workspace;

/** A machine's engine, as far as tuned models' files go: one directory per model under `root`. */
function engineFiles(root: string): LocalEngine & { parents: Map<string, string> } {
  const dirOf = (id: string) => join(root, encodeURIComponent(id));
  const parents = new Map<string, string>();
  const files = {
    parents,
    tunedModelDir: async (id: string) => (existsSync(dirOf(id)) ? dirOf(id) : undefined),
    catalog: { parentOf: async (id: string) => parents.get(id) },
    adoptTunedModel: async (model: { id: string; baseModel: string; dir: string }) => {
      cpSync(model.dir, dirOf(model.id), { recursive: true });
      parents.set(model.id, model.baseModel);
    },
  };
  return files as unknown as LocalEngine & { parents: Map<string, string> };
}

/** What the first machine's engine wrote for a model: its files, by relative path. */
function trained(engine: LocalEngine & { parents: Map<string, string> }, root: string, id: string, files: Record<string, string>) {
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, encodeURIComponent(id), path);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, content);
  }
  engine.parents.set(id, BASE);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const filesOf = (root: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(root, { recursive: true, withFileTypes: true }).flatMap((e) =>
      e.isFile() ? [[e.name, readFileSync(join(e.parentPath, e.name), "utf8")]] : [],
    ),
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-delete-team-"));
  replica = await startFakeAzure({ flavour: "openai", apiKey: "sk-test", models: [BASE], deployments: {}, answer: () => "Yes" });
  ({ ws } = await providerTestWorkspace({ providers: {} }));
  const opened = await openWorkspace(join(dir, "second"), ws.database);
  await opened.blobs.close();
  other = { ...opened, blobs: new DirectoryBlobs(ws.blobs.root) };
}, 60_000);
afterAll(async () => {
  if (other) await closeWorkspace(other);
  await replica?.close();
  await ws?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Trains an experiment on the first machine, whose worker publishes the tuned model as the runtime does. */
async function trainOnFirstMachine(seed: number, engine: LocalEngine & { parents: Map<string, string> }, root: string) {
  const { experiment } = await createExperiment(ws, { project: "p", provider: "local", dataset: "train@1", model: BASE, seed });
  const runner = new ExperimentRunner(
    ws,
    {
      ...machineServices(ws, replica),
      publishTunedModel: async (model) => {
        trained(engine, root, model, { "weights.bin": `weights of ${model}`, "tokenizer.json": "{}" });
        return publishTunedModel(ws, engine, model);
      },
    },
    1,
    1,
  );
  try {
    const done: Experiment = await runner.run(experiment.id);
    expect(done.status, done.error ?? "").toBe("completed");
    return done;
  } finally {
    await runner.close();
  }
}

describe("deleting an experiment whose tuned model a worker published to the shared blob store", () => {
  it("leaves the tuned model fetchable by another machine", async () => {
    const root = join(dir, "first-engine-1");
    const first = engineFiles(root);
    const done = await trainOnFirstMachine(101, first, root);
    const model = done.tunedModel as string;

    expect(await deleteExperiment(ws, done.id)).toEqual({ id: done.id, deleted: true, tunedModel: model });

    const second = engineFiles(join(dir, "second-engine-1"));
    expect(await fetchTunedModel(other, second, model)).toBe(true);
    expect(filesOf(join(dir, "second-engine-1", encodeURIComponent(model)))).toEqual(filesOf(join(root, encodeURIComponent(model))));
    expect(await second.catalog.parentOf(model)).toBe(BASE);
  }, 60_000);

  it("removes its published checkpoint's own blobs; those the tuned model or another experiment's checkpoint uses stay", async () => {
    const root = join(dir, "first-engine-2");
    const first = engineFiles(root);
    const done = await trainOnFirstMachine(102, first, root);
    const model = done.tunedModel as string;
    // its last checkpoint, published as the runtime does while training: the final weights (the tuned model's too),
    // optimizer moments of its own, and a file another experiment's checkpoint has as well
    const shared = "a file two checkpoints have";
    trained(first, root, `${model}:ckpt-step-2`, {
      "weights.bin": `weights of ${model}`,
      "tokenizer.json": "{}",
      "optimizer.bin": `moments of ${model}`,
      "state.json": shared,
    });
    const checkpoint = (await publishCheckpoint(ws, first, {
      jobId: done.providerJobId as string,
      model: `${model}:ckpt-step-2`,
    })) as string;
    expect((await readTunedModelManifest(ws, checkpoint)).files).toHaveLength(4);
    const { experiment: kept } = await createExperiment(ws, {
      project: "p",
      provider: "local",
      dataset: "train@1",
      model: BASE,
      seed: 103,
    });
    trained(first, root, "ft:kept:ckpt-step-1", { "state.json": shared, "optimizer.bin": "moments of the kept one" });
    const keptCheckpoint = (await storeTunedModel(ws, first, "ft:kept:ckpt-step-1")) as string;
    await updateExperiment(ws.db, kept.id, { checkpoint_blob: keptCheckpoint });

    await deleteExperiment(ws, done.id);

    const stored = async (hash: string) => ws.blobs.has(hash);
    expect({
      checkpoint: await stored(checkpoint),
      optimizer: await stored(sha256(`moments of ${model}`)),
      weights: await stored(sha256(`weights of ${model}`)),
      tokenizer: await stored(sha256("{}")),
      shared: await stored(sha256(shared)),
      keptCheckpoint: await stored(keptCheckpoint),
      keptOptimizer: await stored(sha256("moments of the kept one")),
    }).toEqual({
      checkpoint: false,
      optimizer: false,
      weights: true,
      tokenizer: true,
      shared: true,
      keptCheckpoint: true,
      keptOptimizer: true,
    });
    // the tuned model is whole for the other machine
    const second = engineFiles(join(dir, "second-engine-2"));
    expect(await fetchTunedModel(other, second, model)).toBe(true);
    expect(filesOf(join(dir, "second-engine-2", encodeURIComponent(model)))).toEqual(filesOf(join(root, encodeURIComponent(model))));
  }, 60_000);
});
