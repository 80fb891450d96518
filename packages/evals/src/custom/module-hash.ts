/**
 * The identity of a custom grader's code: SHA-256 of its module file, or, when the module imports
 * other local files (its own helpers, transitively), of every one of them. Packages it imports from
 * node_modules are not part of it. A module without local imports hashes to its file's SHA-256, so
 * such identities are the same as a plain file hash.
 *
 * The local import graph comes from esbuild's metafile (nothing is written). The result is kept per
 * module and reused while none of its files changed size or modification time, so grading many
 * items does not re-read the graph.
 */
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";

interface Entry {
  files: Array<{ path: string; size: number; mtimeMs: number }>;
  hash: string;
}

const cache = new Map<string, Entry>();

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** SHA-256 of a file's content, hex. */
export async function hashFile(path: string): Promise<string> {
  return sha256(await readFile(path));
}

/** Local files the module imports, transitively (absolute paths, the module first); just the module when it does not parse. */
async function moduleFiles(path: string): Promise<string[]> {
  const dir = dirname(path);
  try {
    const { build } = await import("esbuild"); // loaded when a custom grader is first hashed, not at start-up
    const result = await build({
      entryPoints: [path],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      packages: "external",
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(dir, p));
    return [path, ...inputs.filter((p) => p !== path).sort()];
  } catch {
    // A module that does not build fails to load with its own error; its identity is its file.
    return [path];
  }
}

async function unchanged(entry: Entry): Promise<boolean> {
  for (const file of entry.files) {
    const s = await stat(file.path).catch(() => undefined);
    if (!s || s.size !== file.size || s.mtimeMs !== file.mtimeMs) return false;
  }
  return true;
}

/** The code identity of a custom grader module (see the file comment). Throws when the module cannot be read. */
export async function hashModule(modulePath: string): Promise<string> {
  const path = resolve(modulePath);
  const cached = cache.get(path);
  if (cached && (await unchanged(cached))) return cached.hash;
  const paths = await moduleFiles(path);
  const files: Entry["files"] = [];
  const hashes: string[] = [];
  for (const file of paths) {
    const [s, content] = await Promise.all([stat(file), readFile(file)]);
    files.push({ path: file, size: s.size, mtimeMs: s.mtimeMs });
    hashes.push(sha256(content));
  }
  // One file: its own hash. Several: the hash of a manifest of (path relative to the module, hash) lines.
  const hash =
    hashes.length === 1
      ? (hashes[0] as string)
      : sha256(paths.map((file, i) => `${relative(dirname(path), file)}\0${hashes[i]}\n`).join(""));
  cache.set(path, { files, hash });
  return hash;
}
