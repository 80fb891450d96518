import { randomUUID } from "node:crypto";
import { copyFileSync, linkSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { sha256File, TunelabError } from "@tunelab/base";
import type { LocalEngine } from "@tunelab/contracts";
import { nowIso } from "../shared/time.ts";
import type { DB } from "../storage/database.ts";
import type { Workspace } from "../storage/workspace.ts";
import { inBlobStoreLock } from "./blob-store-lock.ts";
import { checkpointBlobOfJob, publishedTunedModel, recordCheckpointBlob } from "./experiment.repository.ts";
import { removeUnrecordedIn } from "./remove-checkpoints.ts";
import { readTunedModelManifest, type TunedModelManifest } from "./tuned-model-manifest.ts";
import { isWithdrawn } from "./unpublish-tuned-model.ts";

/**
 * Tuned models in the workspace's blob store, so every machine of a team can use what one worker trained: when the
 * embedded engine finishes a job, the worker publishes the model's files (content-addressed, each once) and a manifest
 * naming them, recorded in `published_models`; an engine that is asked for a tuned model it does not have (chat
 * completions on `serve`, the eval of an experiment another worker trained, an export) fetches the files and adopts the
 * model under the same id. Files are hard-linked between the engine and the blob directory when they share a file
 * system (no second copy on one machine), else copied.
 */

/** Every file under `dir`, as sorted `/`-separated relative paths. */
function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return filesUnder(join(dir, entry.name), path);
      return entry.isFile() ? [path] : [];
    })
    .sort();
}

/** A hard link to `from` at `to` (same file system), else a copy. */
function linkOrCopy(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/**
 * Publishes a tuned model of the embedded engine to the blob store (each file, then the manifest) and records it in
 * `published_models`, so every machine sharing the store can fetch it. Recorded under the blob-store lock
 * (blob-store-lock.ts) once its files are all stored (any a concurrent deletion removed meanwhile is put back), unless
 * it was deleted meanwhile (`DELETE /v1/models/ID` on any machine records it withdrawn: unpublish-tuned-model.ts): it
 * is then not published, and its files nothing else uses leave the store. Returns the manifest's
 * hash, or undefined when the engine does not have the model.
 */
export async function publishTunedModel(ws: Workspace, local: LocalEngine, model: string): Promise<string | undefined> {
  const stored = await storeFiles(ws, local, model);
  if (!stored) return undefined;
  return recordStored(ws, stored, async (trx) => {
    // deleted on another machine's engine meanwhile: it stays unpublished
    if (await isWithdrawn(trx, model)) return false;
    await trx
      .insertInto("published_models")
      .values({ model, manifest_blob: stored.hash, created_at: nowIso() })
      .onConflict((oc) => oc.column("model").doUpdateSet({ manifest_blob: stored.hash }))
      .execute();
    return true;
  });
}

/**
 * Stores a tuned model's (or checkpoint's) files and manifest in the blob store without recording them anywhere: the
 * manifest's hash, or undefined when the engine does not have the model. Until something records the manifest, a
 * deletion may remove its files (publishTunedModel and publishCheckpoint record it).
 */
export async function storeTunedModel(ws: Workspace, local: LocalEngine, model: string): Promise<string | undefined> {
  return (await storeFiles(ws, local, model))?.hash;
}

interface Stored {
  hash: string;
  manifest: TunedModelManifest;
  /** The model's directory in the engine, the files' source. */
  dir: string;
}

/** storeTunedModel, with the manifest it stored. */
async function storeFiles(ws: Workspace, local: LocalEngine, model: string): Promise<Stored | undefined> {
  const dir = await local.tunedModelDir(model);
  const baseModel = await local.catalog.parentOf(model);
  if (!dir || !baseModel) return undefined;
  const files: TunedModelManifest["files"] = [];
  try {
    for (const path of filesUnder(dir)) {
      const source = join(dir, ...path.split("/"));
      let bytes = 0;
      const sha256 = await sha256File(source, (n) => {
        bytes += n;
      });
      if (!(await ws.blobs.has(sha256))) await putFile(ws, source, sha256);
      files.push({ path, sha256, bytes });
    }
  } catch (error) {
    // deleted from the engine while its files were read (DELETE /v1/models/ID): there is nothing to publish (what was
    // stored already stays until a deletion finds it unused)
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && (await local.tunedModelDir(model)) !== dir) return undefined;
    throw error;
  }
  const manifest: TunedModelManifest = { kind: "tunelab.tuned-model", version: 1, model, baseModel, files };
  return { hash: (await ws.blobs.put(JSON.stringify(manifest))).hash, manifest, dir };
}

/** Puts the file `source` (whose sha256 is `sha256`) in the blob store. */
async function putFile(ws: Workspace, source: string, sha256: string): Promise<void> {
  const incoming = join(ws.blobs.root, `.incoming-${randomUUID()}`);
  linkOrCopy(source, incoming);
  await ws.blobs.putFile(incoming, sha256);
}

/**
 * Records stored files (with `record`, in a transaction holding the blob-store lock), after putting back any file a
 * concurrent deletion removed since they were stored. When `record` finds nothing to record them on (false: the model
 * was deleted meanwhile, the checkpoint's experiment too), the manifest and the files nothing else uses are removed
 * instead, and the answer is undefined.
 */
async function recordStored(ws: Workspace, stored: Stored, record: (trx: DB) => Promise<boolean>) {
  return inBlobStoreLock(ws.db, async (trx): Promise<string | undefined> => {
    // (the engine is not asked again here: its lookups may read this database, which the lock holds on SQLite)
    if (!(await record(trx))) {
      await removeUnrecordedIn(ws, trx, [stored.hash]);
      return undefined;
    }
    for (const file of stored.manifest.files)
      if (!(await ws.blobs.has(file.sha256))) await putFile(ws, join(stored.dir, ...file.path.split("/")), file.sha256);
    if (!(await ws.blobs.has(stored.hash))) await ws.blobs.put(JSON.stringify(stored.manifest));
    return stored.hash;
  });
}

/**
 * Fetches a tuned model published by another machine into the embedded engine. False when no experiment published a
 * model of that id (the engine then answers model_not_found as before).
 */
export async function fetchTunedModel(ws: Workspace, local: LocalEngine, model: string): Promise<boolean> {
  const hash = await publishedTunedModel(ws.db, model);
  if (!hash) return false;
  await adoptPublished(ws, local, hash, model);
  return true;
}

/** Brings the model (or checkpoint) a manifest describes into the embedded engine; returns its id. */
export async function adoptPublished(ws: Workspace, local: LocalEngine, hash: string, expected?: string): Promise<string> {
  const manifest = await readTunedModelManifest(ws, hash);
  const model = manifest.model;
  if (expected !== undefined && model !== expected)
    throw new TunelabError("conflict", `the manifest ${hash} describes ${model}, not ${expected}`);
  const dir = join(ws.blobs.root, `.model-${randomUUID()}`);
  try {
    for (const file of manifest.files) linkOrCopy(await ws.blobs.localPath(file.sha256), join(dir, ...file.path.split("/")));
    mkdirSync(dir, { recursive: true });
    await local.adoptTunedModel({ id: model, baseModel: manifest.baseModel, dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return model;
}

/**
 * True when other machines can read this workspace's blobs: a bucket, or a blob directory set apart from the tunelab
 * home (TUNELAB_BLOB_DIR, e.g. a network mount). Only then are tuned models and checkpoints published: with the
 * blobs in the home, no other machine could fetch them.
 */
export function blobsAreShared(ws: Workspace): boolean {
  return ws.blobs.location.startsWith("s3://") || resolve(ws.blobs.root) !== resolve(join(ws.home, "blobs"));
}

/**
 * Publishes a checkpoint the embedded engine just recorded (weights, optimizer moments, training state) and records it
 * on the experiment training with that job: a worker on another machine that takes the experiment over continues from
 * it (run-experiment.ts). Only the latest is kept: the previous checkpoint's files that the new one does not share are
 * removed from the blob store (they belong to this job's trajectory alone). Returns the manifest's hash.
 */
export async function publishCheckpoint(
  ws: Workspace,
  local: LocalEngine,
  checkpoint: { jobId: string; model: string },
): Promise<string | undefined> {
  const stored = await storeFiles(ws, local, checkpoint.model);
  if (!stored) return undefined;
  return recordStored(ws, stored, async (trx) => {
    const previous = await checkpointBlobOfJob(trx, checkpoint.jobId);
    // no experiment trains with that job any more (deleted meanwhile): nothing to take over
    if (!(await recordCheckpointBlob(trx, checkpoint.jobId, stored.hash))) return false;
    if (previous && previous !== stored.hash) await removeUnrecordedIn(ws, trx, [previous]);
    return true;
  });
}

/** The engine's source of missing tuned models: the blob store, one fetch at a time per model. */
export function sharedTunedModelSource(ws: Workspace, local: LocalEngine): (id: string) => Promise<boolean> {
  const inFlight = new Map<string, Promise<boolean>>();
  return (id) => {
    let fetching = inFlight.get(id);
    if (!fetching) {
      fetching = fetchTunedModel(ws, local, id).finally(() => inFlight.delete(id));
      inFlight.set(id, fetching);
    }
    return fetching;
  };
}
