/** Content identity of a model directory: sha256 of each file, and one digest over them all. */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { sha256File } from "@tunelab/base";

export interface FileDigest {
  name: string;
  bytes: number;
  sha256: string;
  /** The file's modification time when it was hashed (taken before hashing, so a change while hashing shows). */
  mtimeMs: number;
}

export { sha256File };

export async function digestFiles(
  dir: string,
  files: Array<{ name: string; bytes: number }>,
  onBytes?: (n: number) => void,
): Promise<{ files: FileDigest[]; fingerprint: string }> {
  const out: FileDigest[] = [];
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, f.name);
    const { mtimeMs } = statSync(path);
    out.push({ ...f, sha256: await sha256File(path, onBytes), mtimeMs });
  }
  return { files: out, fingerprint: combineDigests(out) };
}

/** The fingerprint of a directory from its files' digests (sorted by name). */
export function combineDigests(files: ReadonlyArray<{ name: string; sha256: string }>): string {
  const all = createHash("sha256");
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) all.update(`${f.name}\0${f.sha256}\n`);
  return all.digest("hex");
}

/** sha256 of a file, synchronously (for code that runs off the request thread or in a CLI command). */
export function sha256FileSync(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(4 * 1024 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
