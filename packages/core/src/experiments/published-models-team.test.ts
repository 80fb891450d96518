// Deleting a published tuned model in team mode: two machines share one database and one blob directory. The first
// machine's worker trains experiments on its embedded engine (a loopback replica of OpenAI's job API, as in
// delete-experiment-team.test.ts) and publishes each tuned model to the shared blob store. Deleting a model
// (`DELETE /v1/models/ID` on either machine's engine; packages/api/test/delete-published-model.test.ts runs the real
// engine) unpublishes it: the second machine no longer fetches it, and the files nothing else uses leave the store.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Blobs, DirectoryBlobs } from "@tunelab/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeWorkspace, openWorkspace, type Workspace } from "../storage/workspace.ts";
import { type EngineFiles, engineFiles, modelFiles } from "../test-support/engine-files.ts";
import { type FakeAzure, startFakeAzure } from "../test-support/fake-azure-openai.ts";
import { machineServices } from "../test-support/machine-engine.ts";
import { providerTestWorkspace } from "../test-support/provider-workspace.ts";
import type { tempWorkspace } from "../test-support/temp-workspace.ts";
import { createExperiment } from "./create-experiment.ts";
import type { Experiment } from "./experiment.schema.ts";
import { ExperimentRunner } from "./experiment-runner.ts";
import { fetchTunedModel, publishCheckpoint, publishTunedModel } from "./shared-tuned-models.ts";
import { unpublishTunedModel } from "./unpublish-tuned-model.ts";

const BASE = "gpt-4.1-nano-2025-04-14";
let dir: string;
let replica: FakeAzure;
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
/** The second machine: its own workspace on the same database and the same blob directory. */
let other: Workspace;
let first: EngineFiles;
let firstRoot: string;
let seed = 200;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-published-team-"));
  replica = await startFakeAzure({ flavour: "openai", apiKey: "sk-test", models: [BASE], deployments: {}, answer: () => "Yes" });
  ({ ws } = await providerTestWorkspace({ providers: {} }));
  const opened = await openWorkspace(join(dir, "second"), ws.database);
  await opened.blobs.close();
  other = { ...opened, blobs: new DirectoryBlobs(ws.blobs.root) };
  firstRoot = join(dir, "first-engine");
  first = engineFiles(firstRoot);
}, 60_000);
afterAll(async () => {
  if (other) await closeWorkspace(other);
  await replica?.close();
  await ws?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

interface Publishing {
  /** The tuned model's files, as the first machine's engine wrote them. */
  files: (model: string) => Record<string, string>;
  /** The blob store the publish uses (default: the first machine's). */
  blobs?: Blobs;
  /** Run once the publish returned, before the worker records the tuned model on its experiment. */
  afterPublish?: (model: string) => Promise<void>;
}

/** Trains an experiment on the first machine, whose worker publishes the tuned model as the runtime does. */
async function train(publishing: Publishing): Promise<Experiment & { tunedModel: string }> {
  const { experiment } = await createExperiment(ws, { project: "p", provider: "local", dataset: "train@1", model: BASE, seed: seed++ });
  const publisher: Workspace = publishing.blobs ? { ...ws, blobs: publishing.blobs } : ws;
  const runner = new ExperimentRunner(
    ws,
    {
      ...machineServices(ws, replica),
      publishTunedModel: async (model) => {
        first.trained(model, BASE, publishing.files(model));
        const hash = await publishTunedModel(publisher, first, model);
        await publishing.afterPublish?.(model);
        return hash;
      },
    },
    1,
    1,
  );
  try {
    const done: Experiment = await runner.run(experiment.id);
    expect(done.status, done.error ?? "").toBe("completed");
    return done as Experiment & { tunedModel: string };
  } finally {
    await runner.close();
  }
}

/** Whether the second machine's engine (a fresh one, `name`) can fetch `model`, and what it got. */
async function fetchedBySecond(name: string, model: string): Promise<Record<string, string> | false> {
  const root = join(dir, name);
  if (!(await fetchTunedModel(other, engineFiles(root), model))) return false;
  return modelFiles(root, model);
}

const stored = async (texts: Record<string, string>) =>
  Object.fromEntries(await Promise.all(Object.entries(texts).map(async ([name, text]) => [name, await ws.blobs.has(sha256(text))])));

describe("deleting a published tuned model", () => {
  it("unpublishes it: the other machine no longer fetches it; its own files leave the store, files still used stay", async () => {
    const one = await train({
      files: (m) => ({ "weights.bin": `weights of ${m}`, "tokenizer.json": "{}", "base.bin": "a file a checkpoint has too" }),
    });
    const two = await train({ files: (m) => ({ "weights.bin": `weights of ${m}`, "tokenizer.json": "{}" }) });
    // the second experiment's latest checkpoint shares a file with the first model
    first.trained(`${two.tunedModel}:ckpt-step-1`, BASE, { "base.bin": "a file a checkpoint has too", "optimizer.bin": "moments" });
    expect(await publishCheckpoint(ws, first, { jobId: two.providerJobId as string, model: `${two.tunedModel}:ckpt-step-1` })).toMatch(
      /^[0-9a-f]{64}$/,
    );
    const manifest = (
      await ws.db.selectFrom("published_models").select("manifest_blob").where("model", "=", one.tunedModel).executeTakeFirstOrThrow()
    ).manifest_blob;

    // deleted through the second machine, which never had it
    expect(await unpublishTunedModel(other, one.tunedModel)).toBe(true);

    expect(await fetchedBySecond("second-1", one.tunedModel)).toBe(false);
    expect(await ws.db.selectFrom("published_models").select("model").where("model", "=", one.tunedModel).execute()).toEqual([]);
    expect({
      manifest: await ws.blobs.has(manifest),
      ...(await stored({ weights: `weights of ${one.tunedModel}`, tokenizer: "{}", base: "a file a checkpoint has too" })),
    }).toEqual({
      manifest: false,
      weights: false,
      tokenizer: true,
      base: true,
    });
    // the other model is whole; deleting the first again finds nothing to unpublish
    expect(await fetchedBySecond("second-2", two.tunedModel)).toEqual(modelFiles(firstRoot, two.tunedModel));
    expect(await unpublishTunedModel(other, one.tunedModel)).toBe(false);
  }, 60_000);
});
