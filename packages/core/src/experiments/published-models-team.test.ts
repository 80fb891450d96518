// Deleting a published tuned model in team mode: two machines share one database and one blob directory. The first
// machine's worker trains experiments on its embedded engine (a loopback replica of OpenAI's job API, as in
// delete-experiment-team.test.ts) and publishes each tuned model to the shared blob store. Deleting a model
// (`DELETE /v1/models/ID` on either machine's engine; packages/api/test/delete-published-model.test.ts runs the real
// engine) unpublishes it: the second machine no longer fetches it, and the files nothing else uses leave the store.
// Then the races: a publish that runs while a model or an experiment is deleted never leaves a recorded manifest
// naming a removed file, nor publishes a model deleted meanwhile.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Blobs, DirectoryBlobs } from "@tunelab/storage";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeWorkspace, openWorkspace, type Workspace } from "../storage/workspace.ts";
import { type EngineFiles, engineFiles, modelFiles } from "../test-support/engine-files.ts";
import { type FakeAzure, startFakeAzure } from "../test-support/fake-azure-openai.ts";
import { machineServices } from "../test-support/machine-engine.ts";
import { providerTestWorkspace } from "../test-support/provider-workspace.ts";
import type { tempWorkspace } from "../test-support/temp-workspace.ts";
import { testPostgresServer } from "../test-support/test-database.ts";
import { createExperiment } from "./create-experiment.ts";
import { deleteExperiment } from "./delete-experiment.ts";
import type { Experiment } from "./experiment.schema.ts";
import { ExperimentRunner } from "./experiment-runner.ts";
import { fetchTunedModel, publishCheckpoint, publishTunedModel } from "./shared-tuned-models.ts";
import { unpublishTunedModel, withdrawnAmong } from "./unpublish-tuned-model.ts";

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

/**
 * The first machine's blob store (the shared directory), with `beforeAnswer` awaited each time it is asked whether it
 * has a blob, after it looked and before it answers: a deletion elsewhere then lands between the publisher's look and
 * what it does with the answer.
 */
function watchedBlobs(beforeAnswer: (hash: string) => Promise<void>): Blobs {
  const blobs = new DirectoryBlobs(ws.blobs.root);
  return new Proxy(blobs, {
    get(target, key) {
      if (key === "has")
        return async (hash: string) => {
          const answer = await target.has(hash);
          await beforeAnswer(hash);
          return answer;
        };
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

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

/** Whether a transaction of this PostgreSQL database waits for an advisory lock (the blob-store lock) now. */
async function waitsForAdvisoryLock(workspace: Workspace): Promise<boolean> {
  const { rows } = await sql<{ waiting: number }>`select count(*)::int as waiting from pg_locks
    where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`.execute(
    workspace.db,
  );
  return (rows[0]?.waiting ?? 0) > 0;
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
    // engines listing their models learn which are withdrawn in one question (a query per thousand ids)
    const unknown = Array.from({ length: 1500 }, (_, i) => `ft:${BASE}:never-trained-${i}`);
    expect(await withdrawnAmong(other.db, [two.tunedModel, ...unknown.slice(0, 1200), one.tunedModel, ...unknown.slice(1200)])).toEqual([
      one.tunedModel,
    ]);
    expect(await withdrawnAmong(other.db, [])).toEqual([]);
    // the other model is whole; deleting the first again finds nothing to unpublish
    expect(await fetchedBySecond("second-2", two.tunedModel)).toEqual(modelFiles(firstRoot, two.tunedModel));
    expect(await unpublishTunedModel(other, one.tunedModel)).toBe(false);
    // the first machine's worker, publishing it again (its engine still has it), does not publish it
    expect(await publishTunedModel(ws, first, one.tunedModel)).toBeUndefined();
    expect(await fetchedBySecond("second-9", one.tunedModel)).toBe(false);
    expect(await stored({ weights: `weights of ${one.tunedModel}` })).toEqual({ weights: false });
  }, 60_000);
});

describe("a publish while a deletion happens", () => {
  it("puts back a file a deletion removed after the publisher found it stored", async () => {
    const common = "a file two models have";
    const gone = await train({ files: (m) => ({ "weights.bin": `weights of ${m}`, "common.bin": common }) });
    let deleted = false;
    const kept = await train({
      files: (m) => ({ "weights.bin": `weights of ${m}`, "common.bin": common }),
      // the publisher finds the common file stored; the other machine deletes the model that had it before the
      // publisher records its manifest
      blobs: watchedBlobs(async (hash) => {
        if (hash !== sha256(common) || deleted) return;
        deleted = true;
        expect(await unpublishTunedModel(other, gone.tunedModel)).toBe(true);
      }),
    });
    expect(deleted).toBe(true);
    expect(await fetchedBySecond("second-3", gone.tunedModel)).toBe(false);
    expect(await fetchedBySecond("second-4", kept.tunedModel)).toEqual(modelFiles(firstRoot, kept.tunedModel));
  }, 60_000);

  // PostgreSQL only: there the deletion waits for the publisher's lock without blocking. On SQLite both are one write
  // transaction each, which the database runs one after the other; two in one process would block its one thread
  // (better-sqlite3 waits synchronously), while on separate machines or processes they simply take turns.
  it.skipIf(testPostgresServer() === undefined)(
    "keeps the files a model being recorded uses when another model that has them is deleted meanwhile",
    async () => {
      const common = "a file two other models have";
      const gone = await train({ files: (m) => ({ "weights.bin": `weights of ${m}`, "common.bin": common }) });
      let deleting: Promise<boolean> | undefined;
      const startDeleting = () => {
        deleting ??= unpublishTunedModel(other, gone.tunedModel);
        return deleting;
      };
      let lookups = 0;
      first.onLookup = (id) => {
        // the publisher's second look at its model is as it records it: the deletion starts then, and is not waited for
        if (id !== gone.tunedModel && id.startsWith("ft:") && ++lookups === 2) void startDeleting();
      };
      try {
        const kept = await train({
          files: (m) => ({ "weights.bin": `weights of ${m}`, "common.bin": common }),
          // once the publish returned (recorded, with a publisher that records), the deletion ends
          afterPublish: async () => {
            expect(await startDeleting()).toBe(true);
          },
        });
        expect(await fetchedBySecond("second-5", gone.tunedModel)).toBe(false);
        expect(await fetchedBySecond("second-6", kept.tunedModel)).toEqual(modelFiles(firstRoot, kept.tunedModel));
      } finally {
        delete first.onLookup;
      }
    },
    60_000,
  );

  // PostgreSQL only, as above. Without the lock, the deletion did not see the model the publisher had not committed yet
  // and recorded it withdrawn; the publisher then committed it published: other machines fetched and served it, while
  // every machine's listing dropped it.
  it.skipIf(testPostgresServer() === undefined)(
    "a model its engine deletes while the publisher records it ends withdrawn and unpublished, never both",
    async () => {
      let training: string | undefined;
      let deleting: Promise<boolean> | undefined;
      let looks = 0;
      const done = await train({
        files: (m) => {
          training = m;
          return { "weights.bin": `weights of ${m} (recorded)`, "tokenizer.json": "{}" };
        },
        // the publisher looks for each of its two files as it stores them, then again as it records them under the
        // lock: at that third look, DELETE /v1/models/ID on the first machine deletes the engine's copy and unpublishes
        // the model, and the publisher goes on once the deletion waits for its lock (or, without one, is done)
        blobs: watchedBlobs(async () => {
          if (++looks !== 3) return;
          const model = training as string;
          first.deleted(model);
          const started = unpublishTunedModel(other, model, { deletedHere: true });
          deleting = started;
          let settled = false;
          void started.finally(() => {
            settled = true;
          });
          while (!settled && !(await waitsForAdvisoryLock(ws))) await new Promise((r) => setTimeout(r, 10));
        }),
      });
      expect(looks).toBeGreaterThanOrEqual(3);
      const model = done.tunedModel;
      expect(await ws.db.selectFrom("published_models").select("model").where("model", "=", model).execute()).toEqual([]);
      expect(await withdrawnAmong(ws.db, [model])).toEqual([model]);
      // the deletion ran after the publish: it found the model published and removed it
      expect(await deleting).toBe(true);
      expect(await fetchedBySecond("second-10", model)).toBe(false);
      expect(await stored({ weights: `weights of ${model} (recorded)` })).toEqual({ weights: false });
    },
    60_000,
  );

  it("does not publish a model its engine deleted while it was being published; its files leave the store", async () => {
    let training: string | undefined;
    let deletedModel: string | undefined;
    const done = await train({
      files: (m) => {
        training = m;
        return { "a-weights.bin": `weights of ${m} (deleted)`, "tokenizer.json": "{}" };
      },
      // DELETE /v1/models/ID on the first machine while its worker publishes the model, once its own file was stored:
      // the engine deletes its copy, then unpublishes it (not published yet: it is recorded withdrawn)
      blobs: watchedBlobs(async (hash) => {
        if (deletedModel !== undefined || hash !== sha256("{}")) return;
        deletedModel = training as string;
        first.deleted(deletedModel);
        expect(await unpublishTunedModel(other, deletedModel, { deletedHere: true })).toBe(false);
      }),
    });
    expect(deletedModel).toBe(done.tunedModel);
    expect(await ws.db.selectFrom("published_models").select("model").where("model", "=", done.tunedModel).execute()).toEqual([]);
    expect(await fetchedBySecond("second-7", done.tunedModel)).toBe(false);
    expect(await stored({ weights: `weights of ${done.tunedModel} (deleted)`, tokenizer: "{}" })).toEqual({
      weights: false,
      tokenizer: true,
    });
  }, 60_000);

  it("does not record a checkpoint of an experiment deleted while it was being published; its files leave the store", async () => {
    const done = await train({ files: (m) => ({ "weights.bin": `weights of ${m}`, "tokenizer.json": "{}" }) });
    const checkpoint = `${done.tunedModel}:ckpt-step-9`;
    first.trained(checkpoint, BASE, { "weights.bin": `weights of ${done.tunedModel}`, "optimizer.bin": `moments of ${checkpoint}` });
    let deleted = false;
    const publisher = {
      ...ws,
      blobs: watchedBlobs(async () => {
        if (deleted) return;
        deleted = true;
        await deleteExperiment(other, done.id);
      }),
    };
    expect(await publishCheckpoint(publisher, first, { jobId: done.providerJobId as string, model: checkpoint })).toBeUndefined();
    expect(deleted).toBe(true);
    // the tuned model stays published, whole
    expect(await stored({ optimizer: `moments of ${checkpoint}`, weights: `weights of ${done.tunedModel}` })).toEqual({
      optimizer: false,
      weights: true,
    });
    expect(await fetchedBySecond("second-8", done.tunedModel)).toEqual(modelFiles(firstRoot, done.tunedModel));
  }, 60_000);
});
