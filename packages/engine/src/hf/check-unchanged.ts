/**
 * A registered folder is used (trained on, served, exported) only while its files are those registered. Re-hashing
 * gigabytes of weights on every use is too slow, so each file's size and modification time are recorded with its
 * sha256: a different size is refused at once; a different time (or a record from before times were kept) has the
 * file hashed again, refused when its sha256 differs, and otherwise accepted with the new time recorded.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { sha256File, TunelabError } from "@tunelab/base";
import { z } from "zod";
import { type RegisteredBase, updateRegisteredFiles } from "../models/base-model.repository.ts";
import type { EngineStore } from "../storage/store.ts";

/** One file of a registered folder, as recorded (`files_json`); `mtimeMs` is absent from older records. */
export const RegisteredFile = z.object({
  name: z.string(),
  bytes: z.number(),
  sha256: z.string(),
  mtimeMs: z.number().optional(),
});
export type RegisteredFile = z.infer<typeof RegisteredFile>;

export const registeredFiles = (row: RegisteredBase): RegisteredFile[] => z.array(RegisteredFile).parse(JSON.parse(row.files_json));

/** Refuses a registered folder whose files changed since registration, naming the file; records re-checked times. */
export async function checkUnchanged(store: EngineStore, row: RegisteredBase): Promise<void> {
  const files = registeredFiles(row);
  let refreshed = false;
  for (const f of files) {
    const path = join(row.dir, f.name);
    let stat: { size: number; mtimeMs: number };
    try {
      stat = statSync(path);
    } catch {
      throw new TunelabError("not_found", `base model ${row.id}: ${path} is missing; register the model again (tunelab models add)`);
    }
    const changed = (how: string) =>
      new TunelabError(
        "conflict",
        `base model ${row.id}: ${f.name} changed since it was registered (${how}); register it again under a new name`,
        { details: { file: f.name } },
      );
    if (stat.size !== f.bytes) throw changed(`${f.bytes} bytes then, ${stat.size} now`);
    if (stat.mtimeMs === f.mtimeMs) continue;
    if ((await sha256File(path)) !== f.sha256) throw changed("its sha256 differs");
    f.mtimeMs = stat.mtimeMs;
    refreshed = true;
  }
  if (refreshed) {
    row.files_json = JSON.stringify(files);
    await updateRegisteredFiles(store, row);
  }
}
