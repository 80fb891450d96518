/**
 * What a blob's name promises about its content: an LFS file is named by its sha256 (`lfs.oid` in the
 * tree listing, `X-Linked-Etag` on the resolve route), a regular git file by its git blob id
 * (sha1 of `blob <size>\0<content>`). Both are checked on the finished download.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";

export type Checksum = { kind: "sha256"; hex: string } | { kind: "git-sha1"; hex: string };

export const describeChecksum = (checksum: Checksum): string => `${checksum.kind} ${checksum.hex}`;

/** The checksum of the file at `path` (of `size` bytes), computed the same way as `expected`. */
export async function fileChecksum(path: string, size: number, kind: Checksum["kind"]): Promise<string> {
  const hash: Hash = createHash(kind === "sha256" ? "sha256" : "sha1");
  if (kind === "git-sha1") hash.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
