import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { TunelabError } from "@tunelab/base";

/**
 * Writes an export's folder under a temporary name (`OUT.tmp-PID`) and renames it into place once complete, so a
 * folder at `outDir` is always a whole export; refuses an `outDir` that exists. Returns the files written, sorted.
 */
export async function writeExportDir(outDir: string, write: (tmp: string) => Promise<void>): Promise<{ outDir: string; files: string[] }> {
  if (existsSync(outDir)) throw new TunelabError("conflict", `${outDir} already exists; choose a new output directory`);
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await write(tmp);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  renameSync(tmp, outDir);
  return { outDir, files: readdirSync(outDir).sort() };
}
