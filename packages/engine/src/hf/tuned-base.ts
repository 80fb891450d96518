import { existsSync } from "node:fs";
import { join } from "node:path";
import { isFullDir, readFullBase } from "./full/full-dir.ts";
import { type HfBaseRef, readLoraBase } from "./lora/lora-dir.ts";

/** The base a tuned open-weight model (LoRA adapter or fully tuned) recorded at training; undefined for other models. */
export function tunedModelBase(modelDir: string): HfBaseRef | undefined {
  if (isFullDir(modelDir)) return readFullBase(modelDir);
  return existsSync(join(modelDir, "tunelab.json")) ? readLoraBase(modelDir) : undefined;
}
