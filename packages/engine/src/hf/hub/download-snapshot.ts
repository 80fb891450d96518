/**
 * A model snapshot from the Hugging Face Hub into the standard hub cache (see cache-layout.ts).
 * Order of work: a complete cached snapshot of the revision is returned without any request; else
 * the revision's commit is resolved, the root listing chosen from (model-files.ts), every blob
 * downloaded, resumed and verified (fetch-blob.ts), and only when all of them are in place are the
 * snapshot links and `refs/<revision>` written. A failed download leaves verified blobs (reused
 * next time) and partial files (resumed next time), but no snapshot entry and no ref.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { withBlobLock } from "./blob-lock.ts";
import {
  blobPath,
  cachedCommit,
  incompletePath,
  linkSnapshotFile,
  lockPath,
  markNoExist,
  type RepoCache,
  repoCache,
  snapshotDir,
  writeRef,
} from "./cache-layout.ts";
import { isCompleteSnapshot } from "./cached-snapshot.ts";
import { downloadBlob } from "./fetch-blob.ts";
import { type HubConnection, listRootFiles, resolveCommit } from "./hub-api.ts";
import { planModelFiles, type RemoteFile, shardFiles } from "./model-files.ts";
import { formatHubRef, HUB_REF_PREFIX, type HubRef, parseHubRef } from "./ref.ts";
import { HubSettings, type HubSettingsInput, hubCacheDir } from "./settings.ts";

/** One progress report: the file being downloaded and the whole snapshot, in bytes. */
export interface DownloadProgress {
  /** Repo path of the file, e.g. `model-00001-of-00002.safetensors`. */
  file: string;
  /** Bytes of this file on disk (a resumed file starts at its partial size). */
  bytes: number;
  totalBytes: number;
  /** Bytes of all the snapshot's files on disk, cached ones included. */
  overallBytes: number;
  overallTotal: number;
}

export interface DownloadSnapshotOptions extends HubSettingsInput {
  /** Called often (every chunk received); throttle rendering in the caller. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Cancels the download; partial files stay and are resumed by the next call. */
  signal?: AbortSignal;
  /** Further attempts per file after a network failure, 408, 429 or 5xx (each resumes); default 5. */
  retries?: number;
  /** First wait between attempts, doubled each time; default 1000 ms. */
  retryDelayMs?: number;
}

export async function downloadSnapshot(reference: HubRef | string, options: DownloadSnapshotOptions): Promise<string> {
  const ref =
    typeof reference === "string" ? parseHubRef(reference) : parseHubRef(`${HUB_REF_PREFIX}${reference.repo}@${reference.revision}`);
  const settings = parse(HubSettings, options, "Hub settings");
  const knobs = parse(DownloadKnobs, options, "download options");
  const cache = repoCache(hubCacheDir(settings), ref.repo);
  const where = formatHubRef(ref);

  const cached = await cachedCommit(cache, ref.revision);
  if (cached !== undefined && (await isCompleteSnapshot(cache, cached))) return snapshotDir(cache, cached);
  if (settings.offline) {
    throw new TunelabError(
      "not_found",
      `${where} is not complete in the hub cache at ${cache.dir}, and offline mode (HF_HUB_OFFLINE) forbids downloading it`,
      { details: { cache: cache.dir } },
    );
  }

  const connection: HubConnection = {
    endpoint: settings.endpoint,
    token: settings.token,
    signal: options.signal,
    errors: { where, repo: ref.repo, endpoint: settings.endpoint, hasToken: settings.token !== undefined },
  };
  const commit = await resolveCommit(connection, ref.repo, ref.revision);
  if (await isCompleteSnapshot(cache, commit)) {
    await writeRef(cache, ref.revision, commit);
    return snapshotDir(cache, commit);
  }
  connection.errors.where = `${where} (commit ${commit.slice(0, 7)})`;

  const entries = await listRootFiles(connection, ref.repo, commit);
  const plan = planModelFiles(entries, connection.errors.where);
  const files = [...plan.files];
  const blobs = { connection, cache, repo: ref.repo, commit, ...knobs };
  if (plan.index) {
    await ensureBlob(blobs, plan.index, () => {});
    files.push(...shardFiles(await readFile(blobPath(cache, plan.index.etag), "utf8"), entries, connection.errors.where));
  }

  const overallTotal = files.reduce((sum, file) => sum + file.size, 0);
  let done = 0;
  for (const file of files) {
    const report = (bytes: number): void =>
      options.onProgress?.({ file: file.path, bytes, totalBytes: file.size, overallBytes: done + bytes, overallTotal });
    await ensureBlob(blobs, file, report);
    report(file.size);
    done += file.size;
  }

  for (const file of files) await linkSnapshotFile(cache, commit, file.path, file.etag);
  for (const path of plan.absent) await markNoExist(cache, commit, path);
  await writeRef(cache, ref.revision, commit);
  return snapshotDir(cache, commit);
}

interface Blobs {
  connection: HubConnection;
  cache: RepoCache;
  repo: string;
  commit: string;
  retries: number;
  retryDelayMs: number;
}

/**
 * Makes sure `blobs/<etag>` holds the verified file: reused when its size is right, else downloaded
 * under the blob's lock (another process may be downloading it: then its result is reused).
 */
async function ensureBlob(blobs: Blobs, file: RemoteFile, onBytes: (bytes: number) => void): Promise<void> {
  const blob = blobPath(blobs.cache, file.etag);
  const present = async (): Promise<boolean> => {
    const existing = await stat(blob).catch(() => undefined);
    return existing?.isFile() === true && existing.size === file.size;
  };
  if (await present()) return;
  await withBlobLock(lockPath(blobs.cache, file.etag), blobs.connection.signal, async () => {
    if (await present()) return;
    await mkdir(dirname(blob), { recursive: true });
    await downloadBlob({ ...blobs, file, blob, partial: incompletePath(blobs.cache, file.etag), onBytes });
  });
}

const DownloadKnobs = z.object({
  retries: z.number().int().min(0).max(100).default(5),
  retryDelayMs: z.number().min(0).max(600_000).default(1000),
});

function parse<T extends z.ZodType>(schema: T, options: DownloadSnapshotOptions, what: string): z.output<T> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new TunelabError("invalid_argument", `${what}: field ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
}
