import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { abandonedBy, processTag, TunelabError } from "@tunelab/base";

/** This process's partial folder for `outDir`: `OUT.tmp-HOST-PID`. */
const partialDir = (outDir: string) => `${outDir}.tmp-${processTag()}`;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Removes the partial folders of `outDir` that killed exports left (`OUT.tmp-HOST-PID` of a process of this machine that
 * no longer runs; `OUT.tmp-PID` from before the host was recorded): a `kill -9` cannot run the export's own cleanup.
 */
function removeAbandonedPartials(outDir: string): void {
  const pattern = new RegExp(`^${escapeRegExp(basename(outDir))}\\.tmp-(?:(.+)-)?(\\d+)$`);
  let names: string[];
  try {
    names = readdirSync(dirname(outDir));
  } catch {
    return; // no parent folder: nothing left there
  }
  for (const name of names) {
    const match = pattern.exec(name);
    if (match && abandonedBy(match[1], Number(match[2]))) rmSync(join(dirname(outDir), name), { recursive: true, force: true });
  }
}

/**
 * Removes an export's partial folder (`OUT.tmp-HOST-PID`), if any, after the export failed: never throws, so the export's
 * own error is the one reported (a folder that cannot be there, e.g. under a file, needs no removing).
 */
export function removePartialExport(outDir: string): void {
  try {
    rmSync(partialDir(outDir), { recursive: true, force: true });
  } catch {
    // nothing removable there: the error being thrown says what went wrong
  }
}

/**
 * Writes an export's folder under a temporary name (`OUT.tmp-HOST-PID`) and renames it into place once complete, so a
 * folder at `outDir` is always a whole export; refuses an `outDir` that exists. Returns the files written, sorted.
 */
export async function writeExportDir(outDir: string, write: (tmp: string) => Promise<void>): Promise<{ outDir: string; files: string[] }> {
  if (existsSync(outDir)) throw new TunelabError("conflict", `${outDir} already exists; choose a new output directory`);
  const tmp = partialDir(outDir);
  try {
    removeAbandonedPartials(outDir);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
  } catch (error) {
    throw new TunelabError("invalid_argument", `${outDir}: the output folder cannot be created (${(error as Error).message})`, {
      cause: error,
      details: { field: "outDir" },
    });
  }
  try {
    await write(tmp);
  } catch (error) {
    removePartialExport(outDir);
    throw error;
  }
  renameSync(tmp, outDir);
  return { outDir, files: readdirSync(outDir).sort() };
}
