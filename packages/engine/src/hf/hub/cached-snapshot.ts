/**
 * Whether a snapshot in the cache already holds a loadable model, so no request is needed: the
 * required configs and tokenizer, and either `model.safetensors` or the index with every shard it
 * names. Works on snapshots written by this module, by huggingface_hub or by huggingface.js alike.
 * Blobs are trusted as they are (they were verified when written), as huggingface_hub does.
 */
import { readFile, stat } from "node:fs/promises";
import { type RepoCache, snapshotFile } from "./cache-layout.ts";
import { REQUIRED_FILES, SINGLE_WEIGHTS, WEIGHTS_INDEX } from "./model-files.ts";

/** Follows the symlink: a link whose blob is gone counts as missing. */
const present = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined))?.isFile() === true;

export async function isCompleteSnapshot(cache: RepoCache, commit: string): Promise<boolean> {
  const file = (path: string): string => snapshotFile(cache, commit, path);
  for (const path of REQUIRED_FILES) if (!(await present(file(path)))) return false;
  if (await present(file(SINGLE_WEIGHTS))) return true;
  const indexText = await readFile(file(WEIGHTS_INDEX), "utf8").catch(() => undefined);
  if (indexText === undefined) return false;
  let shards: string[];
  try {
    const weightMap = (JSON.parse(indexText) as { weight_map?: Record<string, unknown> }).weight_map ?? {};
    shards = [...new Set(Object.values(weightMap))].filter((name): name is string => typeof name === "string");
  } catch {
    return false;
  }
  if (shards.length === 0) return false;
  for (const shard of shards) if (shard.includes("..") || !(await present(file(shard)))) return false;
  return true;
}
