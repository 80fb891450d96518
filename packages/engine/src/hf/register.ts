/**
 * Registering an open-weight base model: a Hugging Face directory is checked (architecture,
 * weights, tokenizer, chat template), fingerprinted by content, and recorded under a name. The
 * directory is referenced in place, never copied: experiments share one copy of the weights.
 */
import { basename, resolve } from "node:path";
import { TunelabError } from "@tunelab/base";
import { nowSeconds } from "../ids.ts";
import { findRegisteredBase, insertRegisteredBase, type RegisteredBase } from "../models/base-model.repository.ts";
import type { EngineStore } from "../storage/store.ts";
import { isBaseSize } from "../trainer/model/sizes.ts";
import { createChatCodec } from "./chat-codec.ts";
import { inspectCheckpoint } from "./checkpoint.ts";
import { contextLimit } from "./config.ts";
import { digestFiles } from "./fingerprint.ts";

export const BASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,127}$/;

export interface RegisterOptions {
  dir: string;
  name?: string | undefined;
  /** What the user asked for (`hf:ORG/NAME@REV` for downloads); defaults to the directory. */
  source?: string | undefined;
  /** Bytes hashed so far (for a progress bar) out of `total`. */
  onHashProgress?: (done: number, total: number) => void;
}

export async function registerBaseModel(
  store: EngineStore,
  options: RegisterOptions,
): Promise<{ model: RegisteredBase; created: boolean }> {
  const dir = resolve(options.dir);
  const ckpt = inspectCheckpoint(dir);
  try {
    const codec = await createChatCodec(dir);
    codec.encodeChat([{ role: "user", content: "Hello" }], undefined);
  } catch (error) {
    if (error instanceof TunelabError) throw error;
    throw new TunelabError(
      "validation_failed",
      `tokenizer.json / tokenizer_config.json: the tokenizer or chat template does not load: ${(error as Error).message}`,
      {
        cause: error,
        details: { file: "tokenizer.json", field: "(file)" },
      },
    );
  }
  const name = options.name ?? basename(dir);
  if (!BASE_NAME.test(name))
    throw new TunelabError("invalid_argument", `model name "${name}" is not valid: letters, digits, ".", "_", "-" and "/" (pass --name)`);
  if (isBaseSize(name)) throw new TunelabError("conflict", `"${name}" is a built-in base size; pass another --name`);
  // a name taken by another folder is refused before hashing gigabytes of weights
  const existing = await findRegisteredBase(store, name);
  if (existing && existing.dir !== dir) throw nameTaken(name, existing);
  const total = ckpt.files.reduce((s, f) => s + f.bytes, 0);
  let done = 0;
  const { files, fingerprint } = await digestFiles(dir, ckpt.files, (n) => {
    done += n;
    options.onHashProgress?.(done, total);
  });
  if (existing && existing.fingerprint !== fingerprint)
    throw new TunelabError(
      "conflict",
      `a base model named "${name}" is registered from this folder, whose files changed since; remove it first or pass another --name`,
    );
  if (existing) return { model: existing, created: false };
  const row: RegisteredBase = {
    id: name,
    source: options.source ?? dir,
    dir,
    architecture: ckpt.arch.architecture,
    parameters: ckpt.parameters,
    dtype: ckpt.dtype,
    context_length: contextLimit(ckpt.arch),
    fingerprint,
    files_json: JSON.stringify(files),
    config_json: JSON.stringify(ckpt.config),
    created_at: nowSeconds(),
  };
  await insertRegisteredBase(store, row);
  return { model: row, created: true };
}

function nameTaken(name: string, existing: RegisteredBase): TunelabError {
  return new TunelabError(
    "conflict",
    `a base model named "${name}" is already registered (from ${existing.source}); remove it first or pass another --name`,
  );
}
