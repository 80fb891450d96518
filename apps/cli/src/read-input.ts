import { existsSync, readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { TunelabError } from "@tunelab/core";

/** Reads a data file given on the command line, with an error that names it. */
export function readDataFile(file: string): { text: string; fileName: string } {
  if (!existsSync(file)) throw new TunelabError("invalid_argument", `file not found: ${file}`);
  if (!statSync(file).isFile()) throw new TunelabError("invalid_argument", `not a file: ${file}`);
  try {
    return { text: readFileSync(file, "utf8"), fileName: basename(file) };
  } catch (error) {
    throw new TunelabError("io_error", `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

export function parseNumberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new TunelabError("invalid_argument", `${name} must be a number, got "${value}"`);
  return n;
}
