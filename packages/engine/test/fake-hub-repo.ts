/**
 * The repositories of the fake Hub (fake-hub.ts): content stored as the Hub stores it (git blob ids,
 * LFS pointers with sha256 oids, a commit hash) and the JSON shapes of its model info and tree API.
 */
import { createHash } from "node:crypto";

export interface FakeRepoSpec {
  /** `ORG/NAME` */
  repo: string;
  /** Repo path → content. */
  files: Record<string, Uint8Array | string>;
  /** Paths stored with Git LFS; default: `*.safetensors`, `*.bin`, `*.gguf`, `*.onnx` and files of 10 KB or more. */
  lfs?: (path: string, size: number) => boolean;
  /** Files need `Authorization: Bearer <token>` (metadata stays public, as on the Hub). */
  gated?: boolean;
}

/** A file as the Hub stores it: content, git blob id (of the LFS pointer for an LFS file), LFS metadata. */
export interface StoredFile {
  path: string;
  content: Buffer;
  gitOid: string;
  lfs: { oid: string; size: number; pointerSize: number } | undefined;
}

export interface StoredRepo {
  spec: FakeRepoSpec;
  commit: string;
  files: Map<string, StoredFile>;
}

export const gitBlobId = (content: Buffer): string => createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
const sha256 = (content: Buffer): string => createHash("sha256").update(content).digest("hex");
const defaultLfs = (path: string, size: number): boolean => /\.(safetensors|bin|gguf|onnx|pth|msgpack|h5)$/.test(path) || size >= 10 * 1024;

/** Stores a repository: git ids, LFS pointers and a commit hash derived from its content. */
export function storeRepo(spec: FakeRepoSpec): StoredRepo {
  const files = new Map<string, StoredFile>();
  const isLfs = spec.lfs ?? defaultLfs;
  for (const [path, raw] of Object.entries(spec.files).sort(([a], [b]) => a.localeCompare(b))) {
    const content = Buffer.from(raw);
    if (!isLfs(path, content.length)) {
      files.set(path, { path, content, gitOid: gitBlobId(content), lfs: undefined });
      continue;
    }
    const oid = sha256(content);
    const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${content.length}\n`);
    files.set(path, { path, content, gitOid: gitBlobId(pointer), lfs: { oid, size: content.length, pointerSize: pointer.length } });
  }
  const commit = createHash("sha1")
    .update(spec.repo)
    .update([...files.values()].map((file) => `${file.path}\0${file.gitOid}`).join("\n"))
    .digest("hex");
  return { spec, commit, files };
}

/** `GET /api/models/{repo}/revision/{rev}`: the whole info, or `_id`, `id` and the `expand`ed fields. */
export function modelInfo(repo: StoredRepo, expand: string[]): Record<string, unknown> {
  const full: Record<string, unknown> = {
    _id: repo.commit.slice(0, 24),
    id: repo.spec.repo,
    modelId: repo.spec.repo,
    author: repo.spec.repo.split("/")[0],
    sha: repo.commit,
    lastModified: "2026-01-01T00:00:00.000Z",
    private: false,
    gated: repo.spec.gated ? "manual" : false,
    disabled: false,
    downloads: 0,
    likes: 0,
    pipeline_tag: "text-generation",
    library_name: "transformers",
    tags: ["transformers", "safetensors"],
    siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
  };
  if (expand.length === 0) return full;
  return Object.fromEntries(Object.entries(full).filter(([key]) => key === "_id" || key === "id" || expand.includes(key)));
}

/** Tree entries under `under` (the root when empty), directories included, as the tree API lists them. */
export function treeEntries(repo: StoredRepo, under: string, recursive: boolean, expand: boolean): Record<string, unknown>[] {
  const prefix = under === "" ? "" : `${under}/`;
  const seen = new Set<string>();
  const entries: Record<string, unknown>[] = [];
  const lastCommit = expand ? { lastCommit: { id: repo.commit, title: "Upload model", date: "2026-01-01T00:00:00.000Z" } } : {};
  for (const file of repo.files.values()) {
    if (!file.path.startsWith(prefix)) continue;
    const parts = file.path.slice(prefix.length).split("/");
    for (let depth = 1; depth < parts.length; depth++) {
      if (!recursive && depth > 1) break;
      const dir = prefix + parts.slice(0, depth).join("/");
      if (seen.has(dir)) continue;
      seen.add(dir);
      entries.push({ type: "directory", oid: gitBlobId(Buffer.from(dir)), size: 0, path: dir, ...lastCommit });
    }
    if (!recursive && parts.length > 1) continue;
    entries.push(fileEntry(file, lastCommit));
  }
  return entries;
}

export function fileEntry(file: StoredFile, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    type: "file",
    oid: file.gitOid,
    size: file.content.length,
    path: file.path,
    ...(file.lfs ? { lfs: file.lfs } : {}),
    ...extra,
  };
}

export function mustRepo(repos: Map<string, StoredRepo>, repo: string): StoredRepo {
  const stored = repos.get(repo);
  if (!stored) throw new Error(`fake hub: no repo ${repo}`);
  return stored;
}

export function mustFile(repos: Map<string, StoredRepo>, repo: string, path: string): StoredFile {
  const file = mustRepo(repos, repo).files.get(path);
  if (!file) throw new Error(`fake hub: no file ${path} in ${repo}`);
  return file;
}

export function contentTypeOf(path: string): string {
  if (path.endsWith(".json")) return "application/json; charset=utf-8";
  if (path.endsWith(".md") || path.endsWith(".jinja") || path.startsWith(".git")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}
