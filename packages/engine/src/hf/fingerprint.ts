/** Content identity of a model directory: sha256 of each file, and one digest over them all. */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";

export interface FileDigest {
  name: string;
  bytes: number;
  sha256: string;
}

export async function sha256File(path: string, onBytes?: (n: number) => void): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return hash.digest("hex");
}

export async function digestFiles(
  dir: string,
  files: Array<{ name: string; bytes: number }>,
  onBytes?: (n: number) => void,
): Promise<{ files: FileDigest[]; fingerprint: string }> {
  const out: FileDigest[] = [];
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name)))
    out.push({ ...f, sha256: await sha256File(join(dir, f.name), onBytes) });
  const all = createHash("sha256");
  for (const f of out) all.update(`${f.name}\0${f.sha256}\n`);
  return { files: out, fingerprint: all.digest("hex") };
}
