import { TunelabError } from "@tunelab/base";
import type { DatasetFormat, ValidationReport } from "@tunelab/formats";
import { writeFirst } from "@tunelab/storage";
import { appendEvents } from "../events/event.repository.ts";
import { ensureProject, findProjectByName } from "../projects/project.repository.ts";
import type { DB } from "../storage/database.ts";
import type { Workspace } from "../storage/workspace.ts";
import { findDataset, findVersionByHash, insertDataset, insertVersion } from "./dataset.repository.ts";
import type { DatasetRole, DatasetVersion } from "./dataset.schema.ts";
import { insertVersionImages } from "./images/dataset-image.repository.ts";
import type { StoredImage } from "./images/fetch-images.ts";
import { commitContent, discardContent, type VersionContent } from "./version-writer.ts";

export interface StoreVersionInput {
  project: string;
  dataset: string;
  role: DatasetRole;
  format: DatasetFormat;
  /** The canonical JSONL, written by a VersionWriter: moved into the blob store here, or removed. */
  content: VersionContent;
  report: ValidationReport;
  message: string;
  source: string;
  /** Who creates the version (recorded on it). */
  createdBy?: string | undefined;
  /** Its http(s) images, fetched and stored as blobs (recorded with the version). */
  images?: readonly StoredImage[] | undefined;
}

const STORE_VERSION_LOCK = 0x76657273; // "vers"

export interface StoredVersion {
  version: DatasetVersion;
  /** False when identical content was already a version of this dataset. */
  created: boolean;
  projectCreated: boolean;
}

/** Writes a validated version: blob first, then one transaction for project, dataset, version and example index. */
export async function storeVersion(ws: Workspace, input: StoreVersionInput): Promise<StoredVersion> {
  const { content } = input;
  let blob: { hash: string; created: boolean } | undefined;
  try {
    const existing = await findExisting(ws.db, input, content.contentHash);
    if (existing) return { version: existing, created: false, projectCreated: false };
    blob = await commitContent(ws.blobs, content);
    // one version stored at a time across processes (PostgreSQL; SQLite has one writer): the next number, a new
    // project or dataset, and identical content are decided without a race
    return await ws.db.transaction().execute(async (trx): Promise<StoredVersion> => {
      await writeFirst(trx, "datasets", STORE_VERSION_LOCK);
      const stored = await findExisting(trx, input, content.contentHash);
      if (stored) return { version: stored, created: false, projectCreated: false };
      const { project, created: projectCreated } = await ensureProject(trx, input.project);
      const dataset =
        (await findDataset(trx, project.id, input.dataset)) ?? (await insertDataset(trx, project.id, input.dataset, input.role));
      if (dataset.role !== input.role) {
        throw new TunelabError(
          "conflict",
          `"${input.dataset}" is a ${dataset.role} dataset in project ${input.project}, not ${input.role}`,
        );
      }
      const version = await insertVersion(trx, {
        datasetId: dataset.id,
        contentHash: content.contentHash,
        format: input.format,
        byteSize: content.byteSize,
        message: input.message,
        source: input.source,
        stats: input.report.stats,
        report: input.report,
        examples: content.examples,
        createdBy: input.createdBy,
      });
      await insertVersionImages(trx, version.id, input.images ?? []);
      // in the same transaction: every process that stores a version tells open pages, and only if it was stored
      const { ref, exampleCount } = version;
      await appendEvents(trx, [
        { type: "dataset-version", project: input.project, dataset: input.dataset, ref, versionId: version.id, exampleCount },
      ]);
      return { version, created: true, projectCreated };
    });
  } catch (error) {
    // the error that stopped the version is the one reported, not a failure to tidy up after it
    if (blob?.created) await ws.blobs.remove(blob.hash).catch(() => undefined);
    throw error;
  } finally {
    if (!blob) discardContent(content);
  }
}

async function findExisting(db: DB, input: StoreVersionInput, contentHash: string): Promise<DatasetVersion | undefined> {
  const project = await findProjectByName(db, input.project);
  if (!project) return undefined;
  const dataset = await findDataset(db, project.id, input.dataset);
  return dataset && (await findVersionByHash(db, dataset.id, contentHash));
}
