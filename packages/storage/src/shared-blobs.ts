import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { TunelabError } from "@tunelab/base";
import { BlobStore } from "./blobs.ts";

/**
 * Content-addressed blobs that several machines may share (tunelab's dataset version contents, images fetched at
 * import): a directory (`DirectoryBlobs`: local, or a network mount) or an S3-compatible bucket with a local cache
 * (`S3Blobs`). A blob never changes once stored. (The engine keeps its own per-machine files in a `BlobStore`.)
 */
export interface Blobs {
  /** The local directory: the blobs themselves, or the cache in front of a bucket. New content is written beside them. */
  readonly root: string;
  /** Where the blobs live, for messages: a directory, or `s3://bucket/prefix`. */
  readonly location: string;
  /** The path of a blob's local copy (which may not exist; see `localPath`). */
  pathOf(hash: string): string;
  has(hash: string): Promise<boolean>;
  /** Stores the bytes and returns their hash and whether the blob is new to the store. */
  put(data: string | Uint8Array): Promise<{ hash: string; created: boolean }>;
  /** Moves a file written under `root` (whose sha256 is `hash`) into the store, or drops it when the blob exists. */
  putFile(file: string, hash: string): Promise<{ hash: string; created: boolean }>;
  /** The bytes of a blob; a missing one is `not_found`. */
  read(hash: string): Promise<Buffer>;
  /** The path of a local copy of the blob, made first when needed (for code that reads a file). */
  localPath(hash: string): Promise<string>;
  remove(hash: string): Promise<void>;
  /** Closes connections (a bucket's client); the store is not used after. */
  close(): Promise<void>;
}

/** Writes bytes to `path` atomically (a temporary sibling, then a rename). */
export function writeAtomically(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

/** Moves `file` to `path` (same file system) unless `path` exists, when `file` is removed; true when it moved. */
export function moveInto(file: string, path: string): boolean {
  if (existsSync(path)) {
    rmSync(file, { force: true });
    return false;
  }
  mkdirSync(dirname(path), { recursive: true });
  renameSync(file, path);
  return true;
}

/** Blobs in a directory (beside the database, or one several machines mount): `ab/abcdef…`. */
export class DirectoryBlobs implements Blobs {
  private readonly store: BlobStore;

  constructor(readonly root: string) {
    this.store = new BlobStore(root);
  }

  get location(): string {
    return this.root;
  }

  pathOf(hash: string): string {
    return this.store.pathOf(hash);
  }

  async has(hash: string): Promise<boolean> {
    return this.store.has(hash);
  }

  async put(data: string | Uint8Array): Promise<{ hash: string; created: boolean }> {
    return this.store.put(data);
  }

  async putFile(file: string, hash: string): Promise<{ hash: string; created: boolean }> {
    return { hash, created: moveInto(file, this.pathOf(hash)) };
  }

  async read(hash: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(hash));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw missing(hash, this.root);
      throw error;
    }
  }

  async localPath(hash: string): Promise<string> {
    const path = this.pathOf(hash);
    if (!existsSync(path)) throw missing(hash, this.root);
    return path;
  }

  async remove(hash: string): Promise<void> {
    this.store.remove(hash);
  }

  async close(): Promise<void> {}
}

function missing(hash: string, root: string): TunelabError {
  return new TunelabError("not_found", `blob ${hash} is missing from ${root}`);
}
