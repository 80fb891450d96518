import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { abandonedBy, processTag } from "@tunelab/base";
import type { Blobs } from "@tunelab/storage";
import { ExampleHashes } from "./example-hashes.ts";

const FLUSH_CHARS = 1 << 20;

/** A version being written: `.incoming-HOST-PID-RANDOM.jsonl` (HOST absent in files written before it was recorded). */
const INCOMING = /^\.incoming-(?:(.+)-)?(\d+)-[0-9a-f]{12}\.jsonl$/;

/** A version's canonical JSONL, written to a file beside the blobs, with its content hash and example index. */
export interface VersionContent {
  /** sha256 of the canonical JSONL: the version's identity and blob name. */
  contentHash: string;
  byteSize: number;
  examples: ExampleHashes;
  /** The written file, until `commitContent` moves it into the blob store or `discardContent` removes it. */
  file: string;
}

/**
 * Streams the examples of a version to disk as canonical JSONL (one line each, "\n"-terminated) while hashing it, so
 * a version of any size is written with memory for one buffer and its 64-byte-an-example index. The file is a
 * hidden sibling in the blob store's directory (same file system: the final rename is atomic).
 */
export class VersionWriter {
  private readonly file: string;
  private fd: number | undefined;
  private readonly hasher = createHash("sha256");
  private readonly examples = new ExampleHashes();
  private pending: string[] = [];
  private pendingChars = 0;
  private byteSize = 0;
  private closed = false;

  constructor(blobs: Blobs) {
    removeAbandoned(blobs.root);
    this.file = join(blobs.root, `.incoming-${processTag()}-${randomBytes(6).toString("hex")}.jsonl`);
  }

  add(example: { canonical: string; hash: string; inputHash: string }): void {
    const line = `${example.canonical}\n`;
    this.hasher.update(line);
    this.examples.push(example.hash, example.inputHash);
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  get count(): number {
    return this.examples.length;
  }

  finish(): VersionContent {
    this.flush();
    this.close();
    return { contentHash: this.hasher.digest("hex"), byteSize: this.byteSize, examples: this.examples, file: this.file };
  }

  /** Removes what was written (a file with errors writes nothing). */
  discard(): void {
    this.close();
    rmSync(this.file, { force: true });
  }

  private flush(): void {
    if (this.fd === undefined) {
      mkdirSync(dirname(this.file), { recursive: true });
      this.fd = openSync(this.file, "w");
    }
    const chunk = Buffer.from(this.pending.join(""));
    this.pending = [];
    this.pendingChars = 0;
    for (let at = 0; at < chunk.length; ) at += writeSync(this.fd, chunk, at);
    this.byteSize += chunk.length;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
  }
}

/**
 * Removes the partial versions that processes of this machine which no longer run left beside the blobs: an import
 * killed (SIGKILL, Ctrl-C, a machine put to sleep) never got to remove its file, which may be as large as the data.
 * Files of other machines sharing the directory (a network mount) and of live processes are left alone.
 */
function removeAbandoned(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return; // no blob directory yet
  }
  for (const name of names) {
    const match = INCOMING.exec(name);
    if (match && abandonedBy(match[1], Number(match[2]))) rmSync(join(root, name), { force: true });
  }
}

/** Moves written content into the blob store under its hash (or drops it when that blob exists). */
export function commitContent(blobs: Blobs, content: VersionContent): Promise<{ hash: string; created: boolean }> {
  return blobs.putFile(content.file, content.contentHash);
}

export function discardContent(content: VersionContent): void {
  rmSync(content.file, { force: true });
}
