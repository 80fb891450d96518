/**
 * Chat templates as the model authors published them: llama.cpp keeps a copy of each (models/templates/*.jinja) to test
 * its own template engine against, and node-llama-cpp ships llama.cpp's source as a git bundle. The files are read from
 * that bundle (installed by scripts/install-llama-cpp.mjs, see llama-cpp.ts) into a temporary folder once per machine;
 * none is copied into this repository. Without the bundle the tests that need them are skipped, saying why.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { llamaCppDir, NODE_LLAMA_CPP_VERSION } from "./llama-cpp.ts";

const BUNDLE = () => join(llamaCppDir(), "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");
const EXTRACTED = join(tmpdir(), `tunelab-llama-cpp-${NODE_LLAMA_CPP_VERSION}-templates`);

/** The folder of published templates, extracted on first use, or why it cannot be had. */
export function publishedTemplatesDir(): { dir: string } | { reason: string } {
  const dir = join(EXTRACTED, "models", "templates");
  if (existsSync(dir)) return { dir };
  const bundle = BUNDLE();
  if (!existsSync(bundle)) return { reason: `llama.cpp's source (${bundle}) is not installed: run node scripts/install-llama-cpp.mjs` };
  const work = `${EXTRACTED}.${process.pid}`;
  try {
    rmSync(work, { recursive: true, force: true });
    const git = join(work, "git");
    mkdirSync(git, { recursive: true });
    const run = (args: string[]) => execFileSync("git", args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
    run(["init", "-q", "--bare", git]);
    run(["-C", git, "fetch", "-q", bundle, "HEAD"]);
    const tar = run(["-C", git, "archive", "--format=tar", "FETCH_HEAD", "models/templates"]);
    const out = join(work, "out");
    mkdirSync(out);
    execFileSync("tar", ["-x", "-C", out], { input: tar });
    // another test process may have finished first: either copy is the same
    if (!existsSync(dir)) renameSync(out, EXTRACTED);
  } catch (error) {
    if (!existsSync(dir)) return { reason: `could not read the templates from ${bundle}: ${(error as Error).message}` };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { dir };
}

/** A published template by llama.cpp's file name (without `.jinja`). */
export function publishedTemplate(dir: string, name: string): string {
  return readFileSync(join(dir, `${name}.jinja`), "utf8");
}
