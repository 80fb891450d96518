/**
 * The base model a PEFT adapter names in adapter_config.json: `base_model_name_or_path` (a Hub repository id, or a
 * folder) and `revision` (the Hub revision the base was pinned to, which PEFT passes on when it loads the base; null
 * for the default branch or a folder). Taken from what the tuned model recorded at training (tunelab.json), never
 * from whichever model is registered under the base's name now.
 */
import { HUB_REF_PREFIX, parseHubRef } from "../hub/ref.ts";
import type { HfBaseRef } from "./lora-dir.ts";

export interface PeftBase {
  nameOrPath: string;
  revision: string | null;
}

/**
 * The base as PEFT names it. `source` is what the base was registered from (`hf:ORG/NAME[@REV]` or a folder): the one
 * the tuned model recorded, else `registeredSource` (for models tuned before the source was recorded; the caller
 * passes it only when that registration has the fingerprint the tuned model recorded). Without a Hub source, the
 * folder the base was in at training.
 */
export function peftBase(base: HfBaseRef, registeredSource?: string): PeftBase {
  const source = base.source ?? registeredSource;
  if (source?.startsWith(HUB_REF_PREFIX)) {
    try {
      const ref = parseHubRef(source);
      return { nameOrPath: ref.repo, revision: source.includes("@") ? ref.revision : null };
    } catch {
      // not a valid Hub reference after all: the folder below
    }
  }
  return { nameOrPath: base.dir, revision: null };
}
