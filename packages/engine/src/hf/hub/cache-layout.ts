/**
 * The standard Hugging Face hub cache, shared with Python's huggingface_hub and huggingface.js:
 *
 *   <cache>/models--ORG--NAME/
 *     blobs/<etag>                       file content; etag = sha256 for LFS files, git blob sha1 otherwise
 *     blobs/<etag>.incomplete            a download under way (resumed from its size)
 *     snapshots/<commit>/<path>          relative symlink to ../../blobs/<etag>
 *     refs/<revision>                    the commit hash the branch or tag pointed to (no newline)
 *     .no_exist/<commit>/<path>          empty marker: this optional file is not in that commit
 *   <cache>/.locks/models--ORG--NAME/    download locks
 *
 * A snapshot written here is read by transformers unchanged, and one written by Python is reused here.
 */
import { copyFile, lstat, mkdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { getRepoFolderName } from "@huggingface/hub";
import { isCommitHash } from "./ref.ts";

export interface RepoCache {
  /** `<cache>/models--ORG--NAME` */
  dir: string;
}

export const repoCache = (cacheDir: string, repo: string): RepoCache => ({
  dir: join(cacheDir, getRepoFolderName({ type: "model", name: repo })),
});
export const blobPath = (cache: RepoCache, etag: string): string => join(cache.dir, "blobs", etag);
export const incompletePath = (cache: RepoCache, etag: string): string => `${blobPath(cache, etag)}.incomplete`;
/** Lock of one blob's download, beside huggingface_hub's `.locks/models--ORG--NAME/` (see blob-lock.ts). */
export const lockPath = (cache: RepoCache, etag: string): string =>
  join(dirname(cache.dir), ".locks", basename(cache.dir), `${etag}.tunelab.lock`);
export const snapshotDir = (cache: RepoCache, commit: string): string => join(cache.dir, "snapshots", commit);
export const snapshotFile = (cache: RepoCache, commit: string, path: string): string =>
  join(snapshotDir(cache, commit), ...path.split("/"));
const refPath = (cache: RepoCache, revision: string): string => join(cache.dir, "refs", ...revision.split("/"));
const noExistPath = (cache: RepoCache, commit: string, path: string): string => join(cache.dir, ".no_exist", commit, ...path.split("/"));

/** The commit a revision resolves to without the network: itself when it is a hash, else `refs/<revision>`. */
export async function cachedCommit(cache: RepoCache, revision: string): Promise<string | undefined> {
  if (isCommitHash(revision)) return revision;
  const text = await readFile(refPath(cache, revision), "utf8").catch(() => undefined);
  const commit = text?.trim();
  return commit !== undefined && isCommitHash(commit) ? commit : undefined;
}

/** Records that `revision` points at `commit` (atomically: a reader never sees half a hash). */
export async function writeRef(cache: RepoCache, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const path = refPath(cache, revision);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, commit);
  await rename(temporary, path);
}

/** Points `snapshots/<commit>/<path>` at its blob with a relative symlink (a copy where symlinks fail). */
export async function linkSnapshotFile(cache: RepoCache, commit: string, path: string, etag: string): Promise<void> {
  const link = snapshotFile(cache, commit, path);
  const blob = blobPath(cache, etag);
  await mkdir(dirname(link), { recursive: true });
  await rm(link, { force: true });
  try {
    await symlink(relative(dirname(link), blob), link);
  } catch (error) {
    if (!isSymlinkUnsupported(error)) throw error;
    await copyFile(blob, link);
  }
}

/** Marks an optional file as absent from a commit, as huggingface_hub does, so offline readers need not ask. */
export async function markNoExist(cache: RepoCache, commit: string, path: string): Promise<void> {
  const marker = noExistPath(cache, commit, path);
  await mkdir(dirname(marker), { recursive: true });
  await writeFile(marker, "");
}

export const isMarkedNoExist = async (cache: RepoCache, commit: string, path: string): Promise<boolean> =>
  (await lstat(noExistPath(cache, commit, path)).catch(() => undefined)) !== undefined;

function isSymlinkUnsupported(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP";
}
