import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isFullDir } from "../hf/full/full-dir.ts";
import { isLoraDir } from "../hf/lora/lora-dir.ts";

/** lora: a PEFT adapter on an open-weight base; full: every weight of an open-weight base tuned; from-scratch: a local-* size. */
export type TunedModelKind = "lora" | "full" | "from-scratch";

/**
 * How a tuned model was trained, read from its directory (a model tuned from a `local-*` size, or continued from one, is
 * `from-scratch`); undefined when the directory is none of these (e.g. missing). Reads files only.
 */
export function tunedModelKind(dir: string): TunedModelKind | undefined {
  if (isLoraDir(dir)) return "lora";
  if (isFullDir(dir)) return "full";
  try {
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { format?: unknown };
    return config.format === "tunelab-model" ? "from-scratch" : undefined;
  } catch {
    return undefined;
  }
}
