import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256, TunelabError } from "@tunelab/base";

/** Content-addressed files beside the database: `blobs/ab/abcdef…`. */
export class BlobStore {
  constructor(readonly root: string) {}

  pathOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) {
      throw new TunelabError("invalid_argument", `not a blob hash: ${hash}`);
    }
    return join(this.root, hash.slice(0, 2), hash);
  }

  has(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  /** Stores the bytes (atomically) and returns their hash and whether the blob is new. */
  put(data: string | Uint8Array): { hash: string; created: boolean } {
    const hash = sha256(data);
    const path = this.pathOf(hash);
    if (existsSync(path)) return { hash, created: false };
    mkdirSync(join(this.root, hash.slice(0, 2)), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, data);
    renameSync(temporary, path);
    return { hash, created: true };
  }

  read(hash: string): Buffer {
    const path = this.pathOf(hash);
    if (!existsSync(path)) throw new TunelabError("not_found", `blob ${hash} is missing from ${this.root}`);
    return readFileSync(path);
  }

  remove(hash: string): void {
    rmSync(this.pathOf(hash), { force: true });
  }
}
