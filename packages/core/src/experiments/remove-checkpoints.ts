import { isTunelabError } from "@tunelab/base";
import type { DB } from "../storage/database.ts";
import type { Workspace } from "../storage/workspace.ts";
import { inBlobStoreLock } from "./blob-store-lock.ts";
import { readTunedModelManifest, type TunedModelManifest } from "./tuned-model-manifest.ts";

/**
 * Removes manifests nothing records any more from the blob store: the published checkpoints of deleted experiments
 * (only useful to take that experiment over), a deleted tuned model's, a checkpoint a newer one replaced. Each manifest
 * that no experiment and no published model still records goes, with the files it names that nothing else uses: a
 * manifest still recorded (another experiment's checkpoint, a published tuned model, such as the one the final
 * checkpoint shares its weights with), a dataset version or a dataset image. Run after the deletion committed; it takes
 * the blob-store lock (blob-store-lock.ts), so no publisher records a file while it is being removed. Returns the
 * blobs removed.
 */
export async function removeUnrecordedManifests(ws: Workspace, manifests: readonly string[]): Promise<string[]> {
  if (manifests.length === 0) return [];
  return inBlobStoreLock(ws.db, (trx) => removeUnrecordedIn(ws, trx, manifests));
}

/** removeUnrecordedManifests in the caller's transaction, which holds the blob-store lock. */
export async function removeUnrecordedIn(ws: Workspace, trx: DB, manifests: readonly string[]): Promise<string[]> {
  const recorded = new Set<string>();
  for (const row of await trx.selectFrom("experiments").select("checkpoint_blob").where("checkpoint_blob", "is not", null).execute())
    if (row.checkpoint_blob !== null) recorded.add(row.checkpoint_blob);
  for (const row of await trx.selectFrom("published_models").select("manifest_blob").execute()) recorded.add(row.manifest_blob);
  const unrecorded = [...new Set(manifests)].filter((hash) => !recorded.has(hash));
  if (unrecorded.length === 0) return [];

  // every file a manifest still recorded names stays (one missing or not a manifest names none; any other failure to
  // read one, such as a bucket out of reach, removes nothing)
  const used = new Set<string>();
  for (const hash of recorded) for (const file of (await manifestOf(ws, hash))?.files ?? []) used.add(file.sha256);
  const removed = new Set<string>();
  for (const hash of unrecorded) {
    const files = [...new Set(((await manifestOf(ws, hash))?.files ?? []).map((f) => f.sha256))].filter(
      (file) => !used.has(file) && !recorded.has(file) && !removed.has(file),
    );
    const byDatasets = new Set(await usedByDatasets(trx, files));
    for (const file of files.filter((f) => !byDatasets.has(f))) {
      await ws.blobs.remove(file);
      removed.add(file);
    }
    await ws.blobs.remove(hash);
    removed.add(hash);
  }
  return [...removed];
}

/** The blobs of `hashes` that a dataset version's content or a dataset image is. */
async function usedByDatasets(trx: DB, hashes: readonly string[]): Promise<string[]> {
  if (hashes.length === 0) return [];
  const versions = await trx.selectFrom("dataset_versions").select("content_hash").where("content_hash", "in", hashes).execute();
  const images = await trx.selectFrom("dataset_images").select("content_hash").where("content_hash", "in", hashes).execute();
  return [...versions, ...images].map((row) => row.content_hash);
}

/** The manifest blob `hash`; undefined when it is missing or not a tuned model's manifest. */
async function manifestOf(ws: Workspace, hash: string): Promise<TunedModelManifest | undefined> {
  try {
    return await readTunedModelManifest(ws, hash);
  } catch (error) {
    if (isTunelabError(error) && (error.code === "not_found" || error.code === "invalid_argument")) return undefined;
    throw error;
  }
}
