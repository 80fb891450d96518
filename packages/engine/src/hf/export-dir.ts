import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { TunelabError } from "@tunelab/base";

/**
 * Removes an export's partial folder (`OUT.tmp-PID`), if any, after the export failed: never throws, so the export's
 * own error is the one reported (a folder that cannot be there, e.g. under a file, needs no removing).
 */
export function removePartialExport(outDir: string): void {
  try {
    rmSync(`${outDir}.tmp-${process.pid}`, { recursive: true, force: true });
  } catch {
    // nothing removable there: the error being thrown says what went wrong
  }
}

/**
 * Writes an export's folder under a temporary name (`OUT.tmp-PID`) and renames it into place once complete, so a
 * folder at `outDir` is always a whole export; refuses an `outDir` that exists. Returns the files written, sorted.
 */
export async function writeExportDir(outDir: string, write: (tmp: string) => Promise<void>): Promise<{ outDir: string; files: string[] }> {
  if (existsSync(outDir)) throw new TunelabError("conflict", `${outDir} already exists; choose a new output directory`);
  const tmp = `${outDir}.tmp-${process.pid}`;
  try {
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
